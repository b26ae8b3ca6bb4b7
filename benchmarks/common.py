"""What every part shares: paths, statistics, formatting, tables, subprocesses, the machine.

Independent of the lab: nothing here imports lab/ or compare/ (the parts that need the lab's
registry or discovery import it themselves), and no framework.
"""
from __future__ import annotations

import fcntl
import json
import os
import platform
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
LAB_TIMEOUT_S = 600
WORKER_TIMEOUT_S = 300

import _bare  # noqa: E402  (benchmarks/ is on sys.path: run.py puts it there)


# ----------------------------------------------------------------------------- statistics, text

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def iqr(xs):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return 0.0 if xs else None
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[2] - q[0]


def spread(xs) -> str:
    """min .. max of a list of ratios, for a table cell."""
    xs = [x for x in xs if x is not None]
    return f"{fmt_x(min(xs))} .. {fmt_x(max(xs))}" if xs else "-"


def fmt_s(x) -> str:
    if x is None:
        return "-"
    if x < 0:
        return "-" + fmt_s(-x)
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.1f} ms"
    return f"{x * 1e6:.1f} µs"


def fmt_x(x) -> str:
    return "-" if x is None else f"{x:.2f}x"


def verdict(ok) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = 6) -> str:
    return "\n".join([line for line in (text or "").splitlines() if line.strip()][-lines:])


def table(title: str, headers: list[str], rows: list[list], notes: list[str] | None = None) -> dict:
    return {"title": title, "headers": headers, "rows": [[str(c) for c in r] for r in rows],
            "notes": notes or []}


def target(part: str, what: str, measured: str, ok) -> dict:
    return {"part": part, "what": what, "measured": measured, "pass": ok}


def print_table(t: dict) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        Console = None
    if Console is not None:
        rt = Table(title=t["title"], title_justify="left")
        for h in t["headers"]:
            rt.add_column(h)
        for r in t["rows"]:
            rt.add_row(*[c.replace("[", "\\[") for c in r])
        # Wide enough for the tables when the output is a file or a pipe (rich assumes 80).
        con = Console(highlight=False, width=None if sys.stdout.isatty() else 220)
        con.print(rt)
        for n in t["notes"]:
            con.print(n, markup=False)
        return
    print(f"\n{t['title']}")
    widths = [max(len(h), *(len(r[i]) for r in t["rows"])) if t["rows"] else len(h)
              for i, h in enumerate(t["headers"])]
    print("  ".join(h.ljust(w) for h, w in zip(t["headers"], widths)))
    for r in t["rows"]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    for n in t["notes"]:
        print(n)


