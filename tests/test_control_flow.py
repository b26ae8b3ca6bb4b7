"""control-flow, end to end through `lab compare control-flow --json`."""
import numpy as np
import pytest

from conftest import FRAMEWORKS, runs_of
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
    (tf_sentence,) = [t for t in doc["takeaways"] if t.startswith("The naive tf.function port works")]
    assert "AutoGraph" in tf_sentence and "both branches" in tf_sentence


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
