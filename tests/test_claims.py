"""`lab claims`: every claim graded for every system, each cell from this run's data."""
import copy

import pytest

from compare import signals, systems
from compare.discovery import get
from compare.results import CompareDoc
from _docs import copy_of as _doc, graded as _cell, run_in as _run
from conftest import SCENARIOS, invoke
from lab.strict_json import loads_strict
from lab.claims import SIDES, VERDICTS, grade
from lab.scoreboard import Scoreboard
from lab.strict_json import dumps
from lab.verdicts import verdicts


@pytest.fixture(scope="module")
def docs(compare_doc):
    return [compare_doc(name, "--systems", "all") for name in SCENARIOS]


def typed(docs: list[dict]) -> list[CompareDoc]:
    return [CompareDoc.from_dict(doc) for doc in docs]


@pytest.fixture(scope="module")
def board(docs):
    return grade(typed(docs))


def planted(doc: dict, **fields) -> dict:
    """An error planted in a run: the document's first real error with these fields (a typed
    document, which the grader takes, has every field of an error)."""
    return {**next(r["error"] for r in doc["runs"] if r["error"]), **fields}


def cell(board, scenario, system):
    (row,) = [r for r in board.claims if r.scenario == scenario]
    return row.cells[system]


def test_every_claim_graded_for_every_system(board):
    assert board.schema == 2
    assert [s.id for s in board.systems] == list(systems.IDS) and len(systems.IDS) == 10
    # Grouped by side (what static graphs cost, then what they buy), in list order within each.
    sides = list(SIDES)
    assert [r.scenario for r in board.claims] == sorted(
        SCENARIOS, key=lambda name: sides.index(get(name).field("SIDE")))
    for row in board.claims:
        assert set(row.cells) == {s.id for s in board.systems}
        for c in row.cells.values():
            assert c.verdict in VERDICTS and c.evidence
            assert c.verdict == "not-applicable" or c.runs
            # A cell holds or partly holds only on one of its claim's causes, said in words; on a
            # benefit row a cell holds on the benefit measured, and partly on what fell short.
            if c.verdict == "partly" or (c.verdict == "holds" and row.side == "costs"):
                assert c.cause in get(row.scenario).field("CAUSES") or c.cause in ("teardown", "rebuilt")
                assert c.cause_words in c.evidence
            assert all(u["cause"] == "other" for u in c.unrelated)
    assert board.exit_code == 0


def test_the_json_is_the_scoreboard_printed_before_it_was_typed(board):
    """`lab claims --json` kept its shape byte for byte: each cell's keys in the order they always
    had (a cell no rule graded says drift right after its runs), and from_dict reads it back whole."""
    text = dumps(board.to_dict())
    assert dumps(Scoreboard.from_dict(loads_strict(text)).to_dict()) == text
    data = loads_strict(text)
    assert list(data) == ["schema", "systems", "versions", "claims", "sides", "skipped", "exit_code"]
    assert all(list(s) == ["id", "label", "short", "static"] for s in data["systems"])
    assert all(list(s) == ["side", "title", "rows", "holds"] for s in data["sides"])
    causes = ["cause", "cause_words", "causes", "silent", "unrelated"]
    for row in data["claims"]:
        assert list(row) == ["claim", "scenario", "title", "side", "cells"]
        for c in row["cells"].values():
            assert list(c) in (["verdict", "evidence", "runs", *causes, "drift"],
                               ["verdict", "evidence", "runs", "drift", *causes])


def test_then_now_and_pytorchs_compiler(board):
    # Control flow: true of TF 1.x, stale for tf.function (AutoGraph), true of torch.export.
    assert cell(board, "control-flow", "tf1-graph").verdict == "holds"
    assert cell(board, "control-flow", "tf-function").verdict == "does-not-hold"
    assert cell(board, "control-flow", "jax-jit").verdict == "holds"
    assert cell(board, "control-flow", "torch-export").verdict == "holds"
    assert cell(board, "control-flow", "torch-eager").verdict == "does-not-hold"
    # Fixed sizes: tf.function runs any length but traces once per length.
    tf = cell(board, "variable-length", "tf-function")
    assert tf.verdict == "partly" and tf.cause == "new-shape"
    assert "each new length forced a new graph" in tf.evidence


def test_a_cell_follows_its_runs(docs):
    """Alter one fact of a run: the cell that rests on it changes."""
    altered = copy.deepcopy(docs)
    cf = next(d for d in altered if d["scenario"] == "control-flow")
    for run in cf["runs"]:
        if (run["system"], run["variant"]) == ("tf-function", "naive"):
            run["status"], run["error"] = "error", planted(cf, type="OperatorNotAllowedInGraphError", message=None,
                                                          call_index=0)
    changed = grade(typed(altered))
    assert cell(changed, "control-flow", "tf-function").verdict == "holds"
    assert "OperatorNotAllowedInGraphError" in cell(changed, "control-flow", "tf-function").evidence
    for run in cf["runs"]:
        if run["system"] == "jax-jit":
            run["status"], run["reason"] = "unavailable", "cannot import jax"
    gone = cell(grade(typed(altered)), "control-flow", "jax-jit")
    assert gone.verdict == "unavailable" and gone.evidence == "cannot import jax"
    # No rule graded it: its JSON says drift right after its runs, as it always did.
    assert list(gone.to_dict()) == ["verdict", "evidence", "runs", "drift", "cause", "cause_words", "causes",
                                    "silent", "unrelated"]


