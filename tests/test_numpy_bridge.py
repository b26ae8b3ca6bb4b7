"""numpy-bridge, end to end through `lab compare numpy-bridge --systems all --json`.

Measured on CPU (torch 2.13, tensorflow-cpu 2.21, jax 0.10.2): torch.from_numpy and .numpy()
share one writeable buffer; jax.device_put aliases a 64-byte-aligned NumPy buffer and copies a
misaligned one, and np.asarray gives back a read-only view of the same buffer; TensorFlow copies
both ways. Inside the model, .numpy()/np.asarray on an intermediate raises in tf.function, TF 1.x,
jax.jit and torch.export, torch.jit.script refuses np.abs with a TypeError, torch.jit.trace keeps
the first call's value as a constant, and torch.compile (even fullgraph=True) compiles the NumPy
call into its graph; without fullgraph the graph breaks at float(scale) ("Data dependent
operator"), with fullgraph=True it is one graph.
"""
import copy

import pytest

from compare import signals
from conftest import runs_of
from scenarios import numpy_bridge as spec
from _docs import copy_of as _doc, graded as _cell, run_in as _run, scoreboard


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("numpy-bridge", "--systems", "all")


def bridge(doc, system, variant):
    (run,) = [r for r in doc["runs"] if r["system"] == system and r["variant"] == variant]
    return run["bridge"]


def test_every_run_carries_the_bridge(doc):
    assert doc["_exit_code"] == 0 and not doc["drift"]
    for run in doc["runs"]:
        b = run["bridge"]
        assert b["from_numpy"] in ("shared", "copy") and b["to_numpy"] in ("shared", "copy", "read-only")
        assert b["in_graph"] == run["status"] and b["alignment_bytes"] == spec.ALIGN
        assert (b["in_graph_error"] is not None) == (run["status"] == "error")
        assert b["from_numpy_s_per_mb"] > 0 and b["to_numpy_s_per_mb"] > 0


def test_torch_shares_memory_both_ways_whatever_the_alignment(doc):
    for system, variant in (("torch-eager", "eager"), ("torch-compile", "compiled")):
        b = bridge(doc, system, variant)
        assert (b["from_numpy"], b["from_numpy_misaligned"], b["to_numpy"]) == ("shared", "shared", "shared")
        assert b["from_numpy_same_address"] and b["to_numpy_same_address"]


def test_jax_aliases_only_an_aligned_buffer_and_gives_back_a_read_only_view(doc):
    for system, variant in (("jax-jit", "static"), ("jax-eager", "eager")):
        b = bridge(doc, system, variant)
        assert (b["from_numpy"], b["from_numpy_misaligned"]) == ("shared", "copy")
        assert b["to_numpy"] == "read-only" and b["to_numpy_same_address"]


def test_tensorflow_copies_both_ways(doc):
    for system, variant in (("tf1-graph", "static"), ("tf-function", "static"), ("tf-eager", "eager")):
        b = bridge(doc, system, variant)
        assert (b["from_numpy"], b["from_numpy_misaligned"], b["to_numpy"]) == ("copy", "copy", "copy")


def test_numpy_inside_the_model(doc):
    # Raised at the line that called NumPy: TF 1.x, jax.jit, torch.export.
    for system, error in (("tf1-graph", "AttributeError"), ("jax-jit", "TracerArrayConversionError"),
                          ("torch-export", "RuntimeError")):
        b = bridge(doc, system, "naive")
        assert b["in_graph"] == "error" and b["in_graph_error"].startswith(error + ":")
        assert b["in_graph_points_to_bug"], system
    # tf.function: AutoGraph's message names the line, its traceback does not reach it.
    b = bridge(doc, "tf-function", "naive")
    assert b["in_graph_error"].startswith("AttributeError:") and "SymbolicTensor" in b["in_graph_error"]
    assert b["in_graph_message_points_to_bug"] and not b["in_graph_points_to_bug"]
    assert bridge(doc, "torch-jit-script", "scripted")["in_graph_error"].startswith("TypeError:")
    # torch.jit.trace: no error, the first call's NumPy value frozen into the trace.
    b = bridge(doc, "torch-jit-trace", "naive")
    assert b["in_graph"] == "wrong" and b["in_graph_wrong_call"] == 1
    for system, variant in (("torch-eager", "eager"), ("tf-eager", "eager"), ("jax-eager", "eager"),
                            ("torch-compile", "compiled"), ("torch-compile", "fullgraph")):
        assert bridge(doc, system, variant)["in_graph"] == "ok", system


