"""Faults in a scenario's own code: torch's forward hangs, segfaults, calls os._exit, or prints a
megabyte per call. Each costs only its own scenario's torch results: jax keeps every result (its
--timeout counts its own work, not its wait for the hung worker's timing lock), torch is started
again for the scenarios after a crash, each scenario says which worker ran it, and the output
kept is bounded.

One `lab report` over all the faults, in a copy of the lab with the broken scenarios added
(shadows/project.py), is shared by the tests below."""
import json
import os
import signal
import time

import pytest

from conftest import run_lab, runs_of
from lab import errors, runner
from shadows.make import tagged
from shadows.project import project

FAULTS = ("hang", "exit", "segv", "printer")
SCENARIOS = [f"fault-{f}" for f in FAULTS] + ["control-flow"]
TIMEOUT = 20  # each worker's own seconds; the hung forward uses all of them


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return project(tmp_path_factory.mktemp("faults"), *FAULTS)


def run_in(tree, args: list[str], name: str):
    """`lab ARGS` in the faulty copy, with its own scratch folder: (result, processes left
    running, scratch entries left). Whatever is left is killed."""
    scratch = tree.parent / f"tmp-{name}"
    scratch.mkdir()
    tag = f"faults-{name}-{os.getpid()}"
    env = dict(os.environ, LAB_TEST_TAG=tag, LAB_FAKE_NO_GPU="1", TMPDIR=str(scratch))
    result = run_lab(args, env=env, cwd=tree)
    time.sleep(0.3)
    left = tagged(tag)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return result, left, sorted(p.name for p in scratch.iterdir())


@pytest.fixture(scope="module")
def faulty(tree):
    out = tree.parent / "report"
    started = time.monotonic()
    result, left, scratch = run_in(tree, ["report", *SCENARIOS, "--frameworks", "jax,torch", "--repeats", "1",
                                          "--timeout", str(TIMEOUT), "--out", str(out)], "report")
    wall = time.monotonic() - started
    with open(out / "report.json") as fh:
        docs = {d["scenario"]: d for d in json.load(fh)["scenarios"]}
    return {"result": result, "docs": docs, "left": left, "wall": wall, "out": out, "scratch": scratch}


def test_every_file_written_nothing_left_running_and_the_failure_in_the_exit_code(faulty):
    assert faulty["result"].returncode == errors.FAILED, faulty["result"].stderr  # torch's forward crashed
    assert "Traceback" not in faulty["result"].stderr
    assert sorted(p.name for p in faulty["out"].iterdir()) == ["report.html", "report.json", "terminal.html"]
    assert faulty["left"] == []
    assert [name for name in faulty["scratch"] if name.startswith("lab-")] == []


def test_jax_keeps_every_result_though_torch_hung_holding_the_timing_lock(faulty):
    for name in SCENARIOS:
        doc = faulty["docs"][name]
        assert doc["frameworks"]["jax"]["status"] == "ok", name
        assert runs_of(doc, "jax", "static")[0]["status"] == "ok", name


def test_the_hung_forward_times_out_in_its_own_scenario(faulty):
    torch = faulty["docs"]["fault-hang"]["frameworks"]["torch"]
    assert torch["status"] == "timeout"
    assert f"--timeout {TIMEOUT} s of its own work" in torch["reason"]
    # The stage it was killed in is its own work (the first call), not a wait for the others.
    assert "waiting" not in torch["reason"] and "call 1/3" in torch["reason"]


def test_each_crash_costs_its_own_scenario_only(faulty):
    docs = faulty["docs"]
    assert docs["fault-exit"]["frameworks"]["torch"]["status"] == "crashed"
    assert docs["fault-exit"]["frameworks"]["torch"]["reason"] == "worker exited with code 3 and no result"
    assert docs["fault-segv"]["frameworks"]["torch"]["reason"] == "worker killed by signal SIGSEGV"
    for name in ("fault-printer", "control-flow"):  # run by a worker started after the crashes
        assert docs[name]["frameworks"]["torch"]["status"] == "ok", name
        assert runs_of(docs[name], "torch", "eager")[0]["status"] == "ok", name


