"""Exit codes as the README's table states them: a failing working variant (1), usage errors (2),
lesson drift (4), Ctrl-C (130), SIGTERM (143) and SIGHUP (129) in every command that starts
workers, each leaving no worker and no scratch folder; and `--device auto` on CPU.

Cheap by design: the altered-run cases reuse the session's control-flow document, the end-to-end
ones run one framework with one repeat, and the signal ones stop a stand-in framework that hangs
at import."""
import copy
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from compare.results import Run
from conftest import ROOT, invoke, runs_of
from lab import errors
from lab.session import exit_code
from scenarios import control_flow
from shadows.make import shadow, tagged

ONE = ["--frameworks", "torch", "--repeats", "1"]


# --- 1: a working variant raised or returned a wrong result ---------------------------------------

@pytest.fixture()
def runs(compare_doc):
    return [Run.from_dict(r) for r in copy.deepcopy(compare_doc("control-flow"))["runs"]]


def _one(runs, system, variant):
    (run,) = [r for r in runs if (r.system, r.variant) == (system, variant)]
    return run


def test_the_runs_as_they_came_exit_0(runs):
    assert _one(runs, "jax-jit", "naive").status == "error"  # expected: the lesson, not a failure
    assert exit_code(runs, [], False) == errors.OK


@pytest.mark.parametrize("status", ["error", "wrong", "crashed"])
def test_a_working_variant_that_fails_exits_1(runs, status):
    _one(runs, "jax-jit", "static").status = status
    assert exit_code(runs, [], False) == errors.FAILED
    # A failure outranks drift and an incomplete run; only Ctrl-C outranks it.
    _one(runs, "tf-function", "static").status = "unavailable"
    assert exit_code(runs, [{"system": "jax-jit", "variant": "naive"}], False) == errors.FAILED
    assert exit_code(runs, [], True) == errors.INTERRUPTED


def test_drift_exits_4_and_an_incomplete_run_3(runs):
    assert exit_code(runs, [{"system": "jax-jit", "variant": "naive"}], False) == errors.DRIFT
    _one(runs, "tf-function", "static").status = "unavailable"
    assert exit_code(runs, [], False) == errors.INCOMPLETE


# A stand-in torch: the real one, with torch.sin made wrong (or raising). The control-flow torch
# version calls torch.sin on the first input's branch, so its working variant fails on call 1;
# the worker's untimed warm-up (torch.sin of ones) still gets the real sin.
BROKEN_SIN = (
    "import importlib, os, sys\n"
    "here = os.path.dirname(os.path.abspath(__file__))\n"
    "sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]\n"
    "del sys.modules['torch']\n"
    "real = importlib.import_module('torch')\n"
    "sys.modules['torch'] = real\n"
    "_sin = real.sin\n"
    "def sin(x):\n"
    "    if bool((x == 1).all()):\n"
    "        return _sin(x)\n"
    "    {body}\n"
    "real.sin = sin\n"
)


@pytest.mark.parametrize("body, status", [("return _sin(x) + 1.0", "wrong"),
                                          ("raise RuntimeError('planted by the test')", "error")])
def test_compare_exits_1_when_the_working_variant_fails_end_to_end(tmp_path, body, status):
    folder = tmp_path / "shadow"
    folder.mkdir()
    (folder / "torch.py").write_text(BROKEN_SIN.replace("{body}", body))
    result = invoke(["compare", "control-flow", "--json", *ONE], env={"PYTHONPATH": str(folder)})
    doc = json.loads(result.stdout)
    (run,) = runs_of(doc, "torch", "eager")
    assert run["status"] == status and run["expect_ok"]
    assert result.exit_code == doc["exit_code"] == errors.FAILED
    if status == "wrong":
        assert run["wrong"]["call_index"] == 0
    else:
        assert run["error"]["type"] == "RuntimeError" and "planted by the test" in run["error"]["message"]


# --- 4: lesson drift -------------------------------------------------------------------------------

