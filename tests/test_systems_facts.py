"""The measured facts behind the new columns (TF 2.21, torch 2.13), asserted from the JSON of
`lab compare control-flow --systems all` (and the other scenarios where the fact lives)."""
import pytest

from conftest import runs_of


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("control-flow", "--systems", "all")


def one(doc, system, variant):
    (run,) = runs_of(doc, system, variant)
    return run


def test_all_ten_systems_ran_with_no_blank_cell(doc):
    assert doc["systems"] == ["tf1-graph", "tf-function", "tf-eager", "jax-jit", "jax-eager",
                              "torch-eager", "torch-compile", "torch-export", "torch-jit-trace",
                              "torch-jit-script"]
    assert {r["system"] for r in doc["runs"]} == set(doc["systems"])
    assert all(r["status"] in ("ok", "error", "wrong") for r in doc["runs"])
    assert doc["exit_code"] == 0 and doc["drift"] == []


def test_tf1_python_if_on_a_graph_tensor(doc):
    run = one(doc, "tf1-graph", "naive")
    assert run["error"]["type"] == "OperatorNotAllowedInGraphError"
    assert run["error"]["innermost_user"]["code"].startswith("if tf.reduce_sum(x) > 0")
    static = one(doc, "tf1-graph", "static")
    assert static["status"] == "ok" and static["compiles"] == 1  # one graph for both branches
    # TF1's trace / compile / run: graph building, Session creation, the first Session.run.
    assert {"trace_s", "session_s", "run_s"} <= set(static["timing"])


def test_torch_export_of_the_eager_code(doc):
    run = one(doc, "torch-export", "naive")
    assert run["error"]["type"] == "GuardOnDataDependentSymNode"
    assert run["error"]["innermost_user"]["code"].startswith("if x.sum() > 0")
    static = one(doc, "torch-export", "static")  # torch.cond + torch.while_loop
    assert static["status"] == "ok" and static["capture"]["strict"] is False
    assert {"cond", "while_loop"} <= set(static["graph_report"]["control_flow_ops"])


def test_torch_compile_fullgraph_and_plain(doc):
    full = one(doc, "torch-compile", "fullgraph")
    assert full["error"]["type"] == "Unsupported"
    assert "Data-dependent branching" in full["error"]["message"]
    plain = one(doc, "torch-compile", "compiled")
    assert plain["status"] == "ok" and plain["graph_report"]["graph_breaks"] >= 1
    assert plain["capture"]["backend"] in ("aot_eager", "inductor")  # the output says which ran


def test_torch_jit_trace_is_deprecated_and_silently_wrong(doc):
    traced = one(doc, "torch-jit-trace", "traced")
    assert traced["status"] == "wrong" and traced["error"] is None
    assert traced["wrong"]["call_index"] >= 1  # right on the traced input, wrong on another path
    messages = [w["message"] for w in traced["warnings"]]
    assert any("`torch.jit.trace` is deprecated. Please switch to `torch.compile` or `torch.export`" in m
               for m in messages)
    assert any(w["category"] == "TracerWarning" for w in traced["warnings"])
    # The deprecation is data: a signal that the verdicts and the cell quote.
    assert {"kind": "deprecation", "said": "`torch.jit.trace` is deprecated. Please switch to "
            "`torch.compile` or `torch.export`."} in traced["signals"]
    assert any("The tool is deprecated (\"`torch.jit.trace` is deprecated." in v for v in doc["verdicts"]
               if v.startswith("torch.jit.trace (deprecated) traced"))


def test_torch_jit_script_compiles_the_eager_branch_and_loop(doc):
    # jit.script compiles the Python `if`/`while` as written; jit.trace cannot even return n.
    (scripted,) = runs_of(doc, "torch-jit-script")
    assert scripted["variant"] == "scripted" and scripted["status"] == "ok" and scripted["compiles"] == 1
    naive = one(doc, "torch-jit-trace", "naive")
    assert naive["error"]["message"].startswith("Only tensors, lists, tuples of tensors, or dictionary of "
                                                "tensors can be output from traced functions")


def test_tf1_fixed_placeholder_refuses_another_length(compare_doc):
    doc = compare_doc("variable-length", "--systems", "tf1-graph")
    naive = one(doc, "tf1-graph", "naive")
    assert naive["error"]["type"] == "ValueError"
    assert "Cannot feed value of shape" in naive["error"]["message"]
    assert one(doc, "tf1-graph", "static")["compiles"] == 1  # shape [None]: one graph, every length


def test_tf1_gather_error_names_the_line_that_built_the_op(compare_doc):
    doc = compare_doc("debug-bad-op", "--systems", "tf1-graph")
    e = one(doc, "tf1-graph", "value_bug")["error"]
    assert "Detected at node 'GatherV2' defined at" in e["message"]
    assert e["message_points_to_bug"] and not e["points_to_bug"]
    assert e["innermost_user"]["code"].startswith("return sess.run(")  # the traceback ends at sess.run
