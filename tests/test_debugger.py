"""debugger, end to end through `lab compare debugger --systems all --json`: a breakpoint() in the
model stops a real pdb whose commands (p x, p x.shape, c) are typed from a script.

Measured on CPU (torch 2.13, tensorflow-cpu 2.21, jax 0.10.2): eager code (torch, tf with
run_functions_eagerly, jax under disable_jit) stops on every call in your file, with values.
tf.function stops once, while tracing, in AutoGraph's generated file, on `<tf.Tensor 'x:0' ...>`;
TF 1.x once while building, jax.jit once on a JitTracer, torch.export once on a FakeTensor;
torch.jit.trace stops three times while tracing, then never. jax.debug.breakpoint() stops on every
call of the compiled program in jdb, with values. torch.compile breaks the graph and stops on
every call, but in Dynamo's frames (random.getstate, a guard), where `p x` is a NameError;
fullgraph=True raises Unsupported; torch.jit.script refuses breakpoint().
"""
import copy
import os
import sys

import pytest

from compare import debugger
from scenarios import debugger as spec
from _docs import copy_of as _doc, graded as _cell, run_in as _run, scoreboard


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("debugger", "--systems", "all")


def run_of(doc, system, variant):
    (run,) = [r for r in doc["runs"] if r["system"] == system and r["variant"] == variant]
    return run


def test_no_run_hung_and_every_run_says_where_it_stopped(doc):
    assert doc["_exit_code"] == 0 and not doc["drift"]
    for run in doc["runs"]:
        if run["status"] == "ok":
            assert [m["call"] for m in run["breakpoints"]] == list(range(spec.N_CALLS))
            assert run["stop_counts"] == [m["stops"] for m in run["breakpoints"]]
        # No run was timed in a loop (a breakpoint would stop in every timed call); every call
        # was timed once, stop included, for the per-call chart.
        assert run["timing"]["steady_median_s"] is None
        assert run["status"] != "ok" or len(run["call_times_s"]) == spec.N_CALLS


@pytest.mark.parametrize("system,variant,prefix", [
    ("torch-eager", "eager", "tensor([["), ("tf-eager", "eager", "<tf.Tensor: shape=(2, 3)"),
    ("jax-eager", "eager", "Array([["), ("jax-jit", "framework", "Array([[")])
def test_eager_code_and_jax_debug_breakpoint_stop_every_call_with_values(doc, system, variant, prefix):
    run = run_of(doc, system, variant)
    for mark in run["breakpoints"]:
        assert mark["stopped"] and mark["seen"] == "concrete" and mark["stopped_in"] == "user"
        assert mark["repr"].startswith(prefix), mark["repr"]
    # Each call's x is that call's: the values differ from stop to stop.
    assert len({m["repr"] for m in run["breakpoints"]}) == spec.N_CALLS
    assert run["breakpoints"][0]["debugger"] == ("jdb" if variant == "framework" else "pdb")


@pytest.mark.parametrize("system,variant,placeholder,stopped_in", [
    ("tf1-graph", "naive", "<tf.Tensor 'x:0' shape=(None, 3)", "user"),
    ("tf-function", "naive", "<tf.Tensor 'x:0' shape=(2, 3)", "generated"),
    ("jax-jit", "naive", "JitTracer(float32[2,3])", "user"),
    ("torch-export", "naive", "FakeTensor(..., size=(2, 3))", "user")])
def test_graph_builders_stop_once_on_a_placeholder(doc, system, variant, placeholder, stopped_in):
    run = run_of(doc, system, variant)
    assert run["stop_counts"] == [1] + [0] * (spec.N_CALLS - 1) and run["inspection"] == "symbolic"
    first = run["breakpoints"][0]
    assert first["repr"].startswith(placeholder) and first["stopped_in"] == stopped_in


def test_pytorch_compilers(doc):
    compiled = run_of(doc, "torch-compile", "compiled")
    assert compiled["status"] == "ok" and compiled["stop_counts"] == [1] * spec.N_CALLS
    assert all(m["stopped_in"] == "framework" and m["seen"] == "wrong-frame" for m in compiled["breakpoints"])
    assert compiled["breakpoints"][0]["repr"] == "*** NameError: name 'x' is not defined"
    fullgraph = run_of(doc, "torch-compile", "fullgraph")
    assert fullgraph["error"]["type"] == "Unsupported" and "breakpoint" in fullgraph["error"]["message"]
    traced = run_of(doc, "torch-jit-trace", "naive")
    assert traced["stop_counts"] == [3] + [0] * (spec.N_CALLS - 1) and traced["inspection"] == "concrete"
    scripted = run_of(doc, "torch-jit-script", "scripted")
    assert "breakpoint" in scripted["error"]["message"]