def test_compare_exits_4_when_a_naive_port_drifts(monkeypatch):
    """The spec says the naive JAX port raises NameError; it raises TracerBoolConversionError:
    the lesson no longer matches the run. Patched in this process, where drift is judged."""
    expected = dict(control_flow.EXPECTED)
    expected[("jax-jit", "naive")] = {"status": "error", "error_type": "NameError"}
    monkeypatch.setattr(control_flow, "EXPECTED", expected)
    result = invoke(["compare", "control-flow", "--json", "--frameworks", "jax", "--repeats", "1"])
    doc = json.loads(result.stdout)
    assert result.exit_code == doc["exit_code"] == errors.DRIFT
    (drifted,) = doc["drift"]
    assert (drifted["system"], drifted["variant"]) == ("jax-jit", "naive")
    assert drifted["mismatches"] == ["error_type: expected 'NameError', observed 'TracerBoolConversionError'"]
    assert runs_of(doc, "jax", "static")[0]["status"] == "ok"  # nothing failed: drift alone


# --- 2: usage errors, one line each ---------------------------------------------------------------

USAGE = [
    (["compare", "control-flow", "--threads", "0"], "--threads must be a whole number from 1 to 256, got 0."),
    (["doctor", "--threads", "0"], "--threads must be a whole number from 1 to 256, got 0."),
    (["compare", "control-flow", "--plot", "chart.jpg"], "--plot 'chart.jpg': unknown format. Valid endings: .png."),
    (["demo", "control-flow", "--auto", "-1"],
     "--auto must be a number of seconds, zero or more and at most 3600, got -1.0."),
]


