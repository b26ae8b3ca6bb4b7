"""Every discovered scenario × every registered system, from the session's one `lab compare
--json --systems all` run per scenario."""
import os

import pytest

from _docs import narrowed
from compare.discovery import get
from compare.systems import DEFAULT, get as system
from conftest import SCENARIOS, SYSTEMS

CASES = [(s, sid) for s in SCENARIOS for sid in SYSTEMS]
IDS = [f"{s}-{sid}" for s, sid in CASES]


def runs(compare_doc, name, sid):
    return [r for r in compare_doc(name, "--systems", "all")["runs"] if r["system"] == sid]


@pytest.mark.parametrize("name,sid", CASES, ids=IDS)
def test_system_ran_every_declared_variant(compare_doc, name, sid):
    doc = compare_doc(name, "--systems", "all")
    assert [r["variant"] for r in runs(compare_doc, name, sid)] == list(get(name).variants(sid))
    assert doc["frameworks"][system(sid).framework]["status"] == "ok"


@pytest.mark.parametrize("name,sid", CASES, ids=IDS)
def test_each_variant_behaves_as_its_scenario_declares(compare_doc, name, sid):
    for run in runs(compare_doc, name, sid):
        expected = run["expected"]
        assert expected, run["variant"]
        assert run["status"] == expected["status"], (run["variant"], run.get("error"), run.get("wrong"))
        if "error_type" in expected:
            assert run["error"]["type"] == expected["error_type"], run["variant"]


@pytest.mark.parametrize("name,sid", CASES, ids=IDS)
def test_working_variants_match_the_reference(compare_doc, name, sid):
    for run in runs(compare_doc, name, sid):
        if run["expect_ok"]:
            assert run["status"] == "ok", (run["variant"], run.get("error"), run.get("wrong"))
            # Every call was checked against the reference, not just the first.
            assert len(run["call_errors"]) == run["calls"], run["variant"]


@pytest.mark.parametrize("name,sid", CASES, ids=IDS)
def test_errors_are_classified_consistently(compare_doc, name, sid):
    for run in runs(compare_doc, name, sid):
        error = run.get("error")
        if not error:
            continue
        for frames in (error["frames"], error.get("unfiltered_frames") or []):
            for f in frames:
                # Code a framework wrote at run time: AutoGraph's files, exec'd strings such as
                # torch.fx's `<eval_with_key>.5 from .../site-packages/torch/fx/...`.
                if f["file"].startswith("<") or "__autograph_generated" in os.path.basename(f["file"]):
                    assert f["origin"] == "generated", f
                elif "site-packages" in f["file"]:
                    assert f["origin"] == "framework", f
                elif f["file"].startswith(("static_impl/", "dynamic_impl/")):
                    assert f["origin"] == "user", f
        if error["innermost_user"]:
            assert error["innermost_user"]["origin"] == "user"
            # Counting back frames_before_user from the end lands on the innermost user frame,
            # and nothing after it is the user's.
            at = len(error["frames"]) - 1 - error["frames_before_user"]
            assert {k: error["frames"][at][k] for k in ("file", "line")} == \
                {k: error["innermost_user"][k] for k in ("file", "line")}
            assert all(f["origin"] != "user" for f in error["frames"][at + 1:])


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_run_has_no_blank_cell(compare_doc, name):
    doc = compare_doc(name, "--systems", "all")
    assert doc["verdicts"], "a run always says what it showed"
    assert doc["_exit_code"] == doc["exit_code"] == 0 and doc["drift"] == []
    for run in doc["runs"]:
        assert run["status"] in ("ok", "error", "wrong")
        assert (run["error"] is not None) == (run["status"] == "error")
        # The run's code size is that of the function it ran, as the code table counts it.
        table = doc["code"][run["system"]]["functions"][run["function"]]
        assert run["code"] == {k: table[k] for k in run["code"]}


def _shape(doc: dict) -> dict:
    """What a document says, less what each run measures anew (times, memory, pids)."""
    return {
        "keys": sorted(doc), "systems": doc["systems"], "versions": doc["versions"],
        "frameworks": {fw: (sorted(info), info["status"]) for fw, info in doc["frameworks"].items()},
        "runs": [(sorted(r), r["system"], r["variant"], r["function"], r["status"], r["expected"],
                  r["expect_ok"], r["code"], (r["error"] or {}).get("type")) for r in doc["runs"]],
        "code": doc["code"], "drift": doc["drift"], "reading_errors": doc["reading_errors"],
        "counts": (len(doc["verdicts"]), len(doc["takeaways"])),
        "exit": (doc["exit_code"], doc["_exit_code"]), "threads": doc["environment"]["threads"],
    }


def test_a_selection_read_from_the_broader_run_is_what_its_own_command_prints(compare_doc, compare_run):
    """The fixtures read a narrower selection from a broader run (tests/_docs.py); here the
    default trio, read from `--systems all`, against `lab compare control-flow --json` itself."""
    broad = compare_doc("control-flow", "--systems", "all")
    read = narrowed(broad, list(DEFAULT))
    own = compare_run("control-flow")
    assert own["systems"] == list(DEFAULT) and broad["systems"] != own["systems"]
    assert _shape(read) == _shape(own)
    # Each run is the broader run's own (nothing re-measured), under the narrower selection.
    assert [r for r in broad["runs"] if r["system"] in DEFAULT] == read["runs"]
