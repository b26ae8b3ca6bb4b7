"""The generic verdicts (lab/verdicts.py), each tested against a real run with one fact altered:
the sentence that cites the fact must change with it or disappear. Nothing here runs a worker of
its own; the document is the session's shared `lab compare control-flow --json`."""
import copy

import pytest

from lab.verdicts import first_call_sentence, fmt_s, outcome_sentence, verdicts


@pytest.fixture(scope="module")
def real(compare_doc):
    return compare_doc("control-flow")


@pytest.fixture()
def doc(real):
    """A private copy to alter: the shared document stays as the run made it."""
    return copy.deepcopy(real)


def run_of(doc, system, variant):
    (run,) = [r for r in doc["runs"] if (r["system"], r["variant"]) == (system, variant)]
    return run


def about(sentences, start):
    return [s for s in sentences if s.startswith(start)]


# --- fmt_s ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, shown", [
    (None, "n/a"), (0.0, "0.0 µs"), (4.2e-7, "0.4 µs"), (2.5e-5, "25.0 µs"), (9.9e-4, "990.0 µs"),
    (0.00099996, "1.0 ms"),  # rounds to 1000.0 µs: shown in the next unit, never "1000.0 µs"
    (1e-3, "1.0 ms"), (0.1234, "123.4 ms"), (0.99996, "1.00 s"), (1.0, "1.00 s"), (75.456, "75.46 s"),
])
def test_fmt_s(seconds, shown):
    assert fmt_s(seconds) == shown


# --- what one variant did ------------------------------------------------------------------------

def test_the_error_sentence_cites_type_line_and_call(doc):
    run = run_of(doc, "jax-jit", "naive")
    user = run["error"]["innermost_user"]
    (sentence,) = about(verdicts(doc), "jax.jit as written raised")
    assert sentence == (f"jax.jit as written raised TracerBoolConversionError at {user['file']}:{user['line']} "
                        f"(`{user['code']}`) on call 1 of 3.")  # call_index 0 keeps its number


@pytest.mark.parametrize("alter, now", [
    (lambda e: e.update(type="NameError"), "jax.jit as written raised NameError at "),
    (lambda e: e["innermost_user"].update(line=99), "control_flow.py:99 "),
    (lambda e: e.update(call_index=2), "on call 3 of 3."),
    (lambda e: e.update(innermost_user=None), "at no line of yours in its 1 frame on call 1"),
])
def test_the_error_sentence_follows_the_error(doc, alter, now):
    before = about(verdicts(doc), "jax.jit as written raised")
    alter(run_of(doc, "jax-jit", "naive")["error"])
    after = about(verdicts(doc), "jax.jit as written")
    assert after != before and now in after[0]


def test_a_message_location_is_named_only_when_there_is_no_user_line(doc):
    e = run_of(doc, "jax-jit", "naive")["error"]
    e["innermost_user"] = None
    e["message_locations"] = [{"file": "static_impl/jax/control_flow.py", "line": 21}]
    (sentence,) = about(verdicts(doc), "jax.jit as written raised")
    assert "only its message names static_impl/jax/control_flow.py:21" in sentence


def test_the_naive_success_cites_its_trace_count(doc):
    assert "tf.function as written matched the reference on all 3 calls with 1 trace." in verdicts(doc)
    run_of(doc, "tf-function", "naive")["compiles"] = 3
    assert "tf.function as written matched the reference on all 3 calls with 3 traces." in verdicts(doc)


def test_matched_only_when_every_call_was_compared(doc):
    run = run_of(doc, "tf-function", "naive")
    run["call_errors"] = [None] * 3  # a reference that returns None compares nothing
    sentence = outcome_sentence(run)
    assert "matched" not in sentence and "ran all 3 calls without raising" in sentence


def test_a_wrong_result_and_a_missing_worker_are_said_as_such(doc):
    run = run_of(doc, "tf-function", "naive")
    run.update(status="wrong", wrong={"call_index": 1, "why": "values differ"}, max_abs_err=0.5)
    assert outcome_sentence(run) == ("tf.function as written raised nothing and returned a wrong result on call 2 "
                                     "(max abs error 0.5): values differ.")
    run.update(status="unavailable", reason="cannot import tensorflow\nmore", error=None)
    assert outcome_sentence(run) == "tf.function as written: unavailable (cannot import tensorflow)."


def test_an_error_status_without_an_exception_is_not_invented(doc):
    run = run_of(doc, "jax-jit", "naive")
    run["error"] = None
    assert outcome_sentence(run) == "jax.jit as written failed (status error) with no exception recorded."


# --- code size: only for a working version that ran and matched -----------------------------------

def test_code_size_sentence_needs_a_working_run_that_matched(doc):
    start = "The working jax.jit version"
    (sentence,) = about(verdicts(doc), start)
    assert "7 of its lines differ" in sentence and "lax.cond ×1, lax.while_loop ×1" in sentence
    doc["code"]["jax-jit"]["diff_vs_eager"]["functions"]["forward"]["changed"] = 1
    assert "1 of its lines differs" in about(verdicts(doc), start)[0]
    static = run_of(doc, "jax-jit", "static")
    assert "(ported, which ran and matched)" in about(verdicts(doc), start)[0]
    static["max_abs_err"] = None  # nothing was compared: it ran, and that is all
    assert "(ported, which ran; nothing to compare)" in about(verdicts(doc), start)[0]
    static["status"] = "wrong"
    assert about(verdicts(doc), start) == []
    static["status"] = "unavailable"
    assert about(verdicts(doc), start) == []


# --- first call against the second call and the steady state --------------------------------------

def test_first_call_sentence_prints_the_measured_ratios(doc):
    run = run_of(doc, "jax-jit", "static")
    run["timing"].update(first_call_s=0.1, second_call_s=0.2, steady_median_s=0.05)
    assert first_call_sentence(run).startswith(
        "jax.jit ported: first call 100.0 ms, 0.5× the second call (200.0 ms), "
        "2.0× the steady state (50.0 ms per call)")


def test_first_call_sentence_counts_the_compiles_after_call_1(doc):
    run = run_of(doc, "jax-jit", "static")
    assert first_call_sentence(run).endswith("; 1 compile on call 1 and none after.")
    run["call_compiles"], run["compiles"] = [1, 2, 0], 3
    assert first_call_sentence(run).endswith("; 2 compiles came after call 1, on 1 of the 2 later calls.")
    run["call_compiles"], run["compiles"] = [0, 0, 0], 0
    assert first_call_sentence(run).endswith("; its counter counted no compiles on any call.")


def test_an_eager_system_is_not_said_to_compile(doc):
    sentence = first_call_sentence(run_of(doc, "torch-eager", "eager"))
    assert sentence.endswith("; it builds no graph of the function, so the gap is not a trace or compile of it.")
    assert "compile cost" not in sentence


def test_first_call_sentence_only_for_working_runs_that_ran(doc):
    start = "jax.jit ported: first call"
    assert about(verdicts(doc), start)
    run_of(doc, "jax-jit", "static")["status"] = "error"
    run_of(doc, "jax-jit", "static")["error"] = copy.deepcopy(run_of(doc, "jax-jit", "naive")["error"])
    assert about(verdicts(doc), start) == []
    assert about(verdicts(doc), "jax.jit ported raised TracerBoolConversionError")  # said as a failure


def test_takeaways_are_kept_apart_from_verdicts(real):
    assert not set(real["verdicts"]) & set(real["takeaways"])
