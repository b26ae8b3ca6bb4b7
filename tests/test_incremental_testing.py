"""incremental-testing, end to end through `lab compare incremental-testing --json`."""
import re

import numpy as np
import pytest

from compare.discovery import get
from conftest import FRAMEWORKS, ROOT, runs_of
from scenarios import incremental_testing as spec

WORKING = {"tensorflow": "static", "jax": "static", "torch": "eager"}
PRINTING = ("with_print", "with_framework_print", "layer_alone", "with_numpy")


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("incremental-testing")


@pytest.fixture(scope="module")
def eager_doc(compare_doc):
    """The static frameworks run eagerly (run_functions_eagerly, disable_jit)."""
    return compare_doc("incremental-testing", "--modes", "dynamic", "--frameworks", "tensorflow,jax")


def one(doc, framework, label):
    (run,) = runs_of(doc, framework, label)
    return run


def h1_of(call_index: int) -> np.ndarray:
    x, w1, _, _ = spec.calls(0)[call_index]
    return np.maximum(x @ w1, 0)


def first_numbers(line: str, n: int = 3) -> list[float]:
    return [float(t) for t in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", line.split(spec.MARKER, 1)[1])[:n]]


def test_calls_share_weights_and_differ_in_x():
    inputs = spec.calls(0)
    assert len(inputs) == 3
    for _, *ws in inputs[1:]:
        assert all((a == b).all() for a, b in zip(ws, inputs[0][1:]))
    assert not np.allclose(inputs[0][0], inputs[1][0])
    assert spec.reference(*inputs[0]).shape == (spec.BATCH, spec.D_OUT)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_variant_that_ran_matches_the_reference(doc, framework):
    assert one(doc, framework, WORKING[framework])["status"] == "ok"
    for run in runs_of(doc, framework):
        if run["status"] != "error":
            assert run["status"] == "ok", run["variant"]
            assert len(run["call_errors"]) == 3
            assert max(run["call_errors"]) <= doc["tolerances"]["atol"]
    assert doc["_exit_code"] == 0


@pytest.mark.parametrize("framework", ("tensorflow", "jax"))
def test_python_print_runs_once_at_trace_time_on_a_symbolic_value(doc, framework):
    run = one(doc, framework, "with_print")
    assert run["print_counts"] == [1, 0, 0]
    # The inspection was symbolic: a placeholder (how the framework spells it is its own business),
    # and none of h1's values, which did not exist yet.
    assert run["inspection"] == "symbolic" and run["print_kinds"] == [["symbolic"], [], []]
    shown = " ".join(run["printed"][0])
    assert not any(f"{v:.4f}" in shown for v in h1_of(0).ravel() if v)
    if framework == "jax":
        assert run["compiles"] == 1  # one compile served 3 calls; print ran only in its trace


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_print_shows_each_calls_own_values(doc, framework):
    """tf.print writes from C++ to fd 2: seen only because capture is at the fd level."""
    run = one(doc, framework, "with_framework_print")
    assert run["print_counts"] == [1, 1, 1] and run["inspection"] == "concrete"
    for index, lines in enumerate(run["printed"]):
        got = first_numbers(lines[0])
        np.testing.assert_allclose(got, h1_of(index)[0, :3], atol=1e-3)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_layer_called_alone_gives_concrete_values_every_call(doc, framework):
    run = one(doc, framework, "layer_alone")
    assert run["status"] == "ok"
    assert run["print_counts"] == [1, 1, 1] and run["inspection"] == "concrete"
    for index, lines in enumerate(run["printed"]):
        np.testing.assert_allclose(first_numbers(lines[0]), h1_of(index)[0, :3], atol=1e-5)


@pytest.mark.parametrize("framework, error_type", [
    ("tensorflow", "OperatorNotAllowedInGraphError"), ("jax", "TracerBoolConversionError")])
def test_python_assert_on_a_value_fails_in_a_graph(doc, framework, error_type):
    run = one(doc, framework, "with_assert")
    e = run["error"]
    assert (e["type"], e["call_index"]) == (error_type, 0)
    assert run["print_counts"] == [0] and run["inspection"] == "raised"
    # The shape assert before it passed: the error names the value assert's line.
    if framework == "jax":
        assert e["innermost_user"]["code"].startswith("assert jnp.all(h1 >= 0)")
    else:
        assert e["innermost_user"] is None
        assert "assert tf.reduce_all(h1 >= 0)" in e["message"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_framework_assert_runs_in_the_graph(doc, framework):
    run = one(doc, framework, "with_framework_assert")
    assert run["status"] == "ok" and run["inspection"] == "none"
    assert run["print_counts"] == [0, 0, 0]


@pytest.mark.parametrize("framework, error_type", [
    ("tensorflow", "AttributeError"), ("jax", "TracerArrayConversionError")])
def test_reading_numpy_inside_a_graph_raises(doc, framework, error_type):
    run = one(doc, framework, "with_numpy")
    e = run["error"]
    assert (e["type"], e["call_index"]) == (error_type, 0)
    # The error names the line that reads the value (in its traceback, or in TF's message).
    site = e["innermost_user"] or e["message_locations"][0]
    line = (ROOT / site["file"]).read_text().splitlines()[site["line"] - 1]
    assert site["file"] == run["file"] and "h1_value = " in line
    assert run["inspection"] == "raised" and run["print_counts"] == [0]


def test_torch_eager_inspects_everything_every_call(doc):
    for label in PRINTING:
        run = one(doc, "torch", label)
        assert run["print_counts"] == [1, 1, 1] and run["inspection"] == "concrete", label
    for label in ("with_assert", "with_framework_assert"):
        assert one(doc, "torch", label)["inspection"] == "none"


def test_running_eagerly_makes_print_and_numpy_concrete(eager_doc):
    for fw in ("tensorflow", "jax"):
        for label in ("with_print_eager", "with_numpy_eager"):
            run = one(eager_doc, fw, label)
            assert run["print_counts"] == [1, 1, 1] and run["inspection"] == "concrete", (fw, label)
        assert one(eager_doc, fw, "with_assert_eager")["status"] == "ok"
    # TF's eager repr puts no number on the marker line: the block around it is what counts.
    assert one(eager_doc, "tensorflow", "with_print_eager")["first_print"] == "h1: tf.Tensor("


def test_expected_table_matches_the_run(doc, eager_doc):
    checked = 0
    for (fw, label), expected in spec.EXPECTED.items():
        runs = runs_of(doc, fw, label) or runs_of(eager_doc, fw, label)
        if not runs:
            continue  # torch.compile variants: --modes all only
        (run,) = runs
        for key, value in expected.items():
            actual = run["error"]["type"] if key == "error_type" else run[key]
            assert actual == value, (fw, label, key)
        checked += 1
    assert checked == 18 + 6


def test_verdicts_give_the_counts(doc):
    text = "\n".join(doc["takeaways"])
    assert "Python print of h1 inside the function: tf.function printed on 1 of 3 calls (symbolic" in text
    # The sentence quotes what the run printed, whatever the framework's repr is.
    assert f"jax.jit printed on 1 of 3 calls (symbolic: `{one(doc, 'jax', 'with_print')['first_print'][:70]}`)" in text
    assert "jax.jit raised TracerArrayConversionError on call 1" in text


# --- annotate, on hand-written output -----------------------------------------------------------

def _annotate(printed, status="ok"):
    return spec.annotate({"printed": printed, "status": status})


def test_annotate_counts_prints_not_lines_and_skips_log_noise():
    torch_repr = ["h1: tensor([[0.6289, 0.8619],", "        [0.3098, 0.1195]])"]
    tf_eager = ["h1: tf.Tensor(", "[[0.62 0.86]", " [0.30 0.11]], shape=(2, 2), dtype=float32)"]
    noise = ["W0000 00:00:17 local_rendezvous.cc:412] aborting"]
    out = _annotate([torch_repr, noise + tf_eager, noise])
    assert out["print_counts"] == [1, 1, 0]
    assert out["print_kinds"] == [["concrete"], ["concrete"], []]
    assert out["inspection"] == "concrete" and out["first_print"] == torch_repr[0]


@pytest.mark.parametrize("line", [
    'h1: Tensor("PartitionedCall:0", shape=(4, 8), dtype=float32)',
    "h1: JitTracer(float32[4,8])",
    "h1: Traced<ShapedArray(float32[4,8])>with<DynamicJaxprTrace>",
])
def test_annotate_recognises_symbolic_placeholders(line):
    assert _annotate([[line], [], []]) | {"first_print": None} == {
        "print_counts": [1, 0, 0], "print_kinds": [["symbolic"], [], []],
        "inspection": "symbolic", "first_print": None}


def test_annotate_summaries():
    assert _annotate([[], [], []])["inspection"] == "none"
    assert _annotate([[]], status="error")["inspection"] == "raised"
    assert _annotate([["h1: JitTracer(float32[2])"], ["h1: [1. 2.]"]])["inspection"] == "mixed"


# --- the takeaways against altered runs: each sentence follows the fact it cites ------------------

TAKEAWAYS = get("incremental-testing").field("verdicts")


def sentence_for(doc, label):
    (sentence,) = [t for t in TAKEAWAYS(doc) if t.startswith(spec._WHAT[label])]
    return sentence


def test_print_counts_and_kind_are_the_runs(altered):
    assert "jax.jit printed on 1 of 3 calls (symbolic: `" in sentence_for(altered, "with_print")
    one(altered, "jax", "with_print").update(print_counts=[1, 1, 1], inspection="concrete")
    sentence = sentence_for(altered, "with_print")
    assert "jax.jit printed on 3 of 3 calls (concrete)" in sentence and "jax.jit printed on 1" not in sentence
    one(altered, "jax", "with_print").update(print_counts=[0, 0, 0], inspection="none")
    assert "jax.jit ran all 3 calls silently, matching the reference" in sentence_for(altered, "with_print")


def test_an_error_is_cited_by_type_and_call(altered):
    e = one(altered, "jax", "with_assert")["error"]
    assert "jax.jit raised TracerBoolConversionError on call 1" in sentence_for(altered, "with_assert")
    e.update(type="ValueError", call_index=2)
    sentence = sentence_for(altered, "with_assert")
    assert "jax.jit raised ValueError on call 3" in sentence and "TracerBoolConversionError" not in sentence


def test_a_run_that_never_ran_is_not_called_silent(altered):
    one(altered, "torch", "with_assert").update(status="unavailable", error=None, call_times_s=[])
    sentence = sentence_for(altered, "with_assert")
    assert "torch eager did not run to an outcome (unavailable)" in sentence
    assert "torch eager ran all" not in sentence


def test_a_wrong_result_is_not_called_matching(altered):
    one(altered, "torch", "with_framework_assert")["status"] = "wrong"
    sentence = sentence_for(altered, "with_framework_assert")
    assert "torch eager ran all 3 calls silently, with a wrong result" in sentence
