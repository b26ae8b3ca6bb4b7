"""Every discovered scenario × framework, from the session-shared `lab compare --json` runs."""
import os

import pytest

from conftest import FRAMEWORKS, NATIVE, SCENARIOS, runs_of
from compare.discovery import get

CASES = [(s, fw) for s in SCENARIOS for fw in FRAMEWORKS]


@pytest.mark.parametrize("name,framework", CASES, ids=[f"{s}-{fw}" for s, fw in CASES])
def test_framework_ran_every_declared_variant(compare_doc, name, framework):
    doc = compare_doc(name)
    declared = list(get(name).variants(NATIVE[framework]))
    assert [r["variant"] for r in runs_of(doc, framework)] == declared
    assert doc["frameworks"][framework]["status"] == "ok"


@pytest.mark.parametrize("name,framework", CASES, ids=[f"{s}-{fw}" for s, fw in CASES])
def test_working_variants_match_the_reference(compare_doc, name, framework):
    doc = compare_doc(name)
    for run in runs_of(doc, framework):
        if run["expect_ok"]:
            assert run["status"] == "ok", (run["variant"], run.get("error"), run.get("wrong"))
            # Every call was checked against the reference, not just the first.
            assert len(run["call_errors"]) == run["calls"], run["variant"]


@pytest.mark.parametrize("name,framework", CASES, ids=[f"{s}-{fw}" for s, fw in CASES])
def test_errors_are_classified_consistently(compare_doc, name, framework):
    for run in runs_of(compare_doc(name), framework):
        error = run.get("error")
        if not error:
            continue
        for frames in (error["frames"], error.get("unfiltered_frames") or []):
            for f in frames:
                if "site-packages" in f["file"]:
                    assert f["origin"] == "framework", f
                elif "__autograph_generated" in os.path.basename(f["file"]):
                    assert f["origin"] == "generated", f
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
    doc = compare_doc(name)
    assert doc["verdicts"], "a run always says what it showed"
    for run in doc["runs"]:
        assert run["status"] in ("ok", "error", "wrong")
        assert (run["error"] is not None) == (run["status"] == "error")
        # The run's code size is that of the function it ran, as the code table counts it.
        table = doc["code"][run["system"]]["functions"][run["function"]]
        assert run["code"] == {k: table[k] for k in run["code"]}