@pytest.mark.parametrize("args, message", USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_usage_error_is_one_line_and_exit_2(args, message):
    result = invoke(args)
    assert result.exit_code == errors.USAGE
    assert result.stderr.strip() == f"lab: {message}"
    assert result.stdout == ""


def test_report_out_naming_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("not a folder")
    result = invoke(["report", "--out", str(target), "control-flow"])
    assert result.exit_code == errors.USAGE
    assert result.stderr.strip() == f"lab: --out '{target}': exists and is not a folder."
    assert target.read_text() == "not a folder"  # left alone


def test_device_auto_on_cpu_runs_and_says_what_it_used(tmp_path):
    saved = tmp_path / "run.json"
    result = invoke(["compare", "control-flow", *ONE, "--device", "auto", "--export", str(saved)],
                    env={"LAB_FAKE_NO_GPU": "1", "COLUMNS": "160"})
    assert result.exit_code == 0, result.stderr
    doc = json.loads(saved.read_text())
    assert doc["device"] == "auto" and doc["environment"]["device_used"] == {"torch": "cpu"}
    assert "Runs (--device auto: torch cpu;" in result.stdout


# --- 130, 143, 129: Ctrl-C, SIGTERM, SIGHUP in every command that starts workers ---------------------

_tagged = tagged


STOPPED = {
    "compare": ["compare", "control-flow", "--frameworks", "torch", "--repeats", "1"],
    "report": ["report", "control-flow", "--frameworks", "torch", "--repeats", "1", "--out", "{tmp}/report"],
    "claims": ["claims", "control-flow", "--systems", "torch-eager"],
    "demo": ["demo", "control-flow", "--auto", "0", "--frameworks", "torch", "--repeats", "1"],
    "verify": ["verify", "control-flow", "--frameworks", "torch"],
    "doctor": ["doctor", "--frameworks", "torch"],
}
SIGNALS = {signal.SIGINT: errors.INTERRUPTED, signal.SIGTERM: 143, signal.SIGHUP: 129}


def stop_while_running(tmp_path, args: list[str], sig: int, *, stdin=subprocess.DEVNULL, send=None):
    """`lab ARGS` with torch's worker hanging at import; once the worker runs, `send()` (default:
    the signal `sig` to the lab). Returns (exit code, stderr, tagged processes left, scratch
    folders left). Anything left is killed, so a failing test leaves nothing behind either."""
    tag = f"stop-{args[0]}-{sig}-{os.getpid()}"
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env = dict(os.environ, LAB_TEST_TAG=tag, LAB_FAKE_NO_GPU="1", COLUMNS="100", TMPDIR=str(scratch),
               PYTHONPATH=str(shadow(tmp_path, "torch", "hang")))  # torch's worker hangs at import
    proc = subprocess.Popen([sys.executable, "-m", "lab", *[a.format(tmp=tmp_path) for a in args]],
                            cwd=ROOT, env=env, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(_tagged(tag)) < 2 and time.monotonic() < deadline:  # the lab and its worker
            time.sleep(0.2)
        assert len(_tagged(tag)) >= 2, f"{args[0]}: no worker started"
        time.sleep(0.5)
        (send or (lambda: proc.send_signal(sig)))()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        time.sleep(0.3)
        left = _tagged(tag)
        for pid in left:  # never leave a hung stand-in behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
    return proc.returncode, err, left, [p.name for p in scratch.iterdir() if p.name.startswith("lab-")]


@pytest.mark.parametrize("sig", list(SIGNALS), ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("command", list(STOPPED))
def test_a_signal_ends_every_worker_and_scratch_folder_with_its_exit_code(tmp_path, command, sig):
    code, err, left, scratch = stop_while_running(tmp_path, STOPPED[command], sig)
    assert code == SIGNALS[sig], err
    assert "Traceback" not in err
    assert left == []
    assert scratch == []


def test_a_killed_lab_takes_its_workers_with_it(tmp_path):
    """SIGKILL leaves the lab no say; the kernel ends its workers (PR_SET_PDEATHSIG)."""
    code, _, left, _ = stop_while_running(tmp_path, STOPPED["compare"], signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert left == []


@pytest.mark.parametrize("key", ["ctrl-d", "ctrl-c"])
def test_demo_prompt_ends_every_worker_on_eof_or_ctrl_c(tmp_path, key):
    """At an interactive `lab demo` prompt (stdin a terminal) the workers already run in the
    background; Ctrl-D (end of input) or Ctrl-C there ends them too, and exits 130."""
    import pty
    master, slave = pty.openpty()
    try:
        args = ["demo", "control-flow", "--frameworks", "torch", "--repeats", "1"]
        send = (lambda: os.write(master, b"\x04")) if key == "ctrl-d" else None
        code, err, left, scratch = stop_while_running(tmp_path, args, signal.SIGINT, stdin=slave, send=send)
    finally:
        os.close(master)
        os.close(slave)
    assert code == errors.INTERRUPTED, err
    assert "Traceback" not in err
    assert left == [] and scratch == []


def test_an_internal_error_in_the_demo_ends_its_workers(tmp_path, monkeypatch):
    """A bug in the lab while the demo shows a scenario (here: drawing the lesson raises) still
    stops the background run, and its workers, before the error reaches the user."""
    from lab import demo
    from lab.views import render
    tag = f"demo-error-{os.getpid()}"
    monkeypatch.setenv("LAB_TEST_TAG", tag)
    monkeypatch.setenv("PYTHONPATH", str(shadow(tmp_path, "torch", "hang")))
    others = lambda: [p for p in _tagged(tag) if p != os.getpid()]  # noqa: E731

    def broken_lesson(*args):
        deadline = time.monotonic() + 60
        while not others() and time.monotonic() < deadline:  # the worker runs by now
            time.sleep(0.2)
        assert others(), "no worker started"
        raise RuntimeError("planted by the test")

    monkeypatch.setattr(render, "lesson", broken_lesson)
    with pytest.raises(RuntimeError, match="planted by the test"):
        demo.run_demo(["control-flow"], auto=0, no_color=True, systems_=["torch-eager"], repeats=1,
                      device="cpu", threads=1, timeout=60)
    time.sleep(0.3)
    assert others() == []