def test_takeaways_state_the_measured_sharing(doc):
    text = " ".join(doc["takeaways"])
    assert "torch eager, torch.compile, torch.export, torch.jit.trace (deprecated), torch.jit.script (deprecated): " \
           "from NumPy shares the buffer " \
           "(same address: yes); back to NumPy shares it, writeable" in text
    assert "jax.jit, jax op-by-op (disable_jit): from NumPy shares the buffer (same address: yes) when it is " \
           "64-byte aligned, and copies when it is not; back to NumPy gives a read-only array over the same buffer" in text
    assert "torch.jit.trace (deprecated) as written raised nothing and went wrong from call 2" in text
    assert "jax.jit as written raised TracerArrayConversionError at the line that called NumPy" in text


def test_takeaways_follow_the_data_not_constants(doc):
    altered = copy.deepcopy(doc)
    for run in runs_of(altered, "jax"):
        run["bridge"]["from_numpy_misaligned"] = "shared"
        run["bridge"]["to_numpy"] = "copy"
    run = [r for r in altered["runs"] if r["system"] == "torch-jit-trace" and r["variant"] == "naive"][0]
    run["bridge"].update(in_graph="error", in_graph_error="RuntimeError: x", in_graph_points_to_bug=False,
                         in_graph_message_points_to_bug=False)
    text = " ".join(spec.verdicts(altered))
    assert "jax.jit, jax op-by-op (disable_jit): from NumPy shares the buffer (same address: yes); back to NumPy copies" in text
    assert "torch.jit.trace (deprecated) as written raised RuntimeError pointing at no line of yours" in text
    assert "went wrong" not in text


# The cell of each system and the cause it rests on, measured (`lab claims numpy-bridge --systems all`).
CELLS = {"tf1-graph": ("holds", "no-value"), "tf-function": ("holds", "no-value"),
         "tf-eager": ("does-not-hold", None), "jax-jit": ("holds", "no-value"),
         "jax-eager": ("does-not-hold", None), "torch-eager": ("does-not-hold", None),
         "torch-compile": ("partly", "graph-break"), "torch-export": ("holds", "no-value"),
         "torch-jit-trace": ("holds", "frozen-value"), "torch-jit-script": ("holds", "numpy-refused")}


def test_claim_rests_on_the_numpy_causes(doc):
    (row,) = scoreboard(doc)["claims"]
    assert {s: (c["verdict"], c["cause"]) for s, c in row["cells"].items()} == CELLS
    cells = row["cells"]
    assert "cause: a graph or traced value has no NumPy value" in cells["jax-jit"]["evidence"]
    # torch.jit.trace raised nothing: the frozen NumPy value is silent, and the claim's cause.
    assert [x["run"] for x in cells["torch-jit-trace"]["silent"]] == ["torch-jit-trace/naive"]
    # What each framework said, the data the cause was read from (its "error" condition).
    for system, variant, said in (("tf1-graph", "naive", "'SymbolicTensor' object has no attribute 'numpy'"),
                                  ("tf-function", "naive", "'SymbolicTensor' object has no attribute 'numpy'"),
                                  ("jax-jit", "naive", "__array__() was called on traced array"),
                                  ("torch-export", "naive", ".numpy() is not supported for tensor subclasses"),
                                  ("torch-jit-script", "scripted", "cannot create weak reference to 'numpy.ufunc'")):
        assert said in _run(doc, system, variant)["error"]["message"], system
        assert cells[system]["cause_words"] in cells[system]["evidence"]
    # Dynamo compiled the NumPy calls; only without fullgraph did the graph break (at float()).
    compile_cell = cells["torch-compile"]["evidence"]
    assert "compiled matched on all 3 calls" in compile_cell and "Data dependent operator" in compile_cell
    assert "fullgraph matched on all 3 calls (1 graph);" in compile_cell
    # Dynamo's explain() re-traces without fullgraph and reports the break; the fullgraph run
    # itself ran one graph per call, so it carries no graph-break signal.
    fullgraph = _run(doc, "torch-compile", "fullgraph")
    assert fullgraph["graph_report"]["graph_breaks"] == 1 and fullgraph["call_graph_runs"] == [1, 1, 1]
    assert not signals.of(fullgraph, "graph-break")
    assert signals.of({**fullgraph, "signals": signals.read({**fullgraph, "capture": {}})}, "graph-break")
    assert all(not c["unrelated"] for c in cells.values())