# ----------------------------------------------------------------------------- the machine

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for dist in ("typer", "rich", "numpy", "torch", "tensorflow-cpu", "tensorflow", "jax", "jaxlib"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return {"cpu": cpu, "cores": os.cpu_count(),
            "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions}


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, steal) clock ticks of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Noise:
    """How busy the machine was while a part ran: the load average before and after, and the
    share of the cores that other processes used (the machine's busy time from /proc/stat minus
    this process and its children, waited-for grandchildren included) and the hypervisor took
    (steal)."""

    def __init__(self):
        self.load0 = os.getloadavg()
        self.stat0, self.own0, self.t0 = _cpu_jiffies(), _own_cpu(), time.monotonic()

    def finish(self) -> dict:
        wall = time.monotonic() - self.t0
        stat1, own1 = _cpu_jiffies(), _own_cpu()
        out = {"loadavg_before": " ".join(f"{x:.2f}" for x in self.load0),
               "loadavg_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
               "other_cpu_share": None, "steal_share": None}
        if self.stat0 and stat1 and wall > 0:
            hz, cores = os.sysconf("SC_CLK_TCK"), os.cpu_count() or 1
            busy = (stat1[0] - self.stat0[0]) / hz
            out["other_cpu_share"] = max(0.0, busy - (own1 - self.own0)) / (wall * cores)
            out["steal_share"] = (stat1[1] - self.stat0[1]) / hz / (wall * cores)
        return out


def noise_line(part: dict) -> str:
    line = f"load average {part.get('loadavg_before')} before, {part.get('loadavg_after')} after"
    if part.get("other_cpu_share") is not None:
        line += (f"; other processes used {100 * part['other_cpu_share']:.0f}% of the "
                 f"{os.cpu_count()} cores while it ran, the hypervisor took {100 * part['steal_share']:.0f}%")
    return line


# ----------------------------------------------------------------------------- subprocesses

def lab_cmd() -> list[str]:
    script = Path(PY).parent / "lab"
    return [str(script)] if script.exists() else [PY, "-m", "lab"]


def timed_run(cmd: list[str], env=None, timeout=LAB_TIMEOUT_S):
    """(wall seconds, CompletedProcess), stdout and stderr captured through pipes."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, proc


def lab_json(args: list[str], timeout=LAB_TIMEOUT_S) -> dict:
    """One `lab ARGS` run whose stdout is JSON: wall time and the document (or why not)."""
    wall, proc = timed_run(lab_cmd() + args, timeout=timeout)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return {"wall_s": wall, "doc": None, "rc": proc.returncode,
                "error": f"no JSON (exit {proc.returncode}): {tail(proc.stderr, 4)}"}
    return {"wall_s": wall, "doc": doc, "rc": proc.returncode, "error": None}


def on_pty(cmd: list[str], marker: bytes | None = None, *, cols: int = 140, rows: int = 50,
           env: dict | None = None, timeout: float = LAB_TIMEOUT_S, stop_at_first_output: bool = False) -> dict:
    """Run cmd with stdout and stderr on two pseudo-terminals (as in a shell; stdin /dev/null)
    and time the first byte on each, the moment `marker` appears on stdout, the last stdout byte
    and the exit. `stop_at_first_output`: Ctrl-C as soon as stdout's first byte is in (a sample
    of the start-up alone)."""
    fds, slaves = {}, []
    for name in ("stdout", "stderr"):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        fds[master] = name
        slaves.append(slave)
    env = dict(os.environ if env is None else env, TERM=os.environ.get("TERM") or "xterm-256color",
               COLUMNS=str(cols), LINES=str(rows))
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL,
                            stdout=slaves[0], stderr=slaves[1])
    for s in slaves:
        os.close(s)
    first, last, buf, marker_s = {}, {}, b"", None
    while fds:
        ready, _, _ = select.select(list(fds), [], [], 0.5)
        now = time.perf_counter() - start
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its end
                data = b""
            if not data:
                os.close(fd)
                del fds[fd]
                continue
            name = fds[fd]
            first.setdefault(name, now)
            last[name] = now
            if stop_at_first_output and name == "stdout" and timeout != float("inf"):
                timeout = 0.0  # sent below, once: the lab's Ctrl-C path stops whatever it started
            if name == "stdout" and marker is not None:
                buf += data
                if marker_s is None and marker in buf:
                    marker_s = now
        if now > timeout and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # the lab's Ctrl-C path stops its workers
            timeout = float("inf")
        if proc.poll() is not None and not ready:
            for fd in list(fds):
                os.close(fd)
                del fds[fd]
    proc.wait()
    return {"first_stdout_s": first.get("stdout"), "first_stderr_s": first.get("stderr"),
            "marker_s": marker_s, "last_stdout_s": last.get("stdout"),
            "wall_s": time.perf_counter() - start, "rc": proc.returncode}


# ----------------------------------------------------------------------------- bare workers

def _request_file(request: dict, workdir: str, tag: str) -> tuple[dict, str]:
    request = dict(request, result=os.path.join(workdir, f"{tag}.result.json"))
    req_path = os.path.join(workdir, f"{tag}.request.json")
    with open(req_path, "w") as fh:
        json.dump(request, fh)
    return request, req_path


def run_bare(script: str, request: dict, workdir: str, tag: str) -> dict:
    """Run one bare worker; its wall time from outside, its own timings from its result file."""
    request, req_path = _request_file(request, workdir, tag)
    env = _bare.bare_env(request["framework"], request.get("threads", 1))
    try:
        wall, proc = timed_run([PY, str(HERE / script), req_path], env=env, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"wall_s": None, "error": f"timed out after {WORKER_TIMEOUT_S} s"}
    if proc.returncode != 0 or not os.path.exists(request["result"]):
        return {"wall_s": wall, "error": f"exit {proc.returncode}: {tail(proc.stderr, 4)}"}
    with open(request["result"]) as fh:
        out = json.load(fh)
    os.remove(request["result"])
    out["wall_s"] = wall
    out["error"] = None
    return out


def start_bare(script: str, request: dict, workdir: str, tag: str) -> subprocess.Popen:
    request, req_path = _request_file(request, workdir, tag)
    env = _bare.bare_env(request["framework"], request.get("threads", 1))
    return subprocess.Popen([PY, str(HERE / script), req_path], cwd=str(ROOT), env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def module_of(path: str) -> str:
    """'static_impl/jax/control_flow.py' -> 'static_impl.jax.control_flow'."""
    return path[:-3].replace("/", ".") if path.endswith(".py") else path.replace("/", ".")
