"""Start one worker process per framework, watch them, and collect plain results.

Workers start together (their imports overlap) and take turns for the timed part (an flock).
Each worker's --timeout counts its own work: the clock stops while it waits for the others
(the import barrier, the timing lock), so a hung neighbour costs only its own results. A worker
that dies or overruns in the middle of a scenario is replaced by a fresh one for the scenarios
it had not reached. Every worker runs in its own process group, killed on the way out (and by
the kernel if the lab itself dies), so no child outlives the lab. What a worker is sent and
sends back (request, events, parts, end) is declared in compare/protocol.py; each part file is
read once.

Warm workers (`warm=True`, lab/api.py in a notebook kernel): a worker that finished its request
cleanly stays up, idle, and takes the next call's request for its framework (same device and
threads), so a second call pays no import. One that crashed, overran or was interrupted is
killed, and the next call starts a fresh one. They end on `shutdown()` or with this process.
"""
from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from compare import protocol
from compare.capture import head_and_tail
from compare.discovery import ROOT
from compare.systems import FRAMEWORK_BY_NAME
from lab import stopping
from lab.devices import worker_env

STDERR_TAIL_LINES = 15
LOG_KEEP = 32 * 1024        # bytes kept from each end of a worker's log, per scenario
TAIL_LINE_CHARS = 500       # one line of stderr_tail, at most

# Every live worker and scratch folder of this process, so any way out can end them (stop_all).
_LIVE: dict[int, "Worker"] = {}
_SCRATCH: set[str] = set()
# Idle warm workers, by (framework, device, threads), and the folder their logs live in.
_WARM: dict[tuple, "Worker"] = {}
_WARM_DIR: list[str] = []


@dataclass
class Worker:
    framework: str
    proc: subprocess.Popen
    log_path: str
    result_path: str
    progress_fd: int
    started: float
    request: protocol.Request
    buffer: bytes = b""
    stage: str = "starting"
    detail: str = ""
    result: dict | None = None
    stages: list = field(default_factory=list)
    waiting: str | None = None      # what it waits for ("lock", "imports"): its clock is stopped
    paused_since: float | None = None
    paused_s: float = 0.0
    holds_lock: bool = False
    current: str | None = None      # the scenario it is running
    slice_start: int = 0            # where that scenario's part of the log begins
    parts: dict = field(default_factory=dict)  # {scenario: its result}, as they arrive
    log_start: int = 0              # where this request's part of the log begins (warm reuse)
    served: bool = False            # a warm worker said "done": its result is on disk, it stays up
    read: set = field(default_factory=set)  # the part files already read (each is read once)

    def own_s(self, now: float) -> float:
        """Seconds of its own work: time since spawn less its waits for the other workers."""
        waited = self.paused_s + (now - self.paused_since if self.paused_since is not None else 0.0)
        return now - self.started - waited


def _write_request(framework: str, request: dict, workdir: str, name: str) -> tuple[protocol.Request, str]:
    request = protocol.Request(request, framework=framework,
                               result=protocol.result_path(workdir, name))
    req_path = protocol.request_path(workdir, name)
    protocol.write(req_path, request)
    return request, req_path


def _warm_dir() -> str:
    """Warm workers' logs outlive a call's scratch folder: they live here until shutdown()."""
    if not _WARM_DIR:
        _WARM_DIR.append(tempfile.mkdtemp(prefix="lab-warm-"))
        _SCRATCH.add(_WARM_DIR[0])
    return _WARM_DIR[0]


