"""control-flow, end to end through `lab compare control-flow --json`."""
import ast

import numpy as np
import pytest

from compare.discovery import get
from conftest import FRAMEWORKS, ROOT, runs_of
from scenarios import control_flow as spec


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("control-flow")


def test_schema_and_order(doc):
    assert doc["scenario"] == "control-flow"
    assert doc["device"] == "cpu"
    assert set(doc["versions"]) == set(FRAMEWORKS)
    assert all(isinstance(v, str) and v for v in doc["versions"].values())
    order = [r["framework"] for r in doc["runs"]]
    assert order == sorted(order, key=FRAMEWORKS.index)
    for run in doc["runs"]:
        for key in ("framework", "variant", "mode", "file", "status", "max_abs_err", "timing",
                    "compiles", "error", "code"):
            assert key in run
        assert run["mode"] in ("static", "dynamic")
        assert {"lines", "tokens"} <= set(run["code"])
    assert doc["_exit_code"] == 0


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_working_variant_matches_reference(doc, framework):
    label = "eager" if framework == "torch" else "static"
    (run,) = runs_of(doc, framework, label)
    assert run["status"] == "ok"
    assert run["max_abs_err"] <= doc["tolerances"]["atol"] + 1e-6
    assert len(run["call_times_s"]) == len(spec.calls(0))
    t = run["timing"]
    assert t["first_call_s"] > 0 and t["steady_median_s"] > 0
    assert t["repeats"] == 3 and len(t["samples_s"]) == 3
    assert t["steady_q1_s"] <= t["steady_median_s"] <= t["steady_q3_s"]
    assert run["file"] == f"{'dynamic_impl' if framework == 'torch' else 'static_impl'}/{framework}/control_flow.py"


def test_compile_counts(doc):
    assert runs_of(doc, "tensorflow", "static")[0]["compiles"] == 1
    # One input shape and dtype: one compilation serves every call.
    assert runs_of(doc, "jax", "static")[0]["compiles"] == 1
    assert runs_of(doc, "torch", "eager")[0]["compiles"] is None


def test_jax_naive_raises_at_the_if(doc):
    (run,) = runs_of(doc, "jax", "naive")
    assert run["status"] == "error"
    err = run["error"]
    assert err["type"] == "TracerBoolConversionError"
    user = err["innermost_user"]
    assert user["file"] == "static_impl/jax/control_flow.py"
    assert "if jnp.sum(x) > 0" in user["code"]
    assert err["frames"][-1]["origin"] == "user"  # JAX's filtering leaves the user's line last
    assert err["unfiltered_len"] > err["filtered_len"]
    assert run["compiles"] == 0


def test_tf_naive_is_rescued_by_autograph_and_the_lab_says_so(doc):
    (run,) = runs_of(doc, "tensorflow", "naive")
    assert run["status"] == "ok" and run["compiles"] == 1
    (tf_sentence,) = [t for t in doc["takeaways"] if "the naive tf.function port works" in t]
    assert tf_sentence.startswith("For this code, on these 3 inputs,")  # what it rests on
    assert "both branches and 2 different loop counts" in tf_sentence
    assert "AutoGraph turned the `if` and the `while` into graph control flow" in tf_sentence
    assert not [t for t in doc["takeaways"] if "AutoGraph" in t and t is not tf_sentence]


def test_first_call_split(doc):
    tf_t = runs_of(doc, "tensorflow", "static")[0]["timing"]
    assert 0 < tf_t["trace_s"] <= tf_t["first_call_s"]
    jax_t = runs_of(doc, "jax", "static")[0]["timing"]
    assert jax_t["backend_compiles"] == 1
    assert 0 < jax_t["compile_s"] < jax_t["first_call_s"]


def test_code_view_marks_changed_lines(doc):
    tf_code = doc["code"]["tf-function"]
    # Lines 7-13 of forward (tf.cond, tf.constant, tf.while_loop) and its decorator line.
    assert tf_code["diff_vs_eager"]["functions"]["forward"]["changed"] == 8
    assert doc["code"]["jax-jit"]["diff_vs_eager"]["functions"]["forward"]["changed"] == 7
    assert doc["code"]["torch-eager"]["diff_vs_eager"] is None
    constructs = tf_code["functions"]["forward"]["constructs"]
    assert constructs == {"tf.cond": 1, "tf.while_loop": 1}
    assert doc["code"]["jax-jit"]["functions"]["forward"]["constructs"] == {"lax.cond": 1, "lax.while_loop": 1}


