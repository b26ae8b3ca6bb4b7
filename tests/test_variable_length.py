"""variable-length, end to end through `lab compare variable-length --json`."""
import io

import numpy as np
import pytest

from compare.discovery import get
from compare.harness import compare_outputs
from _docs import typed
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
    assert f"jax.jit as written compiled {DISTINCT} times for {DISTINCT} distinct lengths" in text
    padded = sum(spec.bucket(n) for n in LENGTHS)
    assert (f"once on each call whose length opened a new power-of-two bucket "
            f"({', '.join(map(str, sorted(BUCKETS)))}) and on no other call: padding to those buckets "
            f"cut the compiles from {DISTINCT} to {len(BUCKETS)}; the padded sequences cost "
            f"{padded / sum(LENGTHS):.2f}x the real steps ({padded} padded steps for {sum(LENGTHS)} real") in text
    assert f"traced {DISTINCT} times for {DISTINCT} distinct lengths over {len(CALLS)} calls" in text
    assert "with a None length in input_signature, 1 trace served every call" in text


def _run(system, variant, compiles, per_call, n):
    return {"system": system, "mode_name": system, "variant": variant, "status": "ok", "compiles": compiles,
            "call_compiles": per_call, "call_times_s": [0.001] * n, "timing": {},
            "code": {"constructs": {"input_signature": 1} if variant == "static" else {}}}


def test_verdicts_follow_the_doc_not_constants():
    lengths = [3, 5, 7, 3]
    runs = [_run("tf-function", "naive", 3, [1, 1, 1, 0], 4), _run("tf-function", "static", 2, [1, 0, 1, 0], 4),
            _run("jax-jit", "naive", 3, [1, 1, 1, 0], 4), _run("jax-jit", "static", 2, [1, 1, 0, 0], 4)]
    text = " ".join(spec.verdicts({"lengths": lengths, "runs": runs}))
    assert "traced 3 times for 3 distinct lengths over 4 calls" in text
    assert "2 traces served" in text
    assert "new power-of-two bucket (4, 8) and on no other call: padding to those buckets cut the compiles " \
           "from 3 to 2; the padded sequences cost 1.33x the real steps (24 padded steps for 18 real" in text


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


# --- the takeaways against altered runs: each sentence follows the fact it cites ------------------

TAKEAWAYS = get("variable-length").field("verdicts")


def _jax_sentence(doc):
    (sentence,) = [t for t in TAKEAWAYS(doc) if t.startswith("jax.jit as written compiled")]
    return sentence


def test_buckets_are_named_only_when_the_compiles_fall_on_new_buckets(altered):
    assert "x the real steps" in _jax_sentence(altered)
    per_call = runs_of(altered, "jax", "static")[0]["call_compiles"]
    # Move one compile from the call that opened a bucket to a call that opened none.
    first, quiet = per_call.index(1, 1), per_call.index(0)
    per_call[first], per_call[quiet] = 0, 1
    sentence = _jax_sentence(altered)
    assert "does not show the buckets" in sentence
    assert "real steps" not in sentence and "power-of-two bucket (" not in sentence and "cut" not in sentence


def test_no_cut_is_claimed_when_nothing_was_cut(altered):
    runs_of(altered, "jax", "naive")[0]["compiles"] = len(BUCKETS)
    sentence = _jax_sentence(altered)
    assert "cut the compiles from" not in sentence
    assert f"did not cut the compiles ({len(BUCKETS)} either way)" in sentence


def test_compile_counts_are_the_runs(altered):
    runs_of(altered, "jax", "naive")[0]["compiles"] = 40
    assert _jax_sentence(altered).startswith(f"jax.jit as written compiled 40 times for {DISTINCT} distinct lengths")
    runs_of(altered, "jax", "naive")[0]["status"] = "error"
    assert not [t for t in TAKEAWAYS(altered) if t.startswith("jax.jit as written compiled")]


def test_tf_sentence_needs_both_runs_and_names_input_signature_only_if_used(altered):
    start = "tf.function as written traced"
    run = runs_of(altered, "tensorflow", "static")[0]
    run["code"]["constructs"].pop("input_signature")
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert "input_signature" not in sentence
    run["compiles"] = 2
    (sentence,) = [t for t in TAKEAWAYS(altered) if t.startswith(start)]
    assert sentence.endswith("2 traces served every call.")
    run["status"] = "wrong"
    assert not [t for t in TAKEAWAYS(altered) if t.startswith(start)]


def test_per_call_chart_counts_marks_per_row(doc):
    """Each row says how many of its own calls traced or compiled; the footer adds nothing up."""
    from rich.console import Console
    from lab.charts import per_call_series
    from lab.views.render import per_call_chart
    doc = typed(doc)
    con = Console(width=140, record=True, file=io.StringIO())
    con.print(per_call_chart(doc))
    text = con.export_text()
    for s in per_call_series(doc):
        (row,) = [line for line in text.splitlines() if f" {s['label']} " in line]
        if s["compiles"] is not None:
            hit = sum(1 for n in s["call_compiles"] if n)
            assert f"on {hit} of {len(s['times'])} calls" in row, row
        else:
            assert " calls" not in row, row
    total = sum(1 for s in per_call_series(doc) for n in s["call_compiles"] if n)
    assert f"the {total} calls" not in text
    assert "yellow: a call on which that row's own counter went up" in " ".join(text.split())


