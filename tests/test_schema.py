"""README's JSON section against the typed results: the documented keys are the real ones."""
import dataclasses
import json
import re

from compare.results import CompareDoc, ErrorAnatomy, Run, Timing, VerifyReport, VerifyRow, WorkerResult
from conftest import ROOT
from lab.strict_json import loads_strict

BLOCKS = [json.loads(b) for b in re.findall(
    r"```json\n(.*?)```", (ROOT / "README.md").read_text().split("## JSON", 1)[1].split("\n## ", 1)[0], re.S)]


def names(cls, *drop) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)} - set(drop)


def test_compare_document_keys():
    doc = BLOCKS[0]
    assert set(doc) == names(CompareDoc, "inputs")
    assert doc["schema"] == 2
    (run,) = doc["runs"]
    assert set(run) == names(Run, "extra")
    assert set(run["timing"]) == names(Timing, "split")
    (worker,) = doc["frameworks"].values()
    assert set(worker) == names(WorkerResult, "log")  # the log only with --verbose


def test_error_keys():
    error = BLOCKS[1]
    assert set(error) == names(ErrorAnatomy)
    assert set(error["frames"][0]) == {"file", "line", "function", "origin", "code"}


def test_verify_report_keys():
    assert list(BLOCKS[2]) == list(VerifyReport.from_dict(BLOCKS[2]).to_dict())  # in the printed order
    (row,) = BLOCKS[2]["results"]
    assert set(row) == names(VerifyRow)


def test_scoreboard_keys():
    """`lab claims --json`: a cell's `extra` (further fields a spec's rule returned) and `ruled`
    print no key of their own."""
    from lab.scoreboard import BoardSystem, Cell, ClaimRow, Scoreboard, Side
    (board,) = [b for b in BLOCKS if "sides" in b]
    assert set(board) == names(Scoreboard)
    assert set(board["systems"][0]) == names(BoardSystem)
    assert set(board["sides"][0]) == names(Side)
    (row,) = board["claims"]
    assert set(row) == names(ClaimRow)
    (cell,) = row["cells"].values()
    assert set(cell) == names(Cell, "extra", "ruled")


def test_a_real_document_has_every_documented_field(compare_doc):
    doc = compare_doc("control-flow")
    assert set(BLOCKS[0]) <= set(doc)
    for run in doc["runs"]:
        assert set(BLOCKS[0]["runs"][0]) <= set(run)
        assert set(BLOCKS[0]["runs"][0]["timing"]) <= set(run["timing"])
        if run["error"]:
            assert set(BLOCKS[1]) == set(run["error"])


def test_a_placeholder_run_has_every_field_too(tmp_path):
    from shadows.make import shadow
    from conftest import invoke
    env = {"PYTHONPATH": str(shadow(tmp_path, "jax", "missing"))}
    doc = loads_strict(invoke(["compare", "control-flow", "--json", "--systems", "jax-jit"], env=env).stdout)
    assert {r["status"] for r in doc["runs"]} == {"unavailable"}
    for run in doc["runs"]:
        assert set(BLOCKS[0]["runs"][0]) <= set(run)
        assert run["timing"] == {"first_call_s": None, "second_call_s": None, "steady_median_s": None,
                                 "repeats": None}


def test_one_to_dict_from_dict_pair(compare_doc):
    """The JSON boundary's one pair: every scenario's real document, typed again, prints the same."""
    from compare.discovery import names as scenario_names
    for name in scenario_names():
        doc = dict(compare_doc(name))
        doc.pop("_exit_code")
        again = CompareDoc.from_dict(doc)
        assert all(isinstance(r, Run) for r in again.runs), name
        assert all(isinstance(w, WorkerResult) for w in again.frameworks.values()), name
        assert json.loads(json.dumps(again.to_dict(with_logs=False))) == doc, name