def test_takeaway_and_claim_follow_the_data(doc):
    text = " ".join(doc["takeaways"])
    assert "jax.jit framework stopped on calls 1, 2, 3, 4, 5 of 5, in your code; `p x` showed concrete values" in text
    assert "tf.function as written stopped on call 1 of 5, in generated code (__autograph_generated_file" in text
    assert "torch.compile as written stopped on calls 1, 2, 3, 4, 5 of 5, in the framework's code (random.py:" in text
    altered = copy.deepcopy(doc)
    framework = run_of(altered, "jax-jit", "framework")
    for mark in framework["breakpoints"][1:]:
        mark.update(stopped=False, stops=0)
    assert spec.claim_rule(altered, "jax-jit")[0] == "holds"
    assert "jax.jit framework stopped on call 1 of 5" in " ".join(spec.verdicts(altered))


# The cell of each system and the cause it rests on, measured (`lab claims debugger --systems all`).
CELLS = {"tf1-graph": ("holds", "stopped-while-tracing"), "tf-function": ("holds", "stopped-while-tracing"),
         "tf-eager": ("does-not-hold", None), "jax-jit": ("partly", "stopped-while-tracing"),
         "jax-eager": ("does-not-hold", None), "torch-eager": ("does-not-hold", None),
         "torch-compile": ("holds", "framework-frames"), "torch-export": ("holds", "stopped-while-tracing"),
         "torch-jit-trace": ("holds", "stopped-while-tracing"), "torch-jit-script": ("holds", "breakpoint-refused")}


def test_claim_rests_on_where_the_debugger_stopped(doc):
    (row,) = scoreboard(doc)["claims"]
    cells = row["cells"]
    assert {s: (c["verdict"], c["cause"]) for s, c in cells.items()} == CELLS
    assert all(not c["unrelated"] and not c["silent"] for c in cells.values())
    for system, (_, cause) in CELLS.items():
        assert cause is None or cells[system]["cause_words"] in cells[system]["evidence"]
    # torch.compile: Dynamo's frames on every call, and fullgraph=True refusing breakpoint() itself.
    assert cells["torch-compile"]["causes"] == ["breakpoint-refused", "framework-frames"]
    # The data the causes read: jit.trace's stops per call, script's own refusal.
    assert run_of(doc, "torch-jit-trace", "naive")["stop_counts"] == [3, 0, 0, 0, 0]
    assert run_of(doc, "torch-jit-script", "scripted")["error"]["message"].startswith(
        "Python builtin <built-in function breakpoint> is currently not supported in Torchscript")


def test_debugger_cells_follow_the_cause(doc):
    """Alter a real document: the cell follows the cause its runs show."""
    altered = _doc([doc], "debugger")
    # Had jax.jit stopped on every call, still on a tracer, the cause is the placeholder.
    naive = _run(altered, "jax-jit", "naive")
    naive["stop_counts"] = [1] * spec.N_CALLS
    c = _cell(altered, "jax-jit")
    assert (c["verdict"], c["cause"]) == ("partly", "symbolic") and "symbolic placeholder" in c["cause_words"]
    # torch.jit.script refusing something else than breakpoint() is another cause: not counted.
    _run(altered, "torch-jit-script", "scripted")["error"]["message"] = "Unknown type annotation: 'Foo'"
    c = _cell(altered, "torch-jit-script")
    assert (c["verdict"], c["cause"]) == ("not-applicable", None)
    assert "another cause: RuntimeError: Unknown type annotation: 'Foo'" in c["evidence"]


def test_a_transcript_is_read_stop_by_stop():
    lines = ["> /x/static_impl/jax/debugger.py(17)naive()", "-> return h.sum(0)", "(Pdb) p x",
             "JitTracer(float32[2,3])", "(Pdb) p x.shape", "(2, 3)", "(Pdb) c", "Entering jdb:",
             "(jdb) p x", "Array([[1., 2.],", "       [3., 4.]], dtype=float32)", "(jdb) c"]
    first, second = spec.stops(lines)
    assert first["where"] == "debugger.py:17 in naive" and first["stopped_in"] == "user"
    assert first["said"] == {"p x": ["JitTracer(float32[2,3])"], "p x.shape": ["(2, 3)"], "c": []}
    assert second["debugger"] == "jdb" and len(second["said"]["p x"]) == 2
    assert spec.seen(first["said"]["p x"], "user") == "symbolic"
    assert spec.seen(second["said"]["p x"], "user") == "concrete"
    assert spec.seen(["*** NameError: name 'x' is not defined"], "user") == "error"


def test_the_scripted_debugger_stops_types_and_restores(capsys, monkeypatch):
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    stdin = sys.stdin

    def model(x):
        y = x * 2
        breakpoint()
        return y

    with debugger.scripted(["p y", "c"]):
        assert model(21) == 42
    out = capsys.readouterr().out
    assert "(Pdb) p y\n42\n(Pdb) c\n" in out
    assert sys.stdin is stdin and os.environ["PYTHONBREAKPOINT"] == "0"
    assert model(1) == 2  # PYTHONBREAKPOINT=0 again: no stop, nothing read
    feed = debugger.Feed(["c"])
    assert (feed.readline(), feed.readline()) == ("c\n", "")  # then EOF, as a terminal's end
