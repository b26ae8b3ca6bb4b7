"""The worker protocol (compare/protocol.py), without workers: a part's runs cross the file as
typed Runs, events survive a line split across reads, and the lab reads each part file once
(on its "result" event, or after the worker ended if the event never came)."""
import os
import time

import numpy as np

from compare import protocol
from compare.results import Run
from lab import runner


def _run(system: str, variant: str) -> Run:
    run = Run(system=system, framework="jax", variant=variant, mode="static", mode_name="jax.jit",
              function="naive", file="static_impl/jax/x.py", status="ok", compiles=np.int64(2))
    run.timing.first_call_s = 0.5
    run.timing.split["trace_s"] = np.float32(0.25)
    run.extra["steps"] = 3
    return run


def test_a_parts_runs_cross_the_file_typed(tmp_path):
    path = str(tmp_path / "jax.result.json.0")
    protocol.write(path, protocol.Part(scenario="s", status="ok", runs=[_run("jax-jit", "naive")]))
    part = protocol.read_part(path)
    (run,) = part["runs"]
    assert isinstance(run, Run) and run.compiles == 2 and run.timing.split == {"trace_s": 0.25}
    assert run.extra == {"steps": 3} and run.to_dict() == _run("jax-jit", "naive").to_dict()
    assert not os.path.exists(path + ".tmp")  # written atomically: temp file, then rename


def test_events_survive_a_line_split_across_reads():
    first, rest = protocol.events(protocol.event_line({"stage": "running"}).encode() + b'{"stage": "tim')
    assert first == [{"stage": "running"}] and rest == b'{"stage": "tim'
    second, rest = protocol.events(rest + b'ing"}\nnot json\n')
    assert second == [{"stage": "timing"}] and rest == b""


class _Ended:
    def __init__(self):
        self.pid, self.returncode, self.stdin = 4242, 0, None

    def poll(self):
        return 0


def test_each_part_file_is_read_once(tmp_path, monkeypatch):
    result = protocol.result_path(str(tmp_path), "jax")
    for index, name in enumerate(("a", "b")):
        protocol.write(protocol.part_path(result, index),
                       protocol.Part(scenario=name, status="ok", runs=[_run("jax-jit", name)]))
    protocol.write(result, protocol.WorkerEnd(framework="jax", status="ok", info={},
                                              emitted=protocol.part_paths(result)))
    reads = []
    monkeypatch.setattr(protocol, "read_part", lambda path, real=protocol.read_part: reads.append(path) or real(path))
    read_fd, write_fd = os.pipe()
    log = tmp_path / "jax.log"
    log.write_text("")
    worker = runner.Worker("jax", _Ended(), str(log), result, read_fd, time.monotonic(), {})
    seen = []
    # Only a's "result" event arrives; b's never does (the worker died before sending it).
    os.write(write_fd, protocol.event_line({"stage": "result", "detail": protocol.part_path(result, 0),
                                            "offset": 0}).encode())
    runner._read_progress(worker, None, lambda fw, part: seen.append(part["scenario"]))
    end = runner._finish(worker)
    assert seen == ["a"] and reads == [protocol.part_path(result, 0), protocol.part_path(result, 1)]
    assert sorted(end["scenarios"]) == ["a", "b"]
    assert all(isinstance(r, Run) for part in end["scenarios"].values() for r in part["runs"])
    os.close(read_fd)
    os.close(write_fd)


# --- lab compare's data flow, with the workers replaced by their ends ---------------------------------

def test_compare_loads_its_spec_once_and_puts_logs_only_where_asked(monkeypatch):
    """No worker starts: each framework's worker "ended" with a log and no scenario. Each spec is
    loaded once per command, and `frameworks.<fw>.log` is in the --json document with --verbose
    only (the document is built so, not stripped afterwards)."""
    from conftest import invoke
    from compare import discovery
    from lab import session
    from lab.strict_json import loads_strict

    def ended(frameworks, requests, **kwargs):
        return {fw: {"framework": fw, "status": "crashed", "reason": "test", "log": "printed",
                     "scenarios": {}, "worker_pid": 1} for fw in frameworks}, False
    monkeypatch.setattr(session, "run_workers", ended)
    loads = []
    monkeypatch.setattr(discovery, "load", lambda name, real=discovery.load: loads.append(name) or real(name))
    quiet = loads_strict(invoke(["compare", "control-flow", "--json"]).stdout)
    assert loads == ["control_flow"]
    assert quiet["frameworks"] and all("log" not in w for w in quiet["frameworks"].values())
    assert {r["status"] for r in quiet["runs"]} == {"crashed"} and quiet["exit_code"] == 1
    verbose = loads_strict(invoke(["compare", "control-flow", "--json", "--verbose"]).stdout)
    assert all(w["log"] == "printed" for w in verbose["frameworks"].values())
    assert dict(verbose, frameworks=None) == dict(quiet, frameworks=None, environment=verbose["environment"])
    # Several scenarios: the selection's specs, checked once, are the ones that run.
    from lab import options
    picked = options.scenarios(["control-flow", "debugger"])
    loads.clear()
    docs = session.run_many(picked.specs, systems_=["jax-jit"], repeats=1, device="cpu", threads=1,
                            timeout=5)
    assert loads == [] and [d.scenario for d in docs] == ["control-flow", "debugger"]