def test_every_retrace_has_a_reason_one_shape_reason_per_new_length(doc):
    lengths = doc["lengths"]
    new_lengths = len(set(lengths)) - 1  # the first length is the function's first trace
    for run in runs_of(doc, None, "naive"):
        reasons = run["retrace_reasons"]
        assert [r["call"] for r in reasons] == [k for k, n in enumerate(run["call_compiles"]) if n], run["system"]
        assert reasons[0]["category"] == "new-function"
        shape = [r for r in reasons if r["category"] == "shape"]
        assert len(shape) == new_lengths, run["system"]
        for r in shape:  # each names the length that was new at that call
            if r["source"] == "explain-cache-misses":  # JAX's own words (jax 0.10)
                assert f"at xs, now f32[{lengths[r['call']]},{spec.BATCH},{spec.D_IN}] and before f32[" in r["detail"]
            else:
                assert f"({lengths[r['call']]}," in r["detail"]
    # JAX explains its own cache misses: the reasons come from it, not from the inputs.
    jax_naive = runs_of(doc, "jax", "naive")[0]
    assert {r["source"] for r in jax_naive["retrace_reasons"][1:]} == {"explain-cache-misses"}
    assert jax_naive["retrace_reasons"][1]["detail"].startswith("JAX tracing cache miss: for naive defined at ")


def test_a_retrace_reason_follows_the_inputs():
    from compare.retrace import reasons
    import numpy as np
    a, b = np.zeros((3, 2), np.float32), np.zeros((4, 2), np.float32)
    got = reasons([(a,), (b,), (b.astype(np.float64),), (b + 1,)], [1, 1, 1, 1])
    assert [r["category"] for r in got] == ["new-function", "shape", "dtype", "python-value"]
    said = reasons([(a,), (b,)], [1, 1], [[], ["0/0: tensor 'x' size mismatch at index 0. expected 3, actual 4"]])
    assert said[1]["category"] == "shape" and said[1]["source"] == "framework"
    # JAX's explanation (jax 0.10 wording), condensed by the backend, is read for its category.
    explained = ["JAX tracing cache miss: for naive defined at f.py:3; different input types:; at xs, now "
                 "f32[12,4,8] and before f32[16,4,8]", "JAX tracing cache miss: for naive defined at f.py:3; "
                 "different input types:; at xs, now f64[4,2] and before f32[4,2]",
                 "JAX tracing cache miss: for g defined at f.py:9; different input pytree:; at input path [0][1], "
                 "now <class 'jax._src.tree_util.Static'> with pytree metadata Static(val=3) and before "
                 "<class 'jax._src.tree_util.Static'> with pytree metadata Static(val=2)"]
    got = reasons([(a,), (b,), (a,), (b,)], [1, 1, 1, 1], [[], *[[e] for e in explained]], "explain-cache-misses")
    assert [r["category"] for r in got[1:]] == ["shape", "dtype", "python-value"]
    assert {r["source"] for r in got[1:]} == {"explain-cache-misses"}


def test_reduce_retracing_traces_twice_where_naive_traces_per_length(doc):
    # tf.function(reduce_retracing=True), measured on tf 2.21: the first length traces, the
    # second traces again with the length relaxed to None, and that trace serves every other.
    reduced = runs_of(doc, "tensorflow", "reduce_retracing")[0]
    naive = runs_of(doc, "tensorflow", "naive")[0]
    assert reduced["status"] == "ok" and reduced["compiles"] == 2 and naive["compiles"] == DISTINCT
    assert reduced["call_compiles"][:2] == [1, 1] and sum(reduced["call_compiles"][2:]) == 0
    (sentence,) = [t for t in doc["takeaways"] if "reduce_retracing=True" in t]
    assert f"traced 2 times over the same {len(LENGTHS)} calls, against {DISTINCT} for the naive port" in sentence


def test_tf_retracing_warning_is_data(doc):
    # tf 2.21 logs "5 out of the last 5 calls to <function naive at 0x...> triggered tf.function
    # retracing" once a function has retraced on 5 calls in a row; the run keeps it as a signal.
    naive = runs_of(doc, "tensorflow", "naive")[0]
    (signal,) = [x for x in naive["signals"] if x["kind"] == "retracing"]
    assert signal["said"].startswith(f"{signal['retraced']} out of the last {signal['calls']} calls to <function naive at ")
    assert any(f"TensorFlow warned that {signal['retraced']} of the last {signal['calls']} calls retraced" in v
               for v in doc["verdicts"])


@pytest.fixture(scope="module")
def all_doc(compare_doc):
    return compare_doc("variable-length", "--systems", "all")


def test_dynamo_recompile_limit_sends_new_lengths_to_eager(all_doc):
    # torch 2.13: after 8 graphs Dynamo logs "torch._dynamo hit config.recompile_limit (8)";
    # a length it compiled still runs its graph, a new one runs eagerly (no graph ran on it).
    compiled = runs_of(all_doc, "torch-compile", "compiled")[0]
    limit = next(w for w in compiled["warnings"] if "recompile_limit" in w["message"])
    assert limit["message"].startswith("torch._dynamo hit config.recompile_limit (8)")
    served = list(dict.fromkeys(LENGTHS))[:8]
    eager = [k for k, n in enumerate(LENGTHS) if n not in served]
    assert [k for k, n in enumerate(compiled["call_graph_runs"]) if n == 0] == eager
    assert compiled["compiles"] == 8 and sum(compiled["call_compiles"][eager[0]:]) == 0
    (fallback,) = [x for x in compiled["signals"] if x["kind"] == "eager-fallback"]
    assert fallback == {"kind": "eager-fallback", "calls": eager, "from_call": eager[0], "of": len(LENGTHS),
                        "why": "recompile-limit", "said": "torch._dynamo hit config.recompile_limit (8)"}
    said = (f"Dynamo hit its recompile limit (8), so {len(eager)} of its {len(LENGTHS)} calls ran eagerly, "
            f"from call {eager[0] + 1} on")
    assert any(said in v for v in all_doc["verdicts"] if v.startswith("torch.compile as written"))
