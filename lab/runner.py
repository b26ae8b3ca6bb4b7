"""Start one worker process per framework, watch them, and collect plain results.

Workers start together (their imports overlap) and take turns for the timed part (an flock).
Any worker may be unavailable, crash, hang or be interrupted: its result says so and the others
are kept. Every worker runs in its own process group, which is killed on the way out, so no
child outlives the lab.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from compare.discovery import ROOT
from compare.systems import FRAMEWORK_BY_NAME
from lab.devices import worker_env

STDERR_TAIL_LINES = 15


@dataclass
class Worker:
    framework: str
    proc: subprocess.Popen
    log_path: str
    result_path: str
    progress_fd: int
    started: float
    buffer: bytes = b""
    stage: str = "starting"
    detail: str = ""
    result: dict | None = None
    stages: list = field(default_factory=list)


def _spawn(framework: str, request: dict, workdir: str, device: str, threads: int) -> Worker:
    request = dict(request, framework=framework,
                   result=os.path.join(workdir, f"{framework}.result.json"))
    req_path = os.path.join(workdir, f"{framework}.request.json")
    with open(req_path, "w") as fh:
        json.dump(request, fh)
    read_fd, write_fd = os.pipe()
    env = worker_env(framework, device, threads)
    env["LAB_PROGRESS_FD"] = str(write_fd)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    log_path = os.path.join(workdir, f"{framework}.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "compare.worker", req_path], cwd=str(ROOT), env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    return Worker(framework, proc, log_path, request["result"], read_fd, time.monotonic())


def _kill(worker: Worker) -> None:
    try:
        os.killpg(worker.proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        worker.proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def _tail(path: str, lines: int = STDERR_TAIL_LINES) -> list[str]:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]


def _finish(worker: Worker, status: str | None = None, reason: str | None = None) -> dict:
    """The worker's result, or a synthetic one saying how it ended."""
    if status is None and os.path.exists(worker.result_path):
        with open(worker.result_path) as fh:
            result = json.load(fh)
    else:
        code = worker.proc.returncode
        if status is None:
            status = "crashed"
            if code is not None and code < 0:
                reason = f"worker killed by signal {signal.Signals(-code).name}"
            else:
                reason = f"worker exited with code {code} and no result"
        result = {"framework": worker.framework, "status": status, "reason": reason}
    if result["status"] != "ok":
        result["stderr_tail"] = _tail(worker.log_path)
        result["last_stage"] = worker.stage
    if result["status"] == "unavailable":
        result["install"] = FRAMEWORK_BY_NAME[worker.framework].install
    # Per-scenario results written as each scenario finished: kept even if the worker died later.
    result["scenarios"] = {}
    index = 0
    while os.path.exists(f"{worker.result_path}.{index}"):
        try:
            with open(f"{worker.result_path}.{index}") as fh:
                part = json.load(fh)
            result["scenarios"][part["scenario"]] = part
        except (OSError, ValueError):
            pass
        index += 1
    result["wall_s"] = time.monotonic() - worker.started
    result["log"] = "".join(open(worker.log_path, errors="replace").read()) if os.path.exists(worker.log_path) else ""
    return result


def _read_progress(worker: Worker, on_progress, on_result=None) -> None:
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
        if event.get("stage") == "result":
            if on_result:
                try:
                    with open(event["detail"]) as fh:
                        on_result(worker.framework, json.load(fh))
                except (OSError, ValueError):
                    pass
            continue
        worker.stage, worker.detail = event.get("stage", ""), event.get("detail", "")
        worker.stages.append((time.monotonic() - worker.started, worker.stage))
        if on_progress:
            on_progress(worker.framework, worker.stage, worker.detail)


def run_workers(frameworks: list[str], requests: dict[str, dict], *, device: str, threads: int,
                timeout: float, on_progress=None, cancel=None, on_result=None) -> tuple[dict[str, dict], bool]:
    """Run requests[framework] in one worker per framework.

    `cancel` (a threading.Event) stops every worker when set, as Ctrl-C does when the runner is
    on the main thread. `on_result(framework, scenario_result)` is called as each scenario's
    result arrives. Returns ({framework: result}, interrupted); result["scenarios"] holds
    {scenario: its result} for every scenario the worker finished."""
    results: dict[str, dict] = {}
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="lab-") as workdir:
        common = {"lock": os.path.join(workdir, "timing.lock"), "device": device, "threads": threads,
                  "barrier": {"dir": workdir, "count": len(frameworks), "timeout": timeout}}
        workers = [_spawn(fw, dict(requests[fw], **common), workdir, device, threads)
                   for fw in frameworks]
        selector = selectors.DefaultSelector()
        for w in workers:
            selector.register(w.progress_fd, selectors.EVENT_READ, w)
        pending = list(workers)
        try:
            while pending:
                if cancel is not None and cancel.is_set():
                    raise KeyboardInterrupt
                for key, _ in selector.select(timeout=0.1):
                    _read_progress(key.data, on_progress, on_result)
                for w in list(pending):
                    if w.proc.poll() is not None:
                        _read_progress(w, on_progress, on_result)
                        results[w.framework] = _finish(w)
                    elif time.monotonic() - w.started > timeout:
                        _kill(w)
                        results[w.framework] = _finish(
                            w, "timeout", f"no result within --timeout {timeout:g} s "
                                          f"(last stage: {w.stage} {w.detail})".strip())
                    else:
                        continue
                    open(os.path.join(workdir, f"ready.{w.framework}"), "w").close()  # never block the rest
                    pending.remove(w)
                    selector.unregister(w.progress_fd)
                    if on_progress:
                        on_progress(w.framework, results[w.framework]["status"], "")
        except KeyboardInterrupt:
            interrupted = True
            for w in pending:
                _kill(w)
                results[w.framework] = _finish(w, "interrupted", "stopped by Ctrl-C")
        finally:
            for w in workers:
                if w.proc.poll() is None:
                    _kill(w)
                os.close(w.progress_fd)
            selector.close()
    return {fw: results[fw] for fw in frameworks if fw in results}, interrupted
