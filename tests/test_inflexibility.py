"""inflexibility, end to end through `lab compare inflexibility --systems all --json`: what each
edit of a live session rebuilt, how long it took, whether the weights survived, and what a changed
Python number did (measured on tensorflow 2.21, jax 0.10.2, torch 2.13, CPU)."""
import numpy as np
import pytest

from compare.discovery import get
from conftest import runs_of
from lab.claims import cell
from scenarios import inflexibility as spec

CALLS = spec.calls(0)
KINDS = [kind for _, kind, _ in spec.EDITS[1:]]
NUMBERS = [i for i, kind in enumerate(KINDS) if kind not in ("insert-op", "swap-activation")]


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("inflexibility", "--systems", "all")


def run(doc, system, label):
    (found,) = runs_of(doc, system, label)
    return found


def test_the_session_passes_python_numbers():
    # Each call is one step: the trained model, then 7 edits; the edit carries a Python float
    # (slope), a Python int (scale), and finally the int turned into a float.
    assert len(CALLS) == len(spec.EDITS) == 8
    models = [spec.config(edit) for _, edit in CALLS]
    assert [type(m[2]) for m in models] == [float] * 8
    assert [type(m[3]) for m in models] == [int] * 7 + [float]
    assert [m[2] for m in models[3:5]] == [0.2, 0.3] and [m[3] for m in models[5:]] == [2, 3, 1.5]
    assert spec.calls(0)[3][0].tobytes() == CALLS[3][0].tobytes()  # seeded
    # Every edit changes the reference: an implementation that ignored one would be caught.
    refs = [spec.reference(*c) for c in CALLS]
    for (x, edit), (prev_x, prev_edit) in zip(CALLS[1:], CALLS[:-1]):
        assert not np.allclose(spec.reference(x, edit), spec.reference(x, prev_edit))
    assert all(np.isfinite(r).all() for r in refs)


def test_no_drift_and_exit_zero(doc):
    assert doc["drift"] == [] and doc["_exit_code"] == 0
    assert doc["edit_names"] == [name for name, _, _ in spec.EDITS]


def test_every_finished_session_reports_each_edit(doc):
    finished = [r for r in doc["runs"] if r["status"] == "ok"]
    assert len(finished) == 13  # 10 sessions, and the 3 frozen ones
    for r in finished:
        assert len(r["edits"]) == 7 and r["start"]["edit"] == spec.EDITS[0][0]
        steps = [r["start"], *r["edits"]]
        assert [s["time_to_result_s"] for s in steps] == r["call_times_s"]
        assert [s["max_abs_err"] for s in steps] == r["call_errors"]
        assert all(s["correct"] and s["max_abs_err"] < 1e-5 for s in steps), r["system"]
        assert [s["kind"] for s in r["edits"]] == KINDS
        if r["call_compiles"]:
            assert [s["rebuild_kinds"].count(spec.counted_kind(r)) for s in steps] == r["call_compiles"]


def test_tf1_both_sides(doc):
    # A finalized graph (as MonitoredSession leaves it) refuses the first edit.
    naive = run(doc, "tf1-graph", "naive")
    assert naive["status"] == "error" and naive["error"]["call_index"] == 1
    assert naive["failed_edit"] == {"edit": "insert a layer norm between the layers", "kind": "insert-op",
                                    "raised": "RuntimeError", "message": "Graph is finalized and cannot be modified."}
    # A live graph takes every edit in the same Session: new ops, the norm's 2 new variables
    # initialised by hand, the trained weights untouched; one graph built in all.
    live = run(doc, "tf1-graph", "static")
    assert live["compiles"] == 1 and live["weights_lost"] == 0
    assert live["start"]["rebuild_kinds"] == ["graph built", "new session", "variables initialised", "weights loaded"]
    assert [e["rebuild_kinds"] for e in live["edits"][:2]] == [
        ["variables initialised", "ops added to the live graph"], ["ops added to the live graph"]]
    assert all(e["rebuild_kinds"] == [] and e["state_kept"] for e in live["edits"][2:])  # numbers are fed
    # Tearing down instead: a new graph and Session whose initialiser loses the weights.
    rebuilt = run(doc, "tf1-graph", "rebuild")
    teardown = ["graph rebuilt", "new session", "variables initialised", "weights put back by hand"]
    assert [e["rebuild_kinds"] for e in rebuilt["edits"][:2]] == [teardown, teardown]
    assert [e["state_kept"] for e in rebuilt["edits"]] == [False, False, True, True, True, True, True]