def test_each_scenario_names_the_worker_process_that_ran_it(faulty):
    pids = {name: {fw: info["worker_pid"] for fw, info in doc["frameworks"].items()}
            for name, doc in faulty["docs"].items()}
    assert len({p["jax"] for p in pids.values()}) == 1  # one jax worker ran all five
    torch = [pids[name]["torch"] for name in SCENARIOS]
    # hang, exit and segv each ended their worker; printer and control-flow shared the next one.
    assert len(set(torch[:3])) == 3 and torch[3] == torch[4] and torch[3] not in torch[:3]
    assert all(isinstance(pid, int) and pid > 0 for pid in torch)


def test_a_megabyte_per_call_is_kept_as_head_and_tail(faulty):
    doc = faulty["docs"]["fault-printer"]
    run = runs_of(doc, "torch", "eager")[0]
    assert len(run["printed"]) == run["calls"] == 3
    for lines in run["printed"]:
        text = "\n".join(lines)
        assert len(text) < 3 * runner.LOG_KEEP
        dropped = [line for line in lines if "bytes dropped" in line]
        assert dropped and int(dropped[0].split()[1]) > 900_000
    log = doc["frameworks"]["torch"]["log"]
    assert "bytes dropped" in log and len(log) < 3 * runner.LOG_KEEP


def test_a_log_goes_into_its_own_scenario_only(faulty):
    # control-flow ran in the same torch worker just after the printer: none of its output.
    assert "x" * 100 not in faulty["docs"]["control-flow"]["frameworks"]["torch"]["log"]
    assert os.path.getsize(faulty["out"] / "report.json") < 2_000_000


def test_verify_starts_torch_again_after_a_segfault_for_the_next_scenario(tree):
    result, left, scratch = run_in(tree, ["verify", "fault-segv", "control-flow", "--frameworks", "torch",
                                          "--json"], "verify")
    report = json.loads(result.stdout)
    assert result.returncode == report["exit_code"] == errors.FAILED
    crashed = [r for r in report["results"] if r["scenario"] == "fault-segv"]
    assert crashed and all(r["status"] == "crashed" for r in crashed)
    assert "SIGSEGV" in crashed[0]["detail"]
    forward = [r for r in report["results"] if r["scenario"] == "control-flow" and r["quantity"] == "forward"]
    assert forward and all(r["status"] == "pass" for r in forward)
    assert [w["status"] for w in report["workers"]["torch"]["workers"]] == ["crashed", "ok"]
    assert left == [] and [n for n in scratch if n.startswith("lab-")] == []


# --- the runner's clock and labels, without workers --------------------------------------------------

class _Proc:
    def __init__(self, pid):
        self.pid = pid

    def poll(self):
        return None


def _worker(framework: str, fd: int) -> runner.Worker:
    return runner.Worker(framework, _Proc(0), "", "", fd, time.monotonic(), {})


def test_a_worker_clock_stops_while_it_waits_and_the_label_names_the_holder():
    read_fd, write_fd = os.pipe()
    holder, waiter = _worker("torch", -1), _worker("jax", read_fd)
    holder.holds_lock = True
    seen = []
    os.write(write_fd, b'{"stage": "waiting", "detail": "for the timing lock", "wait": "lock"}\n')
    runner._read_progress(waiter, lambda *event: seen.append(event), workers=[holder, waiter])
    assert seen == [("jax", "waiting", "for the timing lock (held by torch)")]
    time.sleep(0.3)
    assert waiter.own_s(time.monotonic()) < 0.3 <= time.monotonic() - waiter.started
    os.write(write_fd, b'{"stage": "lock-held"}\n{"stage": "running", "detail": "control-flow"}\n')
    runner._read_progress(waiter, lambda *event: seen.append(event), workers=[holder, waiter])
    assert waiter.paused_since is None and waiter.paused_s >= 0.3 and waiter.holds_lock
    assert seen[-1] == ("jax", "running", "control-flow")
    os.close(read_fd)
    os.close(write_fd)


def test_a_restarted_worker_gets_the_scenarios_not_yet_done():
    compare = {"task": "compare", "scenarios": [{"scenario": n} for n in ("a", "b", "c")]}
    verify = {"task": "verify", "cases": {"a": "a.npz", "b": "b.npz", "c": "c.npz"}}
    assert runner._remaining(compare, {"a", "b"}) == dict(compare, scenarios=[{"scenario": "c"}])
    assert runner._remaining(verify, {"a"}) == dict(verify, cases={"b": "b.npz", "c": "c.npz"})
    assert runner._remaining(compare, {"a", "b", "c"}) is None
    assert runner._remaining({"task": "doctor"}, set()) is None  # nothing to hand on