def _spawn(framework: str, request: dict, workdir: str, device: str, threads: int,
           attempt: int = 0, warm: bool = False) -> Worker:
    name = framework if attempt == 0 else f"{framework}.{attempt}"
    request, req_path = _write_request(framework, request, workdir, name)
    read_fd, write_fd = os.pipe()
    env = worker_env(framework, device, threads)
    env[protocol.PROGRESS_FD] = str(write_fd)
    env[protocol.PARENT_PID] = str(os.getpid())
    env[protocol.WARM] = "1" if warm else "0"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    log_path = os.path.join(_warm_dir() if warm else workdir, f"{name}.{time.time_ns()}.log" if warm else f"{name}.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            protocol.command(req_path), cwd=str(ROOT), env=env,
            stdin=subprocess.PIPE if warm else subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    worker = Worker(framework, proc, log_path, request["result"], read_fd, time.monotonic(), request)
    _LIVE[proc.pid] = worker
    return worker


def _reuse(idle: Worker, request: dict, workdir: str) -> Worker | None:
    """The next request, handed to an idle warm worker on its stdin; None if it has gone."""
    if idle.proc.poll() is not None:
        return None
    request, req_path = _write_request(idle.framework, request, workdir, idle.framework)
    try:
        idle.proc.stdin.write(req_path.encode() + b"\n")
        idle.proc.stdin.flush()
    except OSError:  # it died while idle
        return None
    worker = Worker(idle.framework, idle.proc, idle.log_path, request["result"], idle.progress_fd,
                    time.monotonic(), request, log_start=os.path.getsize(idle.log_path))
    worker.slice_start = worker.log_start
    _LIVE[idle.proc.pid] = worker
    return worker


def _start(framework: str, request: dict, workdir: str, device: str, threads: int, warm: bool) -> Worker:
    """A worker for this request: the idle warm one for this framework when there is one."""
    idle = _WARM.pop((framework, device, threads), None) if warm else None
    if idle is not None:
        worker = _reuse(idle, request, workdir)
        if worker is not None:
            return worker
        _retire(idle)
    return _spawn(framework, request, workdir, device, threads, warm=warm)


def _retire(worker: Worker) -> None:
    _kill(worker)
    _LIVE.pop(worker.proc.pid, None)
    _close(worker)
    if worker.proc.stdin is not None:
        try:
            worker.proc.stdin.close()
        except OSError:
            pass


def shutdown() -> int:
    """End every idle warm worker (lab.shutdown()); returns how many there were."""
    idle = list(_WARM.values())
    _WARM.clear()
    for worker in idle:
        _retire(worker)
    for path in list(_WARM_DIR):
        shutil.rmtree(path, ignore_errors=True)
        _SCRATCH.discard(path)
    _WARM_DIR.clear()
    return len(idle)


def _kill(worker: Worker) -> None:
    try:
        os.killpg(worker.proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        worker.proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def _close(worker: Worker) -> None:
    if worker.progress_fd >= 0:
        os.close(worker.progress_fd)
        worker.progress_fd = -1


def stop_all() -> None:
    """End every worker's process group and remove every scratch folder of this process: the
    way out for signals, errors and interpreter exit, wherever they land."""
    for worker in list(_LIVE.values()):
        _kill(worker)
        _LIVE.pop(worker.proc.pid, None)
    _WARM.clear()
    _WARM_DIR.clear()
    for path in list(_SCRATCH):
        shutil.rmtree(path, ignore_errors=True)
        _SCRATCH.discard(path)


atexit.register(stop_all)  # a notebook kernel's exit, or any other way out of the interpreter


def read_capped(path: str, start: int = 0, end: int | None = None, keep: int = LOG_KEEP) -> str:
    """Bytes [start, end) of a log (to its end by default), head and tail only (capture.py)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            end = size if end is None else min(end, size)
            return head_and_tail(fh, min(max(start, 0), end), end, keep)
    except OSError:
        return ""


def _tail(path: str, lines: int = STDERR_TAIL_LINES, start: int = 0) -> list[str]:
    try:
        size = os.path.getsize(path)
    except OSError:
        return []
    text = read_capped(path, max(start, size - LOG_KEEP), size)
    out = [line for line in text.splitlines() if line.strip()][-lines:]
    return [line if len(line) <= TAIL_LINE_CHARS else line[:TAIL_LINE_CHARS] + " [...]" for line in out]


def _death(worker: Worker) -> tuple[str, str]:
    code = worker.proc.returncode
    if code is not None and code < 0:
        return "crashed", f"worker killed by signal {signal.Signals(-code).name}"
    return "crashed", f"worker exited with code {code} and no result"


def _finish(worker: Worker, status: str | None = None, reason: str | None = None) -> dict:
    """The worker's result, or a synthetic one saying how it ended."""
    result = protocol.read(worker.result_path) if status is None else None
    if result is None:
        if status is None:
            status, reason = _death(worker)
        result = {"framework": worker.framework, "status": status, "reason": reason}
    if result["status"] != "ok":
        result["stderr_tail"] = _tail(worker.log_path, start=worker.log_start)
        result["last_stage"] = worker.stage
    if result["status"] == "unavailable":
        result["install"] = FRAMEWORK_BY_NAME[worker.framework].install
    # Per-scenario results written as each scenario finished: kept even if the worker died later.
    # Those whose "result" event never came are read now; the others were read on their event.
    for path in protocol.part_paths(worker.result_path):
        part = _read_part(worker, path)
        if part is not None and part.get("scenario") not in worker.parts:
            worker.parts[part["scenario"]] = protocol.Part(part, worker_pid=worker.proc.pid, log="")
    result["scenarios"] = dict(worker.parts)
    result["worker_pid"] = worker.proc.pid
    result["wall_s"] = time.monotonic() - worker.started
    # Startup output, for a worker that never reached a scenario (scenarios carry their own).
    result["log"] = (read_capped(worker.log_path, worker.log_start)
                     if worker.current is None and not worker.parts else "")
    return result


def _read_part(worker: Worker, path: str) -> protocol.Part | None:
    """A part file, the first time it is asked for; None after that (or if unreadable)."""
    if path in worker.read:
        return None
    part = protocol.read_part(path)
    if part is not None:  # written atomically: a file that is there reads whole
        worker.read.add(path)
    return part


def _keep_part(worker: Worker, part: protocol.Part, offset: int | None) -> protocol.Part:
    """A scenario's result with the worker that produced it and its own slice of the log."""
    part["worker_pid"] = worker.proc.pid
    part["log"] = read_capped(worker.log_path, worker.slice_start, offset)
    worker.parts[part["scenario"]] = part
    if worker.current == part["scenario"]:
        worker.current = None
    return part


def _lost_part(worker: Worker, result: dict) -> dict | None:
    """The scenario a worker was in when it died or overran: its own result, saying so."""
    if worker.current is None or worker.current in worker.parts:
        return None
    part = protocol.Part(scenario=worker.current, status=result["status"], reason=result.get("reason"),
                         stderr_tail=_tail(worker.log_path, start=worker.log_start),
                         last_stage=result.get("last_stage"))
    name = worker.current
    _keep_part(worker, part, None)
    worker.current = name  # still the one it died in: the others go to a fresh worker
    return part


def _remaining(request: dict, done: set[str]) -> dict | None:
    """The request narrowed to the scenarios not yet done, or None when none are left."""
    if request.get("scenarios"):
        left = [job for job in request["scenarios"] if job["scenario"] not in done]
        return dict(request, scenarios=left) if left else None
    if request.get("cases"):
        left = {name: path for name, path in request["cases"].items() if name not in done}
        return dict(request, cases=left) if left else None
    return None


def _waiting_detail(worker: Worker, workers: list[Worker]) -> str:
    """What a waiting worker waits for, named from the others' state."""
    if worker.waiting == "lock":
        holder = next((w.framework for w in workers if w.holds_lock and w is not worker), None)
        return "for the timing lock" + (f" (held by {holder})" if holder else "")
    slow = [w.framework for w in workers if w is not worker and w.proc.poll() is None
            and w.stage in ("starting", "importing")]
    return "for the other imports" + (f" ({', '.join(slow)})" if slow else "")


def _read_progress(worker: Worker, on_progress, on_result=None, workers=()) -> None:
    try:
        chunk = os.read(worker.progress_fd, 65536)
    except BlockingIOError:
        return
    except OSError:
        chunk = b""
    events, worker.buffer = protocol.events(worker.buffer + chunk)
    for event in events:
        now, stage = time.monotonic(), event.get("stage", "")
        wait = event.get("wait")
        if wait and worker.paused_since is None:
            worker.paused_since = now
        elif not wait and worker.paused_since is not None:
            worker.paused_s += now - worker.paused_since
            worker.paused_since = None
        worker.waiting = wait
        if stage in ("lock-held", "lock-free"):
            worker.holds_lock = stage == "lock-held"
            for other in workers:  # the waiters' labels name the holder
                if other.waiting == "lock" and other is not worker and on_progress:
                    on_progress(other.framework, "waiting", _waiting_detail(other, workers))
            continue
        if stage == "scenario":
            first = worker.current is None and not worker.parts
            worker.current = event.get("detail")
            worker.slice_start = worker.log_start if first else (event.get("offset") or 0)
            continue
        if stage == "result":
            part = _read_part(worker, event.get("detail", ""))
            if part is not None:
                _keep_part(worker, part, event.get("offset"))
                if on_result:
                    on_result(worker.framework, part)
            continue
        if stage == "done" and worker.proc.stdin is not None:
            worker.served = True
        worker.stage = stage
        worker.detail = _waiting_detail(worker, workers) if wait else event.get("detail", "")
        worker.stages.append((now - worker.started, worker.stage))
        if on_progress:
            on_progress(worker.framework, worker.stage, worker.detail)


def _merge(previous: dict | None, result: dict) -> dict:
    """One framework's result over all its workers: the last one's, every scenario kept."""
    if previous is None:
        return dict(result, workers=[_summary(result)])
    return dict(result, scenarios={**previous["scenarios"], **result["scenarios"]},
                workers=previous["workers"] + [_summary(result)])


def _summary(result: dict) -> dict:
    return {"pid": result["worker_pid"], "status": result["status"], "reason": result.get("reason")}


def run_workers(frameworks: list[str], requests: dict[str, dict], *, device: str, threads: int,
                timeout: float, on_progress=None, cancel=None, on_result=None,
                warm: bool = False) -> tuple[dict[str, dict], bool]:
    """Run requests[framework] in one worker per framework.

    `timeout` is each worker's budget of its own work. `cancel` (a threading.Event) stops every
    worker when set, as Ctrl-C does when the runner is on the main thread. `on_result(framework,
    scenario_result)` is called as each scenario's result arrives. Returns ({framework: result},
    interrupted); result["scenarios"] holds {scenario: its result} for every scenario a worker
    finished or died in, each with the `worker_pid` that produced it.

    `warm=True` reuses an idle warm worker per framework and leaves each worker that served its
    request cleanly up for the next call (see the module's docstring)."""
    results: dict[str, dict] = {}
    interrupted = False
    workdir = tempfile.mkdtemp(prefix="lab-")
    _SCRATCH.add(workdir)
    common = {"lock": os.path.join(workdir, "timing.lock"), "device": device, "threads": threads,
              "barrier": {"dir": workdir, "count": len(frameworks), "timeout": timeout}}
    selector = selectors.DefaultSelector()
    workers: list[Worker] = []
    kept: list[Worker] = []  # warm workers that served cleanly: idle in _WARM after this call
    try:
        for fw in frameworks:
            workers.append(_start(fw, dict(requests[fw], **common), workdir, device, threads, warm))
            selector.register(workers[-1].progress_fd, selectors.EVENT_READ, workers[-1])
        pending = list(workers)
        while pending:
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt
            for key, _ in selector.select(timeout=0.1):
                _read_progress(key.data, on_progress, on_result, pending)
            for w in list(pending):
                if w.served or w.proc.poll() is not None:
                    _read_progress(w, on_progress, on_result, pending)
                    result = _finish(w)
                elif w.own_s(time.monotonic()) > timeout:
                    _kill(w)
                    _read_progress(w, on_progress, on_result, pending)
                    result = _finish(w, "timeout", f"no result within --timeout {timeout:g} s of its own "
                                                   f"work (last stage: {w.stage} {w.detail})".strip())
                else:
                    continue
                pending.remove(w)
                selector.unregister(w.progress_fd)
                if w.served and result["status"] == "ok" and w.proc.poll() is None:
                    kept.append(w)
                else:
                    _retire(w)
                lost = _lost_part(w, result)
                if lost is not None:
                    result["scenarios"][lost["scenario"]] = lost
                    if on_result:
                        on_result(w.framework, lost)
                results[w.framework] = _merge(results.get(w.framework), result)
                rest = _remaining(w.request, set(results[w.framework]["scenarios"])) if lost else None
                if rest is not None:
                    # A fresh worker for the scenarios this one never reached; it imports under
                    # the timing lock, so its import never overlaps another worker's timing.
                    again = _spawn(w.framework, dict(rest, import_under_lock=True), workdir, device,
                                   threads, attempt=len(results[w.framework]["workers"]), warm=warm)
                    workers.append(again)
                    pending.append(again)
                    selector.register(again.progress_fd, selectors.EVENT_READ, again)
                    if on_progress:
                        on_progress(w.framework, "restarting", f"after {result['status']} in {lost['scenario']}")
                    continue
                protocol.mark_ready(workdir, w.framework)  # never block the rest
                if on_progress:
                    on_progress(w.framework, results[w.framework]["status"], "")
    except KeyboardInterrupt:
        interrupted = True
        for w in workers:
            if w not in kept and _LIVE.get(w.proc.pid) is w:
                _kill(w)
                _LIVE.pop(w.proc.pid, None)
                results[w.framework] = _merge(results.get(w.framework),
                                              _finish(w, "interrupted", f"stopped by {stopping.reason()}"))
    finally:
        for w in workers:
            if w in kept:  # idle now, its request served: the next call's worker
                _WARM[(w.framework, device, threads)] = w
            elif _LIVE.get(w.proc.pid) is w:
                _retire(w)
            elif w not in kept:
                _close(w)
        selector.close()
        shutil.rmtree(workdir, ignore_errors=True)
        _SCRATCH.discard(workdir)
    return {fw: results[fw] for fw in frameworks if fw in results}, interrupted


def _logged(run):
    """LAB_RUN_LOG=path: one JSON line per worker run (its frameworks, how many systems, its
    scenarios, wall time and the test that asked for it), so the test suite can count what its
    worker runs cost."""
    def logged(frameworks, requests, **kwargs):
        start = time.monotonic()
        try:
            return run(frameworks, requests, **kwargs)
        finally:
            first = requests[frameworks[0]] if frameworks else {}
            systems = {s for r in requests.values() for part in [r, *r.get("scenarios", [])]
                       for s in part.get("systems", [])}
            line = {"task": first.get("task"), "frameworks": list(frameworks), "systems": len(systems),
                    "scenarios": [s.get("scenario") for s in first.get("scenarios", [])]
                    or sorted(first.get("cases", {})), "wall_s": round(time.monotonic() - start, 2),
                    "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" (")[0]}
            with open(os.environ["LAB_RUN_LOG"], "a") as fh:
                fh.write(json.dumps(line) + "\n")
    return logged


if os.environ.get("LAB_RUN_LOG"):
    run_workers = _logged(run_workers)