def test_structural_edits_rebuild_every_compiled_program(doc):
    for system, label in (("tf-function", "naive"), ("tf-function", "static"), ("jax-jit", "naive"),
                          ("jax-jit", "static"), ("torch-compile", "compiled")):
        assert [e["rebuilds"] > 0 for e in run(doc, system, label)["edits"][:2]] == [True, True], system
    # torch.compile says why: a guard on each Python value the model branched on.
    assert [e["guards"] for e in run(doc, "torch-compile", "compiled")["edits"][:2]] == [["norm == False"], ["act == 'relu'"]]
    for system, label in (("tf-eager", "eager"), ("jax-eager", "eager"), ("torch-eager", "eager")):
        assert all(e["rebuilds"] == 0 for e in run(doc, system, label)["edits"]), system


def test_python_numbers_tf_function_retraces_per_value(doc):
    # Documented and measured: a trace per distinct Python value, the float slope and the int scale
    # alike; passed as tensors, none.
    assert run(doc, "tf-function", "naive")["call_compiles"] == [1, 1, 1, 1, 1, 1, 1, 1]
    assert run(doc, "tf-function", "static")["call_compiles"] == [1, 1, 1, 0, 0, 0, 0, 0]


def test_python_numbers_jax_traces_them_unless_static(doc):
    # Documented and measured: Python scalars are traced as abstract values, so a new value
    # compiles nothing, but the int becoming a float is a new dtype and compiles; as static
    # arguments (naive) every value compiles.
    assert run(doc, "jax-jit", "static")["call_compiles"] == [1, 1, 1, 0, 0, 0, 0, 1]
    assert run(doc, "jax-jit", "naive")["call_compiles"] == [1, 1, 1, 1, 1, 1, 1, 1]
    # A compile is what an edit costs: the edits that compiled nothing are faster than every one that did.
    edits = run(doc, "jax-jit", "static")["edits"]
    assert max(e["time_to_result_s"] for e in edits if not e["rebuilds"]) < \
        min(e["time_to_result_s"] for e in edits if e["rebuilds"])


def test_python_numbers_torch_compile_guards(doc):
    r = run(doc, "torch-compile", "compiled")
    # Dynamo's settings in 2.13: ints and floats are not specialised up front, and a value
    # whose guard fails is made dynamic.
    assert r["settings"] == {"specialize_int": False, "specialize_float": False,
                             "automatic_dynamic_shapes": True, "recompile_limit": 8}
    assert r["call_compiles"] == [1, 1, 1, 1, 1, 1, 0, 1]
    slope, scale, to_float = r["edits"][2:4], r["edits"][4:6], r["edits"][6]
    # The float slope recompiles on every new value despite specialize_float=False: leaky_relu
    # takes its slope as a constant, so Dynamo specialises it again each time.
    assert [e["guards"] for e in slope] == [["slope == 0.1"], ["slope == 0.2"]]
    # The int scale: one guard failure, then dynamic (2 -> 3 compiles nothing).
    assert [e["guards"] for e in scale] == [["scale == 1"], []]
    assert [e["rebuilds"] for e in scale] == [2, 0]  # a guard failure and a Dynamo graph, then nothing
    # The int becoming a float fails a type guard.
    assert len(to_float["guards"]) == 1 and "type=<class 'int'>" in to_float["guards"][0]


def test_the_explained_function_makes_no_graph_and_breaks_none(doc):
    """The lab compiles `forward`, which only calls the session (compiler-disabled): Dynamo's
    explain captures no graph, and its break count (graph_count - 1 in torch 2.13) read -1."""
    r = run(doc, "torch-compile", "compiled")
    assert r["graph_report"] == {"graphs": 0, "graph_breaks": 0, "break_reasons": []}


