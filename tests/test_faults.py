"""Faults injected into one framework's worker: the others' results are kept, nothing leaks."""
import json
import os
import signal
import subprocess
import sys
import time


from conftest import ROOT, invoke, runs_of
from shadows.make import shadow, tagged

# jax imports fastest, so it is the healthy neighbour; torch is the one made to misbehave.
ARGS = ["compare", "control-flow", "--json", "--repeats", "1", "--frameworks", "jax,torch"]


def _run_with(tmp_path, fault: str, *extra: str, tag: str = "") -> tuple[dict, int]:
    env = {"PYTHONPATH": str(shadow(tmp_path, "torch", fault)), "LAB_TEST_TAG": tag}
    result = invoke(ARGS + list(extra), env=env)
    return json.loads(result.stdout), result.exit_code


def _healthy_jax(doc):
    assert runs_of(doc, "jax", "static")[0]["status"] == "ok"


def test_framework_not_installed(tmp_path):
    doc, code = _run_with(tmp_path, "missing")
    _healthy_jax(doc)
    (run,) = runs_of(doc, "torch")
    assert run["status"] == "unavailable"
    assert doc["frameworks"]["torch"]["install"] == "pip install torch==2.13.0"
    assert "cannot import torch" in doc["frameworks"]["torch"]["reason"]
    assert code == 3  # incomplete


def test_worker_segfault(tmp_path):
    doc, code = _run_with(tmp_path, "segfault")
    _healthy_jax(doc)
    info = doc["frameworks"]["torch"]
    assert info["status"] == "crashed"
    assert info["reason"] == "worker killed by signal SIGSEGV"
    assert runs_of(doc, "torch")[0]["status"] == "crashed"
    assert code == 1


def test_worker_hang_times_out(tmp_path):
    start = time.monotonic()
    tag = f"hang-{os.getpid()}"
    doc, code = _run_with(tmp_path, "hang", "--timeout", "8", tag=tag)
    assert time.monotonic() - start < 60
    assert _children_with(tag) == []  # the hung worker was killed, not left behind
    _healthy_jax(doc)
    info = doc["frameworks"]["torch"]
    assert info["status"] == "timeout"
    assert "--timeout 8" in info["reason"]
    assert any("sleeping" in line for line in info["stderr_tail"])  # last lines of its output
    assert code == 3


def test_framework_noise_never_reaches_json(tmp_path):
    result = invoke(ARGS, env={"PYTHONPATH": str(shadow(tmp_path, "torch", "noise"))})
    doc = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert runs_of(doc, "torch", "eager")[0]["status"] == "ok"
    assert result.exit_code == 0
    assert "noisy" not in result.stdout
    verbose = invoke(ARGS + ["--verbose"], env={"PYTHONPATH": str(shadow(tmp_path, "torch", "noise"))})
    log = json.loads(verbose.stdout)["frameworks"]["torch"]["log"]
    assert "noisy stdout from torch" in log and "noisy stderr from torch" in log


_children_with = tagged


def test_ctrl_c_stops_every_worker_and_keeps_partial_results(tmp_path):
    tag = f"interrupt-{os.getpid()}"
    env = dict(os.environ, LAB_TEST_TAG=tag,
               PYTHONPATH=str(shadow(tmp_path, "torch", "hang")))
    proc = subprocess.Popen([sys.executable, "-m", "lab", *ARGS], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until both workers exist, then interrupt the lab as a terminal's Ctrl-C would.
    deadline = time.monotonic() + 30
    while len(_children_with(tag)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_children_with(tag)) >= 3, "workers never started"
    time.sleep(2)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    # Every worker gone within 2 s (the parent then still writes the partial JSON).
    while [p for p in _children_with(tag) if p != proc.pid] and time.monotonic() - sent < 10:
        time.sleep(0.05)
    workers_gone = time.monotonic() - sent
    out, err = proc.communicate(timeout=30)
    assert workers_gone < 2.0, workers_gone
    assert time.monotonic() - sent < 3.0
    assert proc.returncode == 130
    doc = json.loads(out)
    assert doc["interrupted"] is True
    assert doc["frameworks"]["torch"]["status"] == "interrupted"
    time.sleep(0.3)
    assert _children_with(tag) == []