# --- each rule against an altered document: the cell follows the cause, the warning, the silence ---

def test_jit_trace_holds_on_the_baked_branch_and_leaves_out_the_return_type(docs):
    doc = _doc(docs, "control-flow")
    c = _cell(doc, "torch-jit-trace")
    # jit.trace cannot return the Python int n: another cause, listed and not counted. The
    # traced version silently returned the branch it recorded: the claim's cause.
    assert c["verdict"] == "holds" and c["cause"] == "baked-branch"
    assert [u["run"] for u in c["unrelated"]] == ["torch-jit-trace/naive"]
    assert "can be output from traced functions" in c["unrelated"][0]["said"]
    assert [x["run"] for x in c["silent"]] == ["torch-jit-trace/traced"]
    assert _cell(doc, "torch-jit-script")["verdict"] == "does-not-hold"  # script compiled the if/while
    # Without TracerWarning's word that the trace read a tensor as a Python boolean, the wrong
    # result has no cause the claim names: nothing counts any more.
    traced = _run(doc, "torch-jit-trace", "traced")
    traced["warnings"] = [w for w in traced["warnings"] if "Python boolean" not in w["message"]]
    c = _cell(doc, "torch-jit-trace")
    assert c["verdict"] == "not-applicable" and c["cause"] is None
    assert {u["run"] for u in c["unrelated"]} == {"torch-jit-trace/naive", "torch-jit-trace/traced"}


def test_another_error_does_not_make_the_claim_hold(docs):
    doc = _doc(docs, "control-flow")
    assert _cell(doc, "jax-jit")["cause"] == "truth-value"
    _run(doc, "jax-jit", "naive")["error"].update(type="NameError", message="name 'y' is not defined")
    c = _cell(doc, "jax-jit")
    assert c["verdict"] == "not-applicable" and "another cause: NameError: name 'y' is not defined" in c["evidence"]


def test_the_recompile_limit_changes_the_cell_and_the_sentence(docs):
    doc = _doc(docs, "variable-length")
    compiled = _run(doc, "torch-compile", "compiled")
    c = _cell(doc, "torch-compile")
    assert c["verdict"] == "partly" and c["cause"] == "recompile-limit"
    fallback = signals.of(compiled, "eager-fallback")
    assert (f"Dynamo hit its recompile limit (8), so {len(fallback['calls'])} of its 30 calls ran eagerly, "
            f"from call {fallback['from_call'] + 1} on") in c["evidence"]
    assert any("ran eagerly" in v for v in verdicts(doc))
    # Without the warning and with a graph on every call, the same run only recompiled per length.
    compiled["warnings"] = [w for w in compiled["warnings"] if "recompile_limit" not in w["message"]]
    compiled["call_graph_runs"] = [1] * len(compiled["call_graph_runs"])
    compiled["signals"] = signals.read(compiled)
    c = _cell(doc, "torch-compile")
    assert c["cause"] == "new-shape" and "eagerly" not in c["evidence"]
    assert not any("ran eagerly" in v for v in verdicts(doc))


def test_a_graph_break_is_the_claims_cause_for_control_flow(docs):
    doc = _doc(docs, "control-flow")
    assert "graph-break" in _cell(doc, "torch-compile")["causes"]
    compiled = _run(doc, "torch-compile", "compiled")
    compiled["graph_report"]["graph_breaks"] = 0
    compiled["timing"].pop("graph_breaks", None)
    compiled["signals"] = signals.read(compiled)
    c = _cell(doc, "torch-compile")
    assert c["causes"] == ["truth-value"] and "graph broke" not in c["evidence"]


def test_silence_is_listed_and_never_points_anywhere(docs):
    doc = _doc(docs, "debug-bad-op")
    c = _cell(doc, "jax-eager")
    # JAX clamps the out-of-range index (eager and jit alike): a wrong result, no error.
    assert [x["run"] for x in c["silent"]] == ["jax-eager/value_bug_eager"]
    assert c["verdict"] == "does-not-hold"  # the one error it raised reaches the BUG line
    # Had it raised an error that names no line, it would count, and the claim would partly hold.
    run = _run(doc, "jax-eager", "value_bug_eager")
    run["status"], run["error"] = "error", planted(doc, type="IndexError", message="out of bounds", call_index=2,
                                                  points_to_bug=False, message_points_to_bug=False)
    c = _cell(doc, "jax-eager")
    assert c["verdict"] == "partly" and c["cause"] == "report-elsewhere" and c["silent"] == []


