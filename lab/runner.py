"""Start one worker process per framework, watch them, and collect plain results.

Workers start together (their imports overlap) and take turns for the timed part (an flock).
Each worker's --timeout counts its own work: the clock stops while it waits for the others
(the import barrier, the timing lock), so a hung neighbour costs only its own results. A worker
that dies or overruns in the middle of a scenario is replaced by a fresh one for the scenarios
it had not reached. Every worker runs in its own process group, killed on the way out (and by
the kernel if the lab itself dies), so no child outlives the lab.
"""
from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

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


@dataclass
class Worker:
    framework: str
    proc: subprocess.Popen
    log_path: str
    result_path: str
    progress_fd: int
    started: float
    request: dict
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

    def own_s(self, now: float) -> float:
        """Seconds of its own work: time since spawn less its waits for the other workers."""
        waited = self.paused_s + (now - self.paused_since if self.paused_since is not None else 0.0)
        return now - self.started - waited


def _spawn(framework: str, request: dict, workdir: str, device: str, threads: int,
           attempt: int = 0) -> Worker:
    name = framework if attempt == 0 else f"{framework}.{attempt}"
    request = dict(request, framework=framework,
                   result=os.path.join(workdir, f"{name}.result.json"))
    req_path = os.path.join(workdir, f"{name}.request.json")
    with open(req_path, "w") as fh:
        json.dump(request, fh)
    read_fd, write_fd = os.pipe()
    env = worker_env(framework, device, threads)
    env["LAB_PROGRESS_FD"] = str(write_fd)
    env["LAB_PARENT_PID"] = str(os.getpid())
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    log_path = os.path.join(workdir, f"{name}.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "compare.worker", req_path], cwd=str(ROOT), env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    worker = Worker(framework, proc, log_path, request["result"], read_fd, time.monotonic(), request)
    _LIVE[proc.pid] = worker
    return worker


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


def _tail(path: str, lines: int = STDERR_TAIL_LINES) -> list[str]:
    try:
        size = os.path.getsize(path)
    except OSError:
        return []
    text = read_capped(path, max(0, size - LOG_KEEP), size)
    out = [line for line in text.splitlines() if line.strip()][-lines:]
    return [line if len(line) <= TAIL_LINE_CHARS else line[:TAIL_LINE_CHARS] + " [...]" for line in out]


def _read_json(path: str):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _death(worker: Worker) -> tuple[str, str]:
    code = worker.proc.returncode
    if code is not None and code < 0:
        return "crashed", f"worker killed by signal {signal.Signals(-code).name}"
    return "crashed", f"worker exited with code {code} and no result"


def _finish(worker: Worker, status: str | None = None, reason: str | None = None) -> dict:
    """The worker's result, or a synthetic one saying how it ended."""
    result = _read_json(worker.result_path) if status is None else None
    if result is None:
        if status is None:
            status, reason = _death(worker)
        result = {"framework": worker.framework, "status": status, "reason": reason}
    if result["status"] != "ok":
        result["stderr_tail"] = _tail(worker.log_path)
        result["last_stage"] = worker.stage
    if result["status"] == "unavailable":
        result["install"] = FRAMEWORK_BY_NAME[worker.framework].install
    # Per-scenario results written as each scenario finished: kept even if the worker died later.
    index = 0
    while os.path.exists(f"{worker.result_path}.{index}"):
        part = _read_json(f"{worker.result_path}.{index}")
        if part is not None and part.get("scenario") not in worker.parts:  # its event never came
            worker.parts[part["scenario"]] = dict(part, worker_pid=worker.proc.pid, log="")
        index += 1
    result["scenarios"] = dict(worker.parts)
    result["worker_pid"] = worker.proc.pid
    result["wall_s"] = time.monotonic() - worker.started
    # Startup output, for a worker that never reached a scenario (scenarios carry their own).
    result["log"] = read_capped(worker.log_path) if worker.current is None and not worker.parts else ""
    return result


def _keep_part(worker: Worker, part: dict, offset: int | None) -> dict:
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
    part = {"scenario": worker.current, "status": result["status"], "reason": result.get("reason"),
            "stderr_tail": _tail(worker.log_path), "last_stage": result.get("last_stage")}
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
    worker.buffer += chunk
    *lines, worker.buffer = worker.buffer.split(b"\n")
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
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
            worker.slice_start = 0 if first else (event.get("offset") or 0)
            continue
        if stage == "result":
            part = _read_json(event.get("detail", ""))
            if part is not None:
                _keep_part(worker, part, event.get("offset"))
                if on_result:
                    on_result(worker.framework, part)
            continue
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
                timeout: float, on_progress=None, cancel=None, on_result=None) -> tuple[dict[str, dict], bool]:
    """Run requests[framework] in one worker per framework.

    `timeout` is each worker's budget of its own work. `cancel` (a threading.Event) stops every
    worker when set, as Ctrl-C does when the runner is on the main thread. `on_result(framework,
    scenario_result)` is called as each scenario's result arrives. Returns ({framework: result},
    interrupted); result["scenarios"] holds {scenario: its result} for every scenario a worker
    finished or died in, each with the `worker_pid` that produced it."""
    results: dict[str, dict] = {}
    interrupted = False
    workdir = tempfile.mkdtemp(prefix="lab-")
    _SCRATCH.add(workdir)
    common = {"lock": os.path.join(workdir, "timing.lock"), "device": device, "threads": threads,
              "barrier": {"dir": workdir, "count": len(frameworks), "timeout": timeout}}
    selector = selectors.DefaultSelector()
    workers: list[Worker] = []
    try:
        for fw in frameworks:
            workers.append(_spawn(fw, dict(requests[fw], **common), workdir, device, threads))
            selector.register(workers[-1].progress_fd, selectors.EVENT_READ, workers[-1])
        pending = list(workers)
        while pending:
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt
            for key, _ in selector.select(timeout=0.1):
                _read_progress(key.data, on_progress, on_result, pending)
            for w in list(pending):
                if w.proc.poll() is not None:
                    _read_progress(w, on_progress, on_result, pending)
                    result = _finish(w)
                elif w.own_s(time.monotonic()) > timeout:
                    _kill(w)
                    _read_progress(w, on_progress, on_result, pending)
                    result = _finish(w, "timeout", f"no result within --timeout {timeout:g} s of its own "
                                                   f"work (last stage: {w.stage} {w.detail})".strip())
                else:
                    continue
                _LIVE.pop(w.proc.pid, None)
                pending.remove(w)
                selector.unregister(w.progress_fd)
                _close(w)
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
                                   threads, attempt=len(results[w.framework]["workers"]))
                    workers.append(again)
                    pending.append(again)
                    selector.register(again.progress_fd, selectors.EVENT_READ, again)
                    if on_progress:
                        on_progress(w.framework, "restarting", f"after {result['status']} in {lost['scenario']}")
                    continue
                open(os.path.join(workdir, f"ready.{w.framework}"), "w").close()  # never block the rest
                if on_progress:
                    on_progress(w.framework, results[w.framework]["status"], "")
    except KeyboardInterrupt:
        interrupted = True
        for w in workers:
            if w.proc.pid in _LIVE:
                _kill(w)
                _LIVE.pop(w.proc.pid, None)
                results[w.framework] = _merge(results.get(w.framework),
                                              _finish(w, "interrupted", f"stopped by {stopping.reason()}"))
    finally:
        for w in workers:
            if w.proc.pid in _LIVE:
                _kill(w)
                _LIVE.pop(w.proc.pid, None)
            _close(w)
        selector.close()
        shutil.rmtree(workdir, ignore_errors=True)
        _SCRATCH.discard(workdir)
    return {fw: results[fw] for fw in frameworks if fw in results}, interrupted
