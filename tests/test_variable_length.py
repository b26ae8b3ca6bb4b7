"""variable-length, end to end through `lab compare variable-length --json`."""
import numpy as np
import pytest

from compare.harness import compare_outputs
from conftest import runs_of
from scenarios import variable_length as spec

CALLS = spec.calls(0)
LENGTHS = [xs.shape[0] for xs, *_ in CALLS]
DISTINCT = len(set(LENGTHS))
BUCKETS = {spec.bucket(n) for n in LENGTHS}


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("variable-length")


def test_inputs_have_the_shape_the_claim_needs():
    # Enough distinct lengths, repeats, and fewer buckets than lengths, or the scenario shows nothing.
    assert len(CALLS) == spec.N_CALLS and DISTINCT == spec.N_LENGTHS
    assert len(LENGTHS) > DISTINCT
    assert 1 < len(BUCKETS) < DISTINCT
    # A new length still arrives after some length has already repeated.
    first_repeat = next(i for i, n in enumerate(LENGTHS) if n in LENGTHS[:i])
    assert any(n not in LENGTHS[:i] for i, n in enumerate(LENGTHS) if i > first_repeat)
    assert spec.calls(0)[5][0].tobytes() == CALLS[5][0].tobytes()  # seeded


def test_lengths_reported(doc):
    assert doc["lengths"] == LENGTHS
    assert doc["distinct_lengths"] == DISTINCT and doc["distinct_buckets"] == len(BUCKETS)
    for run in doc["runs"]:
        assert run["lengths"] == LENGTHS


@pytest.mark.parametrize("framework,label", [("tensorflow", "naive"), ("tensorflow", "static"),
                                             ("jax", "naive"), ("jax", "static"), ("torch", "eager")])
def test_every_variant_works_on_every_call(doc, framework, label):
    (run,) = runs_of(doc, framework, label)
    assert run["status"] == "ok"
    assert run["max_abs_err"] <= doc["tolerances"]["atol"]
    assert len(run["call_times_s"]) == len(run["call_errors"]) == len(CALLS)
    assert run["timing"]["total_calls_s"] == pytest.approx(sum(run["call_times_s"]))


def test_compile_counts(doc):
    # The naive ports specialise on the length: exactly one trace / compile per distinct length.
    assert runs_of(doc, "tensorflow", "naive")[0]["compiles"] == DISTINCT
    assert runs_of(doc, "jax", "naive")[0]["compiles"] == DISTINCT
    # A None time dimension: one trace. Host-side padding: one compile per bucket, nothing else.
    assert runs_of(doc, "tensorflow", "static")[0]["compiles"] == 1
    assert runs_of(doc, "jax", "static")[0]["compiles"] == len(BUCKETS)
    assert runs_of(doc, "torch", "eager")[0]["compiles"] is None
    assert doc["_exit_code"] == 0


def test_compiles_happen_only_on_new_lengths(doc):
    # A repeated length is served from the cache: much faster than the call that compiled it.
    run = runs_of(doc, "jax", "naive")[0]
    times = run["call_times_s"]
    new = [t for i, t in enumerate(times) if LENGTHS[i] not in LENGTHS[:i]]
    seen = [t for i, t in enumerate(times) if LENGTHS[i] in LENGTHS[:i]]
    assert max(seen) < min(new)


def test_expected_table_resolves_against_the_inputs(doc):
    # EXPECTED names describe_calls() counts instead of numbers; each must match this run.
    resolved = 0
    for run in doc["runs"]:
        want = (run["expected"] or {}).get("compiles")
        if isinstance(want, str):
            assert run["compiles"] == doc[want], (run["framework"], run["variant"])
            resolved += 1
    assert resolved == 2


def test_verdicts_carry_this_runs_numbers(doc):
    text = " ".join(doc["takeaways"])
    assert f"jax.jit naive compiled {DISTINCT} times for {DISTINCT} distinct lengths" in text
    assert f"cut it to {len(BUCKETS)}," in text
    assert f"traced {DISTINCT} times for {DISTINCT} distinct lengths over {len(CALLS)} calls" in text
    assert "1 trace served every call" in text


def test_verdicts_follow_the_doc_not_constants():
    runs = [{"system": s, "mode_name": s, "variant": v, "status": "ok", "compiles": c, "timing": {}}
            for s, v, c in (("tf-function", "naive", 3), ("tf-function", "static", 2),
                            ("jax-jit", "naive", 3), ("jax-jit", "static", 2))]
    text = " ".join(spec.verdicts({"lengths": [3, 5, 7, 3], "runs": runs}))
    assert "traced 3 times for 3 distinct lengths over 4 calls" in text
    assert "2 traces served" in text and "buckets (4, 8) cut it to 2" in text


def test_tolerance_catches_a_small_perturbation():
    xs, W, U = CALLS[0]
    ref = spec.reference(xs, W, U)
    assert compare_outputs([ref], ref, spec.RTOL, spec.ATOL)[1]
    assert not compare_outputs([ref * np.float32(1.001)], ref, spec.RTOL, spec.ATOL)[1]


def test_reference_is_the_recurrence():
    xs = np.ones((2, 1, spec.D_IN), np.float32)
    W = np.full((spec.D_IN, spec.D_H), 0.1, np.float32)
    U = np.eye(spec.D_H, dtype=np.float32)
    h1 = np.tanh(0.8)
    assert np.allclose(spec.reference(xs, W, U), np.tanh(0.8 + h1))
