"""dynamic-architecture, end to end through `lab compare dynamic-architecture --json`."""

import numpy as np
import pytest

from compare.discovery import get
from compare.harness import compare_outputs
from conftest import runs_of
from scenarios import dynamic_architecture as spec

CALLS = spec.calls(0)
SHAPES = {(tuple(c[0]), tuple(c[1])) for c in CALLS}
SIZES = [len(c[0]) for c in CALLS]
WORKING = [("tensorflow", "per_shape"), ("tensorflow", "static"), ("jax", "per_shape"),
           ("jax", "static"), ("torch", "eager")]


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("dynamic-architecture")


def test_trees_are_valid_and_varied():
    for left, right, feats, *_ in CALLS:
        n = len(left)
        inner = np.flatnonzero(left >= 0)
        assert n == 2 * (len(left) - len(inner)) - 1  # a full binary tree
        # Topological order: children before parents; every node but the root has one parent.
        assert np.all(left[inner] < inner) and np.all(right[inner] < inner)
        assert sorted(np.concatenate([left[inner], right[inner]])) == list(range(n - 1))
        assert feats.shape == (n, 1, spec.D_IN)
    assert len(SHAPES) == spec.N_SHAPES and len(CALLS) == spec.N_TREES
    # Two shapes share a node count (the mirror image): compiles follow structure, not size.
    assert len(set(SIZES)) < len(SHAPES)


def test_calls_described(doc):
    assert doc["tree_sizes"] == SIZES
    assert doc["distinct_shapes"] == len(SHAPES)
    assert doc["distinct_sizes"] == len(set(SIZES))
    assert len(doc["shape_ids"]) == len(CALLS) and len(set(doc["shape_ids"])) == len(SHAPES)


@pytest.mark.parametrize("framework,label", WORKING)
def test_working_variants_match_on_every_tree(doc, framework, label):
    (run,) = runs_of(doc, framework, label)
    assert run["status"] == "ok"
    assert run["max_abs_err"] <= doc["tolerances"]["atol"]
    assert len(run["call_times_s"]) == len(CALLS)
    assert run["timing"]["total_calls_s"] == pytest.approx(sum(run["call_times_s"]))
    assert run["timing"]["steady_median_s"] > 0


def test_compile_counts(doc):
    for fw in ("tensorflow", "jax"):
        assert runs_of(doc, fw, "per_shape")[0]["compiles"] == len(SHAPES), fw
        assert runs_of(doc, fw, "static")[0]["compiles"] == 1, fw
    assert runs_of(doc, "torch", "eager")[0]["compiles"] is None
    assert doc["_exit_code"] == 0


def test_per_shape_compiles_on_first_sight_of_a_shape_only(doc):
    ids = doc["shape_ids"]
    for fw in ("tensorflow", "jax"):
        times = runs_of(doc, fw, "per_shape")[0]["call_times_s"]
        new = [t for i, t in enumerate(times) if ids[i] not in ids[:i]]
        seen = [t for i, t in enumerate(times) if ids[i] in ids[:i]]
        assert max(seen) < min(new), fw


def test_jax_naive_recursion_fails_at_the_tensor_if(doc):
    (run,) = runs_of(doc, "jax", "naive")
    assert run["status"] == "error" and run["compiles"] == 0
    err = run["error"]
    assert err["type"] == "TracerBoolConversionError" and err["call_index"] == 0
    assert err["innermost_user"]["file"] == "static_impl/jax/dynamic_architecture.py"
    assert "if left[i] < 0" in err["innermost_user"]["code"]
    assert err["points_to_bug"]


def test_tf_naive_recursion_overflows_the_stack_while_tracing(doc):
    (run,) = runs_of(doc, "tensorflow", "naive")
    assert run["status"] == "error" and run["compiles"] == 0
    err = run["error"]
    assert err["type"] == "StagingError" and err["call_index"] == 0
    assert "RecursionError" in err["message"]
    # The filtered traceback holds no user frame; only the message names the line.
    assert err["message_points_to_bug"]
    assert err["message_locations"][0]["file"] == "static_impl/tensorflow/dynamic_architecture.py"
    # The takeaway explains the recursion only because the message shows it inside a cond branch.
    (why,) = [t for t in doc["takeaways"] if t.startswith("tf.function as written never finished tracing")]
    assert "in if_body" in err["message"] and "generated if_body" in why