def test_a_deprecation_is_said_in_the_cell(docs):
    doc = _doc(docs, "control-flow")
    assert "deprecated" in _cell(doc, "torch-jit-script")["evidence"]
    scripted = _run(doc, "torch-jit-script", "scripted")
    scripted["warnings"], scripted["signals"] = [], []
    assert "deprecated" not in _cell(doc, "torch-jit-script")["evidence"]


def test_drift_in_a_cell_is_exit_4(docs):
    altered = copy.deepcopy(docs)
    cf = next(d for d in altered if d["scenario"] == "control-flow")
    cf["drift"] = [{"system": "tf1-graph", "variant": "naive", "mismatches": ["status"], "observed": {}}]
    board = grade(typed(altered))
    assert cell(board, "control-flow", "tf1-graph").drift and board.exit_code == 4


def test_cli_claims_json_and_exports(tmp_path, served):
    md, html = tmp_path / "board.md", tmp_path / "board.html"
    result = invoke(["claims", "control-flow", "--systems", "tf1-graph,tf-function,torch-eager",
                     "--json", "--export", str(md), "--export", str(html)])
    assert result.exit_code == 0, result.stderr
    board = loads_strict(result.stdout)
    assert [s["id"] for s in board["systems"]] == ["tf1-graph", "tf-function", "torch-eager"]
    assert board["claims"][0]["cells"]["tf1-graph"]["verdict"] == "holds"
    assert board["claims"][0]["side"] == "costs" and [s["side"] for s in board["sides"]] == ["costs"]
    assert "| control-flow: " in md.read_text() and "## What static graphs cost" in md.read_text()
    assert "holds" in html.read_text()
    # The typed scoreboard behind all three: --json is its to_dict(), the Markdown drawn from it.
    from lab.views.claims import markdown
    typed_board = Scoreboard.from_dict(board)
    assert result.stdout == dumps(typed_board.to_dict()) + "\n"
    assert md.read_text() == markdown(typed_board)


def test_claims_loads_each_spec_once(monkeypatch):
    """No worker starts (each "crashed"): `lab claims` loads each scenario's spec once, to check
    it, and the session and the grader use that one."""
    from compare import discovery
    from lab import session
    monkeypatch.setattr(session, "run_workers", lambda frameworks, requests, **kwargs: (
        {fw: {"framework": fw, "status": "crashed", "reason": "test", "scenarios": {}} for fw in frameworks}, False))
    loads = []
    monkeypatch.setattr(discovery, "load", lambda name, real=discovery.load: loads.append(name) or real(name))
    result = invoke(["claims", "control-flow", "debugger", "--systems", "jax-jit,torch-eager", "--json"])
    board = loads_strict(result.stdout)
    assert [r["scenario"] for r in board["claims"]] == ["control-flow", "debugger"]
    assert {c["verdict"] for r in board["claims"] for c in r["cells"].values()} == {"unavailable"}
    assert result.exit_code == board["exit_code"] == 1
    assert loads == ["control_flow", "debugger"]


@pytest.mark.parametrize("command", [["report", "control-flow", "debugger", "--systems", "jax-jit,torch-eager"],
                                     ["compare", "control-flow", "--systems", "jax-jit,torch-eager"]])
def test_report_and_a_compare_page_load_each_spec_once(command, monkeypatch, tmp_path):
    """No worker starts (each "crashed"): `lab report` and `lab compare --export x.html` (whose
    pages carry the scoreboard, and the report the terminal's view with each lesson) load each
    scenario's spec once, the command's own."""
    from compare import discovery
    from lab import session
    monkeypatch.setattr(session, "run_workers", lambda frameworks, requests, **kwargs: (
        {fw: {"framework": fw, "status": "crashed", "reason": "test", "scenarios": {}} for fw in frameworks}, False))
    loads = []
    monkeypatch.setattr(discovery, "load", lambda name, real=discovery.load: loads.append(name) or real(name))
    out = ["--out", str(tmp_path / "r")] if command[0] == "report" else ["--export", str(tmp_path / "c.html")]
    result = invoke([*command, *out])
    assert result.exit_code == 1, result.stderr
    assert sorted(loads) == sorted({"control_flow", "debugger"} & {n.replace("-", "_") for n in command})
    page = (tmp_path / ("r/report.html" if command[0] == "report" else "c.html")).read_text()
    assert "lab-scoreboard" in page and "Control flow is awkward in static graphs." in page


def test_terminal_scoreboard_fits_80_columns(board):
    import os
    from lab.views import render
    from lab.views.claims import scoreboard
    con = render.console(width=80, no_color=True, record=True, file=open(os.devnull, "w"))
    scoreboard(con, board, evidence=False)
    text = con.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    for s in board.systems:
        assert s.short in text
