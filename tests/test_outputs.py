"""What the lab writes and what it refuses before any worker starts: bounded numbers, output
paths probed up front, files written whole (a temp file renamed over the target), a report
folder replaced whole, an interrupted run under a name of its own, and strict JSON.

Only the session's shared control-flow run is used (as the documents a patched run returns)."""
import copy
import errno
import json
import math
import os

import pytest

from conftest import invoke
from lab import atomic, errors
from lab.strict_json import dumps, loads_strict

RUN = ["compare", "control-flow", "--frameworks", "jax"]

# --- numbers: finite, positive, in a sane range; exit 2 with one line, in the CLI and the API -----

BAD_NUMBERS = [
    *[(["compare", "control-flow", "--timeout", v], "--timeout must be a number of seconds")
      for v in ("nan", "inf", "-inf", "0", "-5", "1e23")],
    *[(["compare", "control-flow", flag, v], f"{flag} must be a whole number from 1 to")
      for flag in ("--repeats", "--threads") for v in ("0", "-1", str(10 ** 23))],
    *[(["demo", "control-flow", "--auto", v], "--auto must be a number of seconds, zero or more")
      for v in ("nan", "inf", "-1", "1e23")],
    (["doctor", "--timeout", "nan"], "--timeout must be a number of seconds"),
    (["verify", "control-flow", "--timeout", "inf"], "--timeout must be a number of seconds"),
    (["claims", "control-flow", "--threads", str(10 ** 23)], "--threads must be a whole number from 1 to 256"),
    (["report", "control-flow", "--repeats", str(10 ** 23)], "--repeats must be a whole number from 1 to 1000"),
]


@pytest.mark.parametrize("args, message", BAD_NUMBERS, ids=[" ".join(a[2:]) + f" ({a[0]})" for a, _ in BAD_NUMBERS])
def test_an_unbounded_number_is_one_line_exit_2(args, message):
    result = invoke(args)
    assert result.exit_code == errors.USAGE, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"lab: {message}")


@pytest.mark.parametrize("kwargs", [dict(timeout=math.nan), dict(timeout=math.inf), dict(repeats=10 ** 23),
                                    dict(threads=10 ** 23), dict(threads=0), dict(timeout=0)])
def test_the_api_refuses_the_same_numbers(kwargs):
    import lab
    from lab.errors import LabError
    with pytest.raises(LabError, match="must be a"):
        lab.compare("control-flow", **kwargs)


# --- output targets: probed before any worker starts ----------------------------------------------

UNWRITABLE = [
    ["compare", "control-flow", "--export", "/proc/x.html"],
    ["compare", "control-flow", "--plot", "/proc/x.png"],
    ["claims", "control-flow", "--export", "/proc/b.html"],
    ["report", "control-flow", "--out", "/proc/nope"],
    ["verify", "control-flow", "--junit-xml", "/proc/j.xml"],
    ["demo", "control-flow", "--plot", "/proc/d.png"],
]
EMPTY = [
    (["report", "control-flow", "--out", ""], "--out: give a folder name"),
    (["compare", "control-flow", "--plot", ""], "--plot: give a file name"),
    (["compare", "control-flow", "--export", ""], "--export: give a file name"),
    (["verify", "control-flow", "--junit-xml", ""], "--junit-xml: give a file name"),
    (["compare", "control-flow", "--systems", ""], "malformed --systems ''"),
    (["diff", "control-flow", "--systems", ""], "malformed --systems ''"),
    (["compare", "all"], "`lab compare` takes one scenario"),
    (["diff", "all"], "`lab diff` takes one scenario"),
]


@pytest.mark.parametrize("args", UNWRITABLE, ids=lambda a: " ".join(a[0:1] + a[2:]))
def test_an_unwritable_target_is_refused_before_any_worker(args, monkeypatch):
    from lab import session
    monkeypatch.setattr(session, "run_many", lambda *a, **k: pytest.fail("a worker would have started"))
    result = invoke(args)
    assert result.exit_code == errors.USAGE
    (line,) = result.stderr.strip().splitlines()
    assert "not writable" in line and "/proc/" in line