def test_expected_table_resolves_against_the_inputs(doc):
    resolved = 0
    for run in doc["runs"]:
        want = run["expected"] or {}
        assert run["status"] == want.get("status", run["status"]), (run["framework"], run["variant"])
        if "error_type" in want:
            assert run["error"]["type"] == want["error_type"]
        if isinstance(want.get("compiles"), str):
            assert run["compiles"] == doc[want["compiles"]]
            resolved += 1
    assert resolved == 2


def test_verdicts_carry_this_runs_numbers(doc):
    text = " ".join(doc["takeaways"])
    for unit in ("traces", "compiles"):
        assert f"{len(SHAPES)} {unit} for {len(SHAPES)} distinct shapes ({len(set(SIZES))} distinct " \
               f"node counts) over {len(CALLS)} trees" in text
    assert "tf.function as written never finished tracing" in text
    assert f"All {len(CALLS)} trees (sizes {min(SIZES)}-{max(SIZES)} nodes)" in text


def test_tolerance_catches_a_small_perturbation():
    ref = spec.reference(*CALLS[0])
    assert compare_outputs([ref], ref, spec.RTOL, spec.ATOL)[1]
    assert not compare_outputs([ref * np.float32(1.001)], ref, spec.RTOL, spec.ATOL)[1]


def test_reference_on_a_hand_built_tree():
    left, right = np.array([-1, -1, 0], np.int32), np.array([-1, -1, 1], np.int32)
    feats = np.zeros((3, 1, 2), np.float32)
    feats[0, 0, 0], feats[1, 0, 1] = 1.0, 2.0
    W_leaf, W_l, W_r = np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32), 2 * np.eye(2, dtype=np.float32)
    b = np.array([0.5, 0.0], np.float32)
    want = np.tanh(np.tanh([1.0, 0.0]) + 2 * np.tanh([0.0, 2.0]) + b)
    assert np.allclose(spec.reference(left, right, feats, W_leaf, W_l, W_r, b), want)


# --- the takeaways against altered runs: each sentence follows the fact it cites ------------------

TAKEAWAYS = get("dynamic-architecture").field("verdicts")
PER_SHAPE = "tf.function with the structure as static Python data"
RECURSION = "tf.function as written never finished tracing"


def _with(doc, start):
    return [t for t in TAKEAWAYS(doc) if t.startswith(start)]


def test_compile_counts_are_the_runs(altered):
    runs_of(altered, "tensorflow", "per_shape")[0]["compiles"] = 7
    runs_of(altered, "tensorflow", "static")[0]["compiles"] = 2
    (sentence,) = _with(altered, PER_SHAPE)
    assert f"7 traces for {len(SHAPES)} distinct shapes" in sentence and sentence.endswith("2 traces for all of them.")


@pytest.mark.parametrize("label, alter", [
    ("static", lambda r: r.update(status="error")),
    ("per_shape", lambda r: r.update(status="wrong")),
    ("static", lambda r: r.update(compiles=None)),
    ("per_shape", lambda r: r.update(call_times_s=r["call_times_s"][:3])),  # did not serve every tree
])
def test_per_shape_sentence_needs_both_runs_to_serve_every_tree(altered, label, alter):
    alter(runs_of(altered, "tensorflow", label)[0])
    assert _with(altered, PER_SHAPE) == []


def test_recursion_explanation_only_where_the_message_shows_it(altered):
    (sentence,) = _with(altered, RECURSION)
    assert "(StagingError wrapping RecursionError)" in sentence and "generated if_body" in sentence
    e = runs_of(altered, "tensorflow", "naive")[0]["error"]
    e["message"] = e["message"].replace("if_body", "some_body").replace("else_body", "some_body")
    (sentence,) = _with(altered, RECURSION)
    assert sentence.endswith("never finished tracing (StagingError wrapping RecursionError).")
    e["type"] = "RecursionError"
    (sentence,) = _with(altered, RECURSION)
    assert "(RecursionError)" in sentence and "wrapping" not in sentence


@pytest.mark.parametrize("alter", [
    lambda r: r["error"].update(message="StagingError: something else"),  # no RecursionError shown
    lambda r: r.update(compiles=1),  # a trace finished: "never finished tracing" would be false
    lambda r: r.update(status="ok", error=None),
])
def test_recursion_sentence_needs_its_evidence(altered, alter):
    alter(runs_of(altered, "tensorflow", "naive")[0])
    assert _with(altered, RECURSION) == []
