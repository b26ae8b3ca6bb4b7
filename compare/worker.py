"""Worker process: `python -m compare.worker REQUEST.json`. Imports exactly one framework.

A warm worker (LAB_WARM=1, started for a notebook kernel) stays up after its first request and
reads the path of the next one from stdin, one per line, until stdin closes; its framework stays
imported, while each request imports the implementation modules afresh (new functions, new
traces). The result goes to the file named in the request, never to stdout, so whatever the framework
prints (absl, oneDNN, XLA) cannot corrupt it. Progress goes as JSON lines to the fd in
LAB_PROGRESS_FD. The files, events and variables are declared in compare/protocol.py.
"""
from __future__ import annotations

import os
import sys
import time
import traceback

from compare import protocol, systems


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the lab dies, however it dies (even SIGKILL),
    so a worker is never left running with no one to read its result."""
    parent = os.environ.get(protocol.PARENT_PID)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != int(parent):  # the lab died before prctl took effect
        os._exit(1)


def _log_offset() -> int | None:
    """Where the worker's log (its stdout and stderr) stands, everything printed so far flushed:
    the runner gives each scenario its own slice of the log."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        return os.lseek(1, 0, os.SEEK_CUR)
    except (OSError, ValueError):
        return None


def _progress_writer():
    fd = os.environ.get(protocol.PROGRESS_FD)
    stream = os.fdopen(int(fd), "w", buffering=1) if fd else None

    def progress(stage: str, detail: str = "", wait: str | None = None) -> None:
        """One event; `wait` names what the worker now waits for (its clock stops meanwhile)."""
        if stream is None:
            return
        event = protocol.Event(t=time.time(), stage=stage, detail=detail)
        if wait:
            event["wait"] = wait
        if stage in ("scenario", "result"):
            event["offset"] = _log_offset()
        try:
            stream.write(protocol.event_line(event))
        except OSError:
            pass
    return progress


def serve(path: str, progress) -> None:
    """One request: run it, write its result file, then say "done" (a warm worker stays up)."""
    request: protocol.Request = protocol.read(path)
    progress("starting", request["framework"])
    task = request.get("task", "compare")
    emitted = []

    def emit(scenario: str, data: dict) -> None:
        """One scenario's result, on disk as soon as it is done (a later crash keeps it)."""
        path = protocol.part_path(request["result"], len(emitted))
        protocol.write(path, protocol.Part(data, scenario=scenario))
        emitted.append(path)
        progress("result", path)

    try:
        if task == "doctor":
            from compare.doctor_worker import probe
            result = probe(request, progress)
        elif task == "verify":
            from compare.verify_worker import verify
            result = verify(request, progress, emit)
        else:
            from compare.harness import run_scenarios
            result = run_scenarios(request, progress, emit)
    except ImportError as exc:
        missing = (getattr(exc, "name", None) or "").split(".")[0]
        # Its own framework missing is "unavailable"; anything else (another framework, which is
        # blocked in this process, or a module of the lab) is a crash to report.
        own = systems.FRAMEWORK_BY_NAME[request["framework"]].modules
        status = "unavailable" if missing in own else "crashed"
        result = {"framework": request["framework"], "status": status,
                  "reason": f"cannot import {missing or exc}: {exc}"}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which shows it
        unavailable = type(exc).__name__ == "DeviceUnavailable"
        result = {"framework": request["framework"],
                  "status": "unavailable" if unavailable else "crashed",
                  "reason": str(exc) if unavailable else traceback.format_exc(limit=8)}
    result["emitted"] = emitted
    protocol.write(request["result"], result)
    progress("done", result["status"])


def main(argv: list[str]) -> int:
    _die_with_parent()
    progress = _progress_writer()
    path = argv[0]
    while path:
        serve(path, progress)
        if os.environ.get(protocol.WARM) != "1":
            break
        path = sys.stdin.readline().strip()  # "" when the lab closes stdin: time to go
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: TensorFlow's takes ~1 s of CPU, which would overlap the next
    # worker's timed section. The result is already on disk.
    os._exit(code)