@pytest.mark.parametrize("args, message", EMPTY, ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_an_empty_name_or_all_where_one_is_meant_is_an_error(args, message):
    result = invoke(args)
    assert result.exit_code == errors.USAGE
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"lab: {message}")


def test_report_never_replaces_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = invoke(["report", "control-flow", "--out", str(tmp_path)])
    assert result.exit_code == errors.USAGE and "notes.txt" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_plot_names_for_several_scenarios_change_the_file_name_only():
    from lab.plot import scenario_paths
    assert scenario_paths("runs.png/out.png", ["a", "b"]) == {"a": "runs.png/out-a.png", "b": "runs.png/out-b.png"}
    assert scenario_paths("charts.png", ["a"]) == {"a": "charts.png"}
    assert scenario_paths(None, ["a"]) == {}


# --- files written whole --------------------------------------------------------------------------

def test_a_failed_write_leaves_the_earlier_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    target.write_text("the earlier good file")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(errors.LabError, match="No space left on device; the earlier file is unchanged"):
        atomic.write(str(target), "x" * 100_000)
    assert target.read_text() == "the earlier good file"
    assert os.listdir(tmp_path) == ["run.json"]


def test_partial_names_change_the_last_name_only():
    assert atomic.partial_name("out/report.html") == "out/report.interrupted.html"
    assert atomic.partial_name("a.b/run.terminal.html") == "a.b/run.interrupted.terminal.html"
    assert atomic.partial_name("a.b/lab-report", folder=True) == "a.b/lab-report.interrupted"


@pytest.fixture()
def patched_run(compare_doc, monkeypatch):
    """`lab report control-flow` returns the shared run's document (as it is, or changed)."""
    from compare.results import CompareDoc
    from lab import session

    def use(**changes):
        doc = dict(copy.deepcopy(compare_doc("control-flow")), **changes)
        doc.pop("_exit_code", None)
        monkeypatch.setattr(session, "run_many", lambda names, **kwargs: [CompareDoc.from_dict(doc)])
    return use


def _old_report(folder):
    folder.mkdir()
    for name in ("report.html", "terminal.html", "report.json"):
        (folder / name).write_text(f"earlier {name}")


def test_a_report_replaces_the_folder_whole(tmp_path, patched_run):
    patched_run()
    out = tmp_path / "lab-report"
    _old_report(out)
    result = invoke(["report", "control-flow", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(tmp_path)) == ["lab-report"]  # no staging or old folder left beside it
    data = loads_strict((out / "report.json").read_text())
    assert [d["scenario"] for d in data["scenarios"]] == ["control-flow"] and data["skipped"] == []
    assert "earlier" not in (out / "terminal.html").read_text()


def test_an_interrupted_report_leaves_the_good_one_and_writes_its_own(tmp_path, patched_run):
    patched_run(interrupted=True, exit_code=errors.INTERRUPTED)
    out = tmp_path / "lab-report"
    _old_report(out)
    result = invoke(["report", "control-flow", "--out", str(out)])
    assert result.exit_code == errors.INTERRUPTED
    assert (out / "report.json").read_text() == "earlier report.json"
    partial = tmp_path / "lab-report.interrupted"
    assert loads_strict((partial / "report.json").read_text())["scenarios"][0]["interrupted"] is True
    assert f"wrote {partial}/report.html" in result.stdout


def test_a_report_that_cannot_be_written_keeps_the_earlier_one(tmp_path, patched_run, monkeypatch):
    patched_run()
    out = tmp_path / "lab-report"
    _old_report(out)
    calls = []

    def fail_on_the_second_file(fd):  # report.html written, then the disk is full
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", fail_on_the_second_file)
    result = invoke(["report", "control-flow", "--out", str(out)])
    assert result.exit_code == errors.FAILED
    assert result.stderr.strip() == (f"lab: cannot write {out}: No space left on device; "
                                     "the earlier file is unchanged.")
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        n: f"earlier {n}" for n in ("report.html", "terminal.html", "report.json")}
    assert sorted(os.listdir(tmp_path)) == ["lab-report"]