def test_reference_is_exact_for_the_loop():
    x = np.array([3.0, -2.0], dtype=np.float32)
    y, n = spec.reference(x)
    assert n == 2 and np.allclose(y, np.sin(x) * 4 / 4)


# --- the takeaways against altered runs: each sentence follows the fact it cites ------------------

TAKEAWAYS = get("control-flow").field("verdicts")
TF_WORKS = "the naive tf.function port works"
JAX_IF = "jax.jit did not convert the Python `if`"


def _one(doc, system, variant):
    (run,) = [r for r in doc["runs"] if (r["system"], r["variant"]) == (system, variant)]
    return run


def _with(sentences, part):
    return [s for s in sentences if part in s]


def _if_line(framework):
    source = (ROOT / f"static_impl/{framework}/control_flow.py").read_text()
    fn = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "naive")
    return min(n.lineno for n in ast.walk(fn) if isinstance(n, ast.If))


def test_jax_takeaway_cites_the_if_of_naive(doc):
    (sentence,) = _with(TAKEAWAYS(doc), JAX_IF)
    assert f"(static_impl/jax/control_flow.py:{_if_line('jax')})" in sentence
    assert "raised TracerBoolConversionError" in sentence
    assert "lax.cond ×1 and lax.while_loop ×1, 7 of its 10 lines differing from eager" in sentence
    assert sentence.endswith("For this code, the seed claim holds for jax.jit.")


@pytest.mark.parametrize("alter", [
    lambda e: e.update(type="NameError"),  # not a truth-value error
    lambda e: e["innermost_user"].update(line=e["innermost_user"]["line"] + 5),  # not the `if`
    lambda e: e["innermost_user"].update(code="y = x * x"),
    lambda e: e["innermost_user"].update(file="static_impl/jax/other.py"),
    lambda e: e.update(innermost_user=None),
], ids=["type", "line", "code", "file", "no-user-line"])
def test_jax_takeaway_needs_a_truth_value_error_at_the_if(altered, alter):
    alter(_one(altered, "jax-jit", "naive")["error"])
    assert _with(TAKEAWAYS(altered), JAX_IF) == []


def test_jax_takeaway_drops_the_claim_when_the_working_version_failed(altered):
    _one(altered, "jax-jit", "static")["status"] = "wrong"
    (sentence,) = _with(TAKEAWAYS(altered), JAX_IF)
    assert "seed claim" not in sentence and "working version" not in sentence


def test_jax_takeaway_needs_the_naive_port_to_fail(altered):
    run = _one(altered, "jax-jit", "naive")
    run.update(status="ok", error=None)
    assert _with(TAKEAWAYS(altered), JAX_IF) == []


@pytest.mark.parametrize("alter", [
    lambda r: r.update(compiles=3),  # a trace per input proves nothing about graph control flow
    lambda r: r.update(status="wrong"),
    lambda r: r.update(status="error", error={"type": "ValueError"}),
    lambda r: r.update(call_times_s=r["call_times_s"][:2], call_errors=r["call_errors"][:2]),
], ids=["compiles", "wrong", "error", "fewer-calls"])
def test_tf_takeaway_needs_one_trace_serving_every_input(altered, alter):
    alter(_one(altered, "tf-function", "naive"))
    assert _with(TAKEAWAYS(altered), TF_WORKS) == []


def test_tf_takeaway_credits_the_while_only_for_more_than_one_loop_count(altered, monkeypatch):
    # Three inputs that take both branches but all halve once: one loop count.
    same_steps = [(np.full(8, v, np.float32),) for v in (0.5, -1.2, 0.4)]
    assert len({int(spec.reference(x)[1]) for (x,) in same_steps}) == 1
    assert len({bool(x.sum() > 0) for (x,) in same_steps}) == 2
    monkeypatch.setattr(spec, "calls", lambda seed=0: same_steps)
    (sentence,) = _with(spec.verdicts(altered), TF_WORKS)
    assert "AutoGraph turned the `if` into graph control flow" in sentence
    assert "1 different loop count" in sentence and "does not show what AutoGraph made of it" in sentence
    assert "seed claim" not in sentence


def test_tf_takeaway_credits_nothing_when_every_input_takes_one_path(altered, monkeypatch):
    one_path = [(np.full(8, v, np.float32),) for v in (0.5, 0.45, 0.4)]
    monkeypatch.setattr(spec, "calls", lambda seed=0: one_path)
    (sentence,) = _with(spec.verdicts(altered), TF_WORKS)
    assert "AutoGraph turned" not in sentence and "seed claim" not in sentence
