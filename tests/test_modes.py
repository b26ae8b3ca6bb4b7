"""--modes all: both execution styles of every framework, side by side (torch.compile included)."""
import ast
import re

import pytest

from conftest import FRAMEWORKS, ROOT, SCENARIOS, runs_of


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("control-flow", "--modes", "all")


def test_every_framework_runs_in_both_modes(doc):
    for fw in FRAMEWORKS:
        assert {r["mode"] for r in runs_of(doc, fw)} == {"static", "dynamic"}
    names = {(r["framework"], r["mode"]): r["mode_name"] for r in doc["runs"]}
    assert names[("tensorflow", "dynamic")].startswith("tf eager")
    assert names[("jax", "dynamic")].startswith("jax op-by-op")
    assert names[("torch", "static")] == "torch.compile"


def test_the_naive_code_runs_eagerly_in_tf_and_jax(doc):
    # The same naive function that jax.jit rejects runs fine op by op.
    for fw in ("tensorflow", "jax"):
        (run,) = [r for r in runs_of(doc, fw, "eager")]
        assert run["status"] == "ok" and run["function"] == "naive"
    assert runs_of(doc, "jax", "naive")[0]["status"] == "error"
    assert runs_of(doc, "tensorflow", "eager")[0]["compiles"] is None


def test_torch_compile_reports_graph_breaks(doc):
    (run,) = runs_of(doc, "torch", "compiled")
    assert run["status"] == "ok"
    report = run["graph_report"]
    # torch._dynamo.explain on the first input: the data-dependent `if` and `while` break the
    # graph. How many breaks and graphs is Dynamo's business; that they happen, and where, is
    # the lesson: at least one break, each at the `if` or the `while` of the eager code.
    source = (ROOT / "dynamic_impl/torch/control_flow.py").read_text()
    fn = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "forward")
    statements = {type(n).__name__: n.lineno for n in ast.walk(fn) if isinstance(n, (ast.If, ast.While))}
    assert report["graph_breaks"] >= 1 and report["graphs"] >= 2
    lines = [int(m.group(1)) for m in (re.search(r"control_flow\.py:(\d+)", r) for r in report["break_reasons"]) if m]
    assert len(lines) == len(report["break_reasons"]), report["break_reasons"]
    assert statements["If"] in lines and set(lines) <= {statements["If"], statements["While"]}
    assert run["compiles"] >= 2  # more than one Dynamo graph over the three inputs
    # Its first call (Dynamo + Inductor) costs far more than its steady state.
    assert run["timing"]["first_call_s"] > 100 * run["timing"]["steady_median_s"]


def test_environment_stamp(doc):
    env = doc["environment"]
    for key in ("python", "cpu", "cpu_count", "device_requested", "threads", "timing_policy"):
        assert env[key] is not None, key
    assert env["threads_requested"] == 1
    for fw in FRAMEWORKS:
        assert env["threads"][fw]["intra_op"] == 1
    assert env["timing_policy"]["warmup_calls"] >= 1
    assert set(doc["versions"]) == set(FRAMEWORKS)


@pytest.mark.parametrize("name", [s for s in SCENARIOS if s != "control-flow"])
def test_modes_all_in_every_scenario(compare_doc, name):
    """Both execution styles of every framework run in every scenario, each variant behaving as
    its scenario declares (torch.compile's failures included)."""
    doc = compare_doc(name, "--modes", "all")
    for fw in FRAMEWORKS:
        assert {r["mode"] for r in runs_of(doc, fw)} == {"static", "dynamic"}, fw
    for run in doc["runs"]:
        expected = run["expected"]
        assert expected, (run["framework"], run["variant"])
        assert run["status"] == expected["status"], (run["framework"], run["variant"], run.get("error"))
        if "error_type" in expected:
            assert run["error"]["type"] == expected["error_type"], (run["framework"], run["variant"])
    assert doc["exit_code"] == 0