def test_numpy_cells_follow_the_cause_and_the_silence(doc):
    """Alter a real document: the cell follows the run's cause, its warning, its silence."""
    altered = _doc([doc], "numpy-bridge")
    # Without TracerWarning's word that a tensor became a NumPy array, jit.trace's wrong result
    # names no cause of the claim: still silent, now unrelated, and nothing counts.
    traced = _run(altered, "torch-jit-trace", "naive")
    traced["warnings"] = [w for w in traced["warnings"] if "NumPy array" not in w["message"]]
    c = _cell(altered, "torch-jit-trace")
    assert (c["verdict"], c["cause"]) == ("not-applicable", None)
    assert [u["run"] for u in c["unrelated"]] == [x["run"] for x in c["silent"]] == ["torch-jit-trace/naive"]
    # jax.jit failing for another reason than the NumPy call does not make the claim hold.
    _run(altered, "jax-jit", "naive")["error"].update(type="NameError", message="name 'h' is not defined")
    c = _cell(altered, "jax-jit")
    assert c["verdict"] == "not-applicable" and "another cause: NameError: name 'h' is not defined" in c["evidence"]
    # Without its graph break, torch.compile ran the NumPy code cleanly: the claim does not hold.
    _run(altered, "torch-compile", "compiled")["signals"] = []
    assert (_cell(altered, "torch-compile")["verdict"], _cell(altered, "torch-compile")["cause"]) == \
        ("does-not-hold", None)


def test_alignment_is_controlled():
    for offset in (0, 4):
        a = spec.aligned(16, offset)
        assert a.ctypes.data % spec.ALIGN == offset and a.shape == (16,) and not a.any()


def test_a_frozen_scale_is_wrong_on_later_calls():
    # The inputs change the scale call to call, so a value kept from call 1 cannot pass.
    from compare.numeric import compare_outputs
    (x1, W), (x2, _), _ = spec.calls(0)
    h2 = x2 @ W
    frozen = h2 / abs(x1 @ W).max()
    assert not compare_outputs([frozen], spec.reference(x2, W), spec.RTOL, spec.ATOL)[1]


def test_a_probe_lands_typed_fields_and_a_failing_probe_costs_only_its_own():
    import contextlib
    from types import SimpleNamespace
    from compare import harness
    from compare.results import Run
    backend = SimpleNamespace(mode=lambda system: contextlib.nullcontext())

    def probed(probe):
        scenario = SimpleNamespace(field=lambda name: probe)
        run = Run(system="torch-eager", framework="torch", variant="eager", mode="dynamic",
                  mode_name="torch eager", function="forward", file="f.py", status="ok")
        harness._probe(scenario, backend, None, "torch-eager", run, None, [])
        return run

    run = probed(lambda run, module, fn, args: {"bridge": {"in_graph": run["status"]}, "note": 1})
    assert run.bridge == {"in_graph": "ok"} and run.extra == {"note": 1}
    run = probed(lambda run, module, fn, args: 1 / 0)
    assert run.status == "ok" and run.bridge is None
    assert run.extra == {"probe_error": "ZeroDivisionError: division by zero"}