def test_weights_survive_where_they_are_python_objects(doc):
    for r in doc["runs"]:
        if r["status"] == "ok" and (r["system"], r["variant"]) != ("tf1-graph", "rebuild"):
            assert all(e["state_kept"] is True for e in r["edits"]), r["system"]
            assert r["weights_lost"] == 0


def test_torch_capture_tools_cannot_take_the_session(doc):
    assert run(doc, "torch-export", "naive")["failed_edit"]["raised"] == "GuardOnDataDependentSymNode"
    assert run(doc, "torch-jit-trace", "naive")["failed_edit"]["message"].startswith("Cannot insert a Tensor that requires grad")
    assert run(doc, "torch-jit-script", "scripted")["error"]["call_index"] is None  # refused at script time


@pytest.mark.parametrize("system,kind", [("torch-export", "re-export"), ("torch-jit-trace", "re-trace"),
                                         ("torch-jit-script", "re-script")])
def test_a_frozen_program_is_frozen_again_on_every_edit(doc, system, kind):
    # The tools' own way: the session stays Python and freezes its model (settings baked in) with
    # the tool; every edit, the numbers included, means freezing it again, and the new program
    # keeps the live weights (read back from its state_dict).
    frozen = run(doc, system, "frozen")
    assert frozen["status"] == "ok" and frozen["capture"]["how"] == "session"
    assert [s["rebuild_kinds"] for s in [frozen["start"], *frozen["edits"]]] == [[kind]] * 8
    assert all(e["state_kept"] is True and e["correct"] for e in frozen["edits"])
    assert all(e["time_to_result_s"] > 0 for e in frozen["edits"])


def test_claims(doc):
    scenario = get("inflexibility")
    cells = {s: cell(scenario, doc, s) for s in doc["systems"]}
    assert {s: c.verdict for s, c in cells.items()} == {
        "tf1-graph": "partly", "tf-function": "partly", "tf-eager": "does-not-hold",
        "jax-jit": "partly", "jax-eager": "does-not-hold", "torch-eager": "does-not-hold",
        "torch-compile": "partly", "torch-export": "holds", "torch-jit-trace": "holds", "torch-jit-script": "holds"}
    # The frozen programs hold on their own cause; the eager session that never started is
    # listed, not counted.
    export = cells["torch-export"]
    assert export.cause == "teardown" and "re-export" in export.evidence
    assert [u["run"] for u in export.unrelated] == ["torch-export/naive"]
    assert cells["torch-compile"].cause == "rebuilt" and cells["torch-compile"].unrelated == []


def test_a_session_that_never_started_is_not_applicable_with_why(doc):
    import copy
    altered = copy.deepcopy(doc)
    altered["runs"] = [r for r in altered["runs"] if (r["system"], r["variant"]) != ("torch-export", "frozen")]
    c = cell(get("inflexibility"), altered, "torch-export")
    assert c.verdict == "not-applicable" and c.evidence.startswith("no session got past its start: naive raised")
    assert c.cause is None and [u["run"] for u in c.unrelated] == ["torch-export/naive"]


def test_takeaways_come_from_the_edits(doc):
    text = "\n".join(doc["takeaways"])
    assert ("Python numbers, torch.compile ported: the float slope (0.1 -> 0.2 -> 0.3) rebuilt on each new value "
            "(failed guards: slope == 0.1; slope == 0.2); the int scale (1 -> 2 -> 3) rebuilt on the first change only "
            "(failed guards: scale == 1)") in text
    assert "Python numbers, jax.jit ported: the float slope (0.1 -> 0.2 -> 0.3) rebuilt nothing" in text
    assert "TF 1.x graph + Session as written raised RuntimeError at the edit 'insert a layer norm between the layers'" in text
    assert "the weights were lost on 2 of 7 edits and put back by hand" in text
    # Sentences only for what ran: a document without the runs has none of them.
    assert spec.verdicts({**doc, "runs": []}) == []