def test_an_interrupted_compare_exports_under_its_own_name(tmp_path, compare_doc, monkeypatch):
    from lab import session
    from compare.results import CompareDoc
    doc = dict(copy.deepcopy(compare_doc("control-flow")), interrupted=True, exit_code=errors.INTERRUPTED)
    doc.pop("_exit_code")
    monkeypatch.setattr(session, "compare", lambda name, **kwargs: CompareDoc.from_dict(doc))
    good = tmp_path / "run.json"
    good.write_text("earlier")
    result = invoke(["compare", "control-flow", "--json", "--export", str(good)])
    assert result.exit_code == errors.INTERRUPTED
    assert good.read_text() == "earlier"
    assert loads_strict((tmp_path / "run.interrupted.json").read_text())["interrupted"] is True


# --- strict JSON ----------------------------------------------------------------------------------

def test_non_finite_numbers_become_null_with_a_note():
    data = {"max_abs_err": math.inf, "call_errors": [0.0, math.nan], "ok": 1.5,
            "nested": [{"x": -math.inf}], "grid": [[1.0, math.nan]]}
    parsed = loads_strict(dumps(data))
    assert parsed == {"max_abs_err": None, "max_abs_err_note": "inf", "call_errors": [0.0, None],
                      "call_errors_note": {"1": "nan"}, "ok": 1.5,
                      "nested": [{"x": None, "x_note": "-inf"}], "grid": [[1.0, None]],
                      "grid_note": {"0.1": "nan"}}
    with pytest.raises(ValueError):
        loads_strict(json.dumps({"x": math.nan}))  # the parser the tests use is as strict as JSON.parse


def test_every_command_prints_strict_json(compare_doc, patched_run, tmp_path):
    """compare's shared run, and a document with a NaN error, as compare, claims and report
    print or write them."""
    loads_strict(json.dumps(compare_doc("control-flow")))
    doc = copy.deepcopy(compare_doc("control-flow"))
    for run in doc["runs"]:
        run["max_abs_err"], run["call_errors"] = math.nan, [math.inf]
    patched_run(runs=doc["runs"])
    out = tmp_path / "r"
    assert invoke(["report", "control-flow", "--out", str(out)]).exit_code in (0, 1)
    run = loads_strict((out / "report.json").read_text())["scenarios"][0]["runs"][0]
    assert run["max_abs_err"] is None and run["max_abs_err_note"] == "nan"
    assert run["call_errors"] == [None] and run["call_errors_note"] == {"0": "inf"}
    board = loads_strict(invoke(["claims", "control-flow", "--json", "--systems", "jax-jit"]).stdout)
    assert board["claims"][0]["scenario"] == "control-flow"
    for args in (["list", "--json"], ["systems", "--json"], ["check", "control-flow", "--json"],
                 ["diff", "control-flow", "--json"]):
        loads_strict(invoke(args).stdout)


# --- lab check PATH -------------------------------------------------------------------------------

def test_check_path_checks_that_file(tmp_path):
    from conftest import ROOT
    source = (ROOT / "scenarios" / "control_flow.py").read_text()
    copy_ = tmp_path / "control_flow.py"
    copy_.write_text(source.replace('TITLE = "Data-dependent branch and loop"\n', ""))
    result = invoke(["check", str(copy_), "--json"])
    report = loads_strict(result.stdout)
    assert result.exit_code == 1
    assert "missing required TITLE" in report["checks"][0]["detail"]
    assert invoke(["check", "control-flow"]).exit_code == 0  # the project's own file is fine
    assert invoke(["check", str(tmp_path / "none.py")]).exit_code == 2


def test_the_import_guard_leaves_an_outer_timer_running():
    """The spec import's SIGALRM limit restores whatever timer was set before it (a test
    runner's, say), less the time it took."""
    import signal
    import time
    from compare import discovery
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        discovery.load("control_flow")
        time.sleep(0.6)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == [True]
