"""`lab claims`: every claim graded for every system, each cell from this run's data."""
import copy

import pytest

from conftest import SCENARIOS, invoke
from lab.strict_json import loads_strict
from lab.claims import VERDICTS, grade


@pytest.fixture(scope="module")
def docs(compare_doc):
    return [compare_doc(name, "--systems", "all") for name in SCENARIOS]


@pytest.fixture(scope="module")
def board(docs):
    return grade(docs)


def cell(board, scenario, system):
    (row,) = [r for r in board["claims"] if r["scenario"] == scenario]
    return row["cells"][system]


def test_every_claim_graded_for_every_system(board):
    assert board["schema"] == 2
    assert [s["id"] for s in board["systems"]][:2] == ["tf1-graph", "tf-function"]
    assert [r["scenario"] for r in board["claims"]] == SCENARIOS
    for row in board["claims"]:
        assert set(row["cells"]) == {s["id"] for s in board["systems"]}
        for c in row["cells"].values():
            assert c["verdict"] in VERDICTS and c["evidence"]
            assert c["verdict"] == "not-applicable" or c["runs"]
    assert board["exit_code"] == 0


def test_then_now_and_pytorchs_compiler(board):
    # Control flow: true of TF 1.x, stale for tf.function (AutoGraph), true of torch.export.
    assert cell(board, "control-flow", "tf1-graph")["verdict"] == "holds"
    assert cell(board, "control-flow", "tf-function")["verdict"] == "does-not-hold"
    assert cell(board, "control-flow", "jax-jit")["verdict"] == "holds"
    assert cell(board, "control-flow", "torch-export")["verdict"] == "holds"
    assert cell(board, "control-flow", "torch-eager")["verdict"] == "does-not-hold"
    # Fixed sizes: tf.function runs any length but traces once per length.
    tf = cell(board, "variable-length", "tf-function")
    assert tf["verdict"] == "partly" and "compiled again" in tf["evidence"]


def test_a_cell_follows_its_runs(docs):
    """Alter one fact of a run: the cell that rests on it changes."""
    altered = copy.deepcopy(docs)
    cf = next(d for d in altered if d["scenario"] == "control-flow")
    for run in cf["runs"]:
        if (run["system"], run["variant"]) == ("tf-function", "naive"):
            run["status"], run["error"] = "error", {"type": "OperatorNotAllowedInGraphError", "call_index": 0}
    changed = grade(altered)
    assert cell(changed, "control-flow", "tf-function")["verdict"] == "holds"
    assert "OperatorNotAllowedInGraphError" in cell(changed, "control-flow", "tf-function")["evidence"]
    for run in cf["runs"]:
        if run["system"] == "jax-jit":
            run["status"], run["reason"] = "unavailable", "cannot import jax"
    assert cell(grade(altered), "control-flow", "jax-jit")["verdict"] == "unavailable"


def test_drift_in_a_cell_is_exit_4(docs):
    altered = copy.deepcopy(docs)
    cf = next(d for d in altered if d["scenario"] == "control-flow")
    cf["drift"] = [{"system": "tf1-graph", "variant": "naive", "mismatches": ["status"], "observed": {}}]
    board = grade(altered)
    assert cell(board, "control-flow", "tf1-graph")["drift"] and board["exit_code"] == 4


def test_cli_claims_json_and_exports(tmp_path):
    md, html = tmp_path / "board.md", tmp_path / "board.html"
    result = invoke(["claims", "control-flow", "--systems", "tf1-graph,tf-function,torch-eager",
                     "--json", "--export", str(md), "--export", str(html)])
    assert result.exit_code == 0, result.stderr
    board = loads_strict(result.stdout)
    assert [s["id"] for s in board["systems"]] == ["tf1-graph", "tf-function", "torch-eager"]
    assert board["claims"][0]["cells"]["tf1-graph"]["verdict"] == "holds"
    assert "| control-flow: " in md.read_text()
    assert "holds" in html.read_text()


def test_terminal_scoreboard_fits_80_columns(board):
    import os
    from lab import render
    from lab.views.claims import scoreboard
    con = render.console(width=80, no_color=True, record=True, file=open(os.devnull, "w"))
    scoreboard(con, board, evidence=False)
    text = con.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    for s in board["systems"]:
        assert s["short"] in text
