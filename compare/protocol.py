"""The worker protocol, both ends: what the lab (lab/runner.py) and a worker (compare/worker.py)
say to each other, declared once.

    lab                                         worker  (python -m compare.worker REQUEST)
    writes <name>.request.json (a Request) -->  reads it (a warm worker: the next path on stdin)
    reads the pipe in PROGRESS_FD        <--    one Event per line (JSON), as it goes
    reads <result>.<i> once, on its      <--    writes each scenario's Part there as soon as it
      "result" event (or after the end)           is done, then sends "result" with that path
    reads <result> (a WorkerEnd)         <--    writes it last, then sends "done"

Every file is written atomically (temp file, then rename), so a reader sees all of it or none.
Typed results cross as JSON: a part's runs are `compare.results.Run`s on both sides, turned into
dicts only here (`write` / `read_part`). Import-light: the CLI process reads this module.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Literal, TypedDict

from compare.results import Run

# Environment a worker is started with.
PROGRESS_FD = "LAB_PROGRESS_FD"  # the write end of the progress pipe
PARENT_PID = "LAB_PARENT_PID"    # the lab: the worker dies with it
WARM = "LAB_WARM"                # "1": stay up after the request, read the next path from stdin

Task = Literal["compare", "verify", "doctor"]


class Job(TypedDict, total=False):
    """One scenario of a compare request."""
    scenario: str
    systems: list[str]
    repeats: int
    seed: int


class Barrier(TypedDict):
    dir: str      # each worker marks itself ready here once imported (mark_ready)
    count: int    # how many workers to wait for
    timeout: float


class Request(TypedDict, total=False):
    task: Task
    framework: str
    result: str                  # where the WorkerEnd goes; parts go to <result>.<i>
    device: str
    threads: int
    lock: str                    # the timing flock's path
    barrier: Barrier
    import_under_lock: bool      # a restarted worker imports under the timing lock
    scenarios: list[Job]         # compare
    cases: dict[str, str]        # verify: {scenario: its cases .npz}
    systems: list[str]           # verify


class Event(TypedDict, total=False):
    """One line on the progress pipe. `wait` names what the worker now waits for (its clock stops
    meanwhile); `offset` is where its log stands (stages "scenario" and "result")."""
    t: float
    stage: str    # starting | importing | waiting | lock-held | lock-free | scenario | running |
                  # tracing | calling | timing | result | scenario done | done | ...
    detail: str   # for "result": the part's path
    wait: str     # "lock" | "imports"
    offset: int | None


class Part(TypedDict, total=False):
    """One scenario's result, written by the worker as soon as the scenario is done. The lab adds
    the worker that produced it and that scenario's slice of the log."""
    scenario: str
    status: str                  # ok | crashed (a lost part: timeout | interrupted too)
    runs: list[Run]              # compare
    info: dict
    wall_s: float
    reason: str
    exception: str
    variants: list[dict]         # verify
    outcomes: list[dict]         # verify: runs as dicts, read against EXPECTED
    worker_pid: int
    log: str
    stderr_tail: list[str]
    last_stage: str | None


class WorkerEnd(TypedDict, total=False):
    """The worker's last word (the lab synthesises one for a worker that died or overran)."""
    framework: str
    status: str                  # ok | unavailable | crashed | timeout | interrupted
    reason: str | None
    info: dict
    emitted: list[str]           # the part files it wrote, in order


def command(request_path: str) -> list[str]:
    return [sys.executable, "-m", "compare.worker", request_path]


def request_path(workdir: str, name: str) -> str:
    return os.path.join(workdir, f"{name}.request.json")


def result_path(workdir: str, name: str) -> str:
    return os.path.join(workdir, f"{name}.result.json")


def part_path(result: str, index: int) -> str:
    return f"{result}.{index}"


def part_paths(result: str) -> list[str]:
    """The part files on disk for this result, in the order they were written."""
    out = []
    while os.path.exists(part_path(result, len(out))):
        out.append(part_path(result, len(out)))
    return out


def mark_ready(barrier_dir: str, framework: str) -> None:
    """The import barrier: this framework's worker has imported (or the lab says it never will)."""
    open(os.path.join(barrier_dir, f"ready.{framework}"), "w").close()


def ready_count(barrier_dir: str) -> int:
    return sum(1 for name in os.listdir(barrier_dir) if name.startswith("ready."))


def event_line(event: Event) -> str:
    return json.dumps(event) + "\n"


def events(buffer: bytes) -> tuple[list[Event], bytes]:
    """The complete lines in `buffer` as events (a garbled line is skipped), and the rest."""
    *lines, rest = buffer.split(b"\n")
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out, rest


def write(path: str, data: dict) -> None:
    """Atomically: the reader sees the whole file or none. Typed results go as their to_dict()."""
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(data, fh, default=_plain)
    os.replace(tmp, path)


def _plain(value):
    """JSON for typed results (to_dict), numpy scalars, and anything else a run may hold."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    try:
        return value.item()
    except AttributeError:
        return str(value)


def read(path: str) -> Any:
    """A request or a worker's end; None if it is missing or unreadable (the worker died)."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def read_part(path: str) -> Part | None:
    """A scenario's part, its runs typed again (the one place they are read back)."""
    part = read(path)
    if part is not None and part.get("runs") is not None:
        part["runs"] = [Run.from_dict(r) for r in part["runs"]]
    return part
