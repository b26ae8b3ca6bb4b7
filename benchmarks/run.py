#!/usr/bin/env python
"""Benchmarks of the lab itself: start-up, overhead against a floor, accuracy, scaling.

    .venv/bin/python benchmarks/run.py                  # all four parts (~7-10 min on 2 cores)
    .venv/bin/python benchmarks/run.py --quick          # fewer repetitions (~5 min)
    .venv/bin/python benchmarks/run.py --only startup   # one part (repeatable, or comma-separated)

Writes benchmarks/results.json and docs/benchmarks.md (a part not run this time keeps its
previous results there, with its own date). See benchmarks/README.md for what each part measures.
This file imports no framework: every framework runs in a subprocess.
"""
from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import platform
import pickle
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

import _bare  # noqa: E402

PY = sys.executable
PARTS = ("startup", "overhead", "accuracy", "scaling")
TARGET_SCENARIO = "control-flow"
SCALING_SCENARIO = "variable-length"
WORKING_LABELS = ("static", "eager", "compiled")
RESULTS = HERE / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"

CONFIG = {
    "full": {"startup_reps": 7, "startup_compare_reps": 3, "overhead_reps_target": 3,
             "overhead_reps_other": 1, "accuracy_reps": 7, "accuracy_solo_reps": 2,
             "sizes": [4, 8, 16, 32, 64], "scaling_budget_s": 40, "always_timeline": True},
    "quick": {"startup_reps": 3, "startup_compare_reps": 1, "overhead_reps_target": 1,
              "overhead_reps_other": 1, "accuracy_reps": 3, "accuracy_solo_reps": 1,
              "sizes": [4, 8, 16, 32, 64], "scaling_budget_s": 15, "always_timeline": False},
}
TARGETS = {"startup_s": 0.3, "overhead_ratio": 1.2, "accuracy_tol": 0.10}
LAB_TIMEOUT_S = 600
WORKER_TIMEOUT_S = 300


# ----------------------------------------------------------------------------- small helpers

def lab_cmd() -> list[str]:
    script = Path(PY).parent / "lab"
    return [str(script)] if script.exists() else [PY, "-m", "lab"]


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def iqr(xs):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return 0.0 if xs else None
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[2] - q[0]


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


def timed_run(cmd: list[str], env=None, timeout=LAB_TIMEOUT_S):
    """(wall seconds, CompletedProcess), stdout and stderr captured through pipes."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, proc


def table(title: str, headers: list[str], rows: list[list], notes: list[str] | None = None) -> dict:
    return {"title": title, "headers": headers, "rows": [[str(c) for c in r] for r in rows],
            "notes": notes or []}


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


def scenario_names() -> tuple[list[str], str | None]:
    """Names from `lab list --json`; falls back to the files in scenarios/ if that fails."""
    try:
        _, proc = timed_run(lab_cmd() + ["list", "--json"], timeout=60)
        return [row["name"] for row in json.loads(proc.stdout)], None
    except Exception as exc:  # noqa: BLE001 - a half-written scenario may break `lab list`
        names = sorted(p.stem.replace("_", "-") for p in (ROOT / "scenarios").glob("[!_]*.py"))
        return names, f"`lab list --json` failed ({exc}); using the files in scenarios/"


def lab_compare(scenario: str, extra: list[str] | None = None) -> dict:
    """One `lab compare SCENARIO --json` run: wall time and the document (or why not)."""
    wall, proc = timed_run(lab_cmd() + ["compare", scenario, "--json", *(extra or [])])
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return {"wall_s": wall, "doc": None, "rc": proc.returncode,
                "error": f"no JSON (exit {proc.returncode}): {tail(proc.stderr, 4)}"}
    return {"wall_s": wall, "doc": doc, "rc": proc.returncode, "error": None}


def run_bare(script: str, request: dict, workdir: str, tag: str) -> dict:
    """Run one bare worker; its wall time from outside, its own timings from its result file."""
    request = dict(request, result=os.path.join(workdir, f"{tag}.result.json"))
    req_path = os.path.join(workdir, f"{tag}.request.json")
    with open(req_path, "w") as fh:
        json.dump(request, fh)
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


def start_bare(script: str, request: dict, workdir: str, tag: str):
    request = dict(request, result=os.path.join(workdir, f"{tag}.result.json"))
    req_path = os.path.join(workdir, f"{tag}.request.json")
    with open(req_path, "w") as fh:
        json.dump(request, fh)
    env = _bare.bare_env(request["framework"], request.get("threads", 1))
    return subprocess.Popen([PY, str(HERE / script), req_path], cwd=str(ROOT), env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL), request["result"]


def working_run(doc: dict, fw: str) -> dict | None:
    for run in doc.get("runs", []):
        if run["framework"] == fw and run["variant"] in WORKING_LABELS and run["status"] == "ok" \
                and run["timing"].get("steady_median_s"):
            return run
    return None


# ----------------------------------------------------------------------------- part 1: start-up

def first_output(cmd: list[str], marker: bytes, timeout: float = LAB_TIMEOUT_S) -> dict:
    """Run cmd with stdout and stderr on two pseudo-terminals (as in a shell) and time the first
    byte on each, the moment `marker` appears on stdout, the last stdout byte and the exit."""
    fds = {}
    slaves = []
    for name in ("stdout", "stderr"):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 140, 0, 0))
        fds[master] = name
        slaves.append(slave)
    env = dict(os.environ, TERM=os.environ.get("TERM") or "xterm-256color")
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
            if name == "stdout":
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


def import_breakdown(args: list[str], top: int = 6) -> list[tuple[str, float]]:
    """Top-level imports (cumulative seconds) of `python -X importtime -m lab ARGS`, largest first.

    Lazily imported modules (imported inside a function) show up as top-level entries too."""
    proc = subprocess.run([PY, "-X", "importtime", "-m", "lab", *args], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=60)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        name = parts[2]
        if name.startswith("  "):  # nested: counted in its top-level parent
            continue
        rows.append((name.strip(), int(parts[1]) / 1e6))
    rows.sort(key=lambda r: -r[1])
    return rows[:top]


def part_startup(cfg: dict) -> dict:
    reps = cfg["startup_reps"]
    lab = lab_cmd()
    cmds = {
        "python -c pass": [PY, "-c", "pass"],
        'python -c "import typer, rich"': [PY, "-c", "import typer, rich"],
        "lab --help": lab + ["--help"],
        "lab list": lab + ["list"],
    }
    walls = {k: [] for k in cmds}
    compare = []
    for rep in range(reps):
        log(f"start-up: repetition {rep + 1}/{reps}")
        for name, cmd in cmds.items():
            wall, proc = timed_run(cmd, timeout=60)
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed: {tail(proc.stderr)}")
            walls[name].append(wall)
        if rep < cfg["startup_compare_reps"]:
            compare.append(first_output(lab + ["compare", TARGET_SCENARIO], TARGET_SCENARIO.encode()))
    base = median(walls['python -c "import typer, rich"'])
    rows, targets = [], []
    for name, ws in walls.items():
        m = median(ws)
        ok = (m <= TARGETS["startup_s"]) if name.startswith("lab") else None
        rows.append([name, fmt_s(m), fmt_s(min(ws)), fmt_x(m / base), verdict(ok)])
        if ok is not None:
            targets.append({"part": "startup", "what": f"{name} <= {TARGETS['startup_s']} s",
                            "measured": f"{fmt_s(m)} (median of {reps})", "pass": ok})
    fo = {k: [c[k] for c in compare] for k in compare[0]}
    first_m = median(fo["first_stdout_s"])
    rows.append([f"lab compare {TARGET_SCENARIO}: first stdout byte", fmt_s(first_m),
                 fmt_s(min(x for x in fo["first_stdout_s"] if x is not None)), fmt_x(first_m / base), "-"])
    rows.append([f"↳ lesson panel on screen", fmt_s(median(fo["marker_s"])),
                 "-", fmt_x((median(fo["marker_s"]) or 0) / base), "-"])
    rows.append([f"↳ first stderr byte (progress board)",
                 fmt_s(median(fo["first_stderr_s"])), "-", "-", "-"])
    rows.append([f"↳ results (last stdout byte)",
                 fmt_s(median(fo["last_stdout_s"])), "-", "-", "-"])
    rows.append([f"↳ exit", fmt_s(median(fo["wall_s"])), "-", "-", "-"])
    lesson_early = all(c["marker_s"] is not None and c["last_stdout_s"] is not None
                       and c["marker_s"] + 1.0 < c["last_stdout_s"] for c in compare)
    notes = [f"Medians of {reps} repetitions ({len(compare)} for `lab compare`), commands interleaved; ratio = median / median of "
             f"`python -c \"import typer, rich\"` ({fmt_s(base)}). `lab compare` runs with stdout and "
             "stderr on pseudo-terminals, as in a shell.",
             "Lesson panel printed before the workers finish (>= 1 s before the results): "
             + ("yes, in every repetition" if lesson_early else "NO, not in every repetition")]
    imports = {}
    for name, args in (("lab list", ["list"]), ("lab --help", ["--help"])):
        try:
            imports[name] = import_breakdown(args)
        except Exception as exc:  # noqa: BLE001
            imports[name] = [(f"(failed: {exc})", 0.0)]
    for name, rows_ in imports.items():
        ok = next((t["pass"] for t in targets if t["what"].startswith(name + " ")), True)
        line = ", ".join(f"{mod} {ms * 1e3:.0f} ms" for mod, ms in rows_)
        notes.append(("Largest imports" if ok else "MISS - largest imports") + f" of `{name}` "
                     f"(python -X importtime, one run): {line}")
    return {"repetitions": reps, "walls_s": walls, "compare_first_output": compare,
            "lesson_before_results": lesson_early, "imports": imports, "targets": targets,
            "tables": [table("Part 1 - start-up", ["command", "median", "min", "/ import typer,rich",
                                                    "target <= 0.3 s"], rows, notes)]}


# ----------------------------------------------------------------------------- part 2: overhead

def floor_requests(doc: dict, scenario: str) -> dict[str, dict]:
    """One floor request per framework that ran, doing the work the lab's document reports."""
    warmup = doc.get("environment", {}).get("timing_policy", {}).get("warmup_calls", 2)
    requests = {}
    for fw, info in doc.get("frameworks", {}).items():
        if info.get("status") != "ok":
            continue
        variants = []
        for run in doc["runs"]:
            if run["framework"] != fw:
                continue
            t = run.get("timing") or {}
            n = t.get("block_calls")
            samples = len(t.get("samples_s") or []) or t.get("repeats") or 0
            variants.append({"label": run["variant"], "attr": run["function"],
                             "static": run["mode"] == "static",
                             "steady_calls": n * samples + warmup if n else 0,
                             "calibration_calls": 2 * n - 1 if n else 0,
                             "steady_median_s": t.get("steady_median_s")})
        requests[fw] = {"framework": fw, "scenario_module": scenario.replace("-", "_"),
                        "seed": doc.get("seed", 0), "threads": 1, "variants": variants}
    return requests


def run_floors(requests: dict, workdir: str, concurrent: bool) -> dict:
    floors = {fw: run_bare("floor_worker.py", req, workdir, f"floor-{fw}") for fw, req in requests.items()}
    out = {"floors": floors, "concurrent_wall_s": None}
    if concurrent and requests:
        start = time.perf_counter()
        procs = [start_bare("floor_worker.py", req, workdir, f"conc-{fw}") for fw, req in requests.items()]
        for p, _ in procs:
            try:
                p.wait(timeout=WORKER_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
        out["concurrent_wall_s"] = time.perf_counter() - start
        out["concurrent_ok"] = all(p.returncode == 0 for p, _ in procs)
    return out


def timeline(scenario: str) -> dict:
    """An in-process lab.session.compare with a progress callback: when each worker reached each
    stage, and how long each variant took inside the timed section (as the parent saw the events).
    Framework-free here: the workers are still subprocesses."""
    from lab import session  # imported only here: other parts must not depend on lab internals
    events = []
    t0 = time.perf_counter()

    def on_progress(fw, stage, detail):
        events.append((time.perf_counter() - t0, fw, stage, detail or ""))
    doc = session.compare(scenario, frameworks=list(_bare.FRAMEWORKS),
                          modes={"tensorflow": ["static"], "jax": ["static"], "torch": ["dynamic"]},
                          repeats=5, device="cpu", threads=1, timeout=300.0, on_progress=on_progress)
    total = time.perf_counter() - t0
    phases = {}
    for fw, info in doc["frameworks"].items():
        seen, variants, order = {}, {}, []
        for t, f, stage, detail in events:
            if f != fw:
                continue
            seen.setdefault(stage, t)
            seen["_last"] = t
            if stage in ("tracing", "calling", "timing"):
                label = detail.split(" call ")[0] if stage != "timing" else detail
                if label not in variants:
                    variants[label] = t
                    order.append(label)
        import_s = (info.get("info") or {}).get("import_s") or 0.0
        t_start, t_imp, t_run, t_done = (seen.get(k) for k in ("starting", "importing", "running", "done"))
        if None in (t_start, t_imp, t_run, t_done):
            phases[fw] = {"incomplete": True, "events": seen}
            continue
        ends = [variants[label] for label in order[1:]] + [t_done]
        phases[fw] = {
            "interpreter_start_s": t_start,
            "harness_import_s": t_imp - t_start,
            "framework_import_s": import_s,
            # Import barrier (if the lab has one) and timing lock together.
            "lock_wait_s": max(0.0, t_run - t_imp - import_s),
            "timed_section_s": t_done - t_run,
            "exit_s": max(0.0, seen["_last"] - t_done),
            "t_running": t_run, "t_done": t_done, "t_exit": seen["_last"],
            "t_import_end": seen.get("waiting", t_imp + import_s),
            "variants_s": {label: end - variants[label] for label, end in zip(order, ends)},
        }
    complete = {fw: p for fw, p in phases.items() if not p.get("incomplete")}
    for fw, p in complete.items():
        # How much of this worker's timed section ran while another worker was busy on the CPU:
        # importing (from spawn to the end of its import) or exiting (its 'done' event to its
        # exit: interpreter teardown, CPU-bound). Unions of intervals, in seconds.
        imports = [(0.0, q["t_import_end"]) for o, q in complete.items() if o != fw]
        exits = [(q["t_done"], q["t_exit"]) for o, q in complete.items() if o != fw]
        p["timed_while_others_import_s"] = _overlap((p["t_running"], p["t_done"]), imports)
        p["timed_while_others_exit_s"] = _overlap((p["t_running"], p["t_done"]), exits)
    workers_end = max((p["t_exit"] for p in complete.values()), default=0.0)
    path = {}
    if complete:
        ps = list(complete.values())
        last_done = max(p["t_done"] for p in ps)
        timed = sum(p["timed_section_s"] for p in ps)
        path = {"imports_done_s": max(p["t_import_end"] for p in ps),
                "first_lock_s": min(p["t_running"] for p in ps),
                "timed_sum_s": timed,
                "handover_gaps_s": max(0.0, last_done - min(p["t_running"] for p in ps) - timed),
                "tail_exit_s": workers_end - last_done}
    return {"session_s": total, "after_workers_s": total - workers_end, "phases": phases,
            "critical_path": path}


def _overlap(span: tuple[float, float], intervals: list[tuple[float, float]]) -> float:
    """Length of the part of `span` covered by the union of `intervals`."""
    a, b = span
    cut = sorted((max(a, x), min(b, y)) for x, y in intervals if min(b, y) > max(a, x))
    total, end = 0.0, a
    for x, y in cut:
        x = max(x, end)
        if y > x:
            total += y - x
            end = y
    return total


def part_overhead(cfg: dict, only_scenarios: list[str] | None) -> dict:
    names, note = scenario_names()
    if only_scenarios:
        names = [n for n in names if n in only_scenarios]
    results, tables, targets, notes = {}, [], [], [note] if note else []
    summary_rows = []
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        for name in names:
            reps = cfg["overhead_reps_target"] if name == TARGET_SCENARIO else cfg["overhead_reps_other"]
            concurrent = name == TARGET_SCENARIO
            runs = []
            for rep in range(reps):
                log(f"overhead: {name} repetition {rep + 1}/{reps}")
                # The lab first: the floor repeats the work of this very run (its block sizes).
                lab = lab_compare(name)
                if lab["doc"] is None:
                    runs.append({"lab": lab})
                    break
                floors = run_floors(floor_requests(lab["doc"], name), workdir, concurrent and rep == 0)
                runs.append({"lab": lab, **floors})
            results[name] = summarise_overhead(name, runs)
            r = results[name]
            if r.get("error"):
                summary_rows.append([name, "FAILED", "-", "-", "-", "-", "-", "-"])
                notes.append(f"{name}: {r['error']}")
                continue
            ok = r["lab_over_parallel"] <= TARGETS["overhead_ratio"] if name == TARGET_SCENARIO else None
            summary_rows.append([name, fmt_s(r["lab_wall_s"]), fmt_s(r["sequential_floor_s"]),
                                 fmt_s(r["parallel_floor_s"]), fmt_s(r.get("concurrent_floor_s")),
                                 fmt_x(r["lab_over_sequential"]), fmt_x(r["lab_over_parallel"]),
                                 verdict(ok) if ok is not None else "-"])
            for n in r.get("notes", []):
                notes.append(f"{name}: {n}")
            if name == TARGET_SCENARIO:
                targets.append({"part": "overhead",
                                "what": f"lab compare {name} <= {TARGETS['overhead_ratio']}x parallel floor",
                                "measured": f"{fmt_x(r['lab_over_parallel'])} (median of {r['repetitions']})",
                                "pass": ok})
            over = r["lab_over_parallel"] > TARGETS["overhead_ratio"]
            if over or (name == TARGET_SCENARIO and cfg["always_timeline"]):
                log(f"overhead: {name} timeline (one in-process lab.session.compare run)")
                try:
                    r["timeline"] = timeline(name)
                except Exception as exc:  # noqa: BLE001 - lab internals may be mid-edit
                    r["timeline"] = {"error": repr(exc)}
                tables.extend(overhead_breakdown(name, r, over))
    notes.insert(0, "Floor = bare scripts (benchmarks/floor_worker.py) doing the lab's work: each variant on "
                    "each input, then block_calls*repeats + warm-up steady calls, taken from the lab's "
                    "JSON of the same repetition. sequential = sum of the bare scripts' wall times; "
                    "parallel = slowest start-up (interpreter + imports + exit) + sum of measured work; "
                    "concurrent = the three bare scripts launched together, no lock (measured once; only for "
                    f"{TARGET_SCENARIO}). Ratios are medians of per-repetition ratios.")
    notes.append(f"Scenarios over {TARGETS['overhead_ratio']}x (the target applies to {TARGET_SCENARIO} "
                 "only) get a breakdown below, from one extra in-process run with progress timestamps.")
    tables.insert(0, table("Part 2 - overhead against the floor",
                           ["scenario", "lab wall", "seq. floor", "par. floor", "concurrent floor",
                            "lab/seq", "lab/par", f"target <= {TARGETS['overhead_ratio']}x"],
                           summary_rows, notes))
    return {"scenarios": results, "targets": targets, "tables": tables}


def summarise_overhead(name: str, runs: list[dict]) -> dict:
    good = [r for r in runs if r.get("floors") is not None]
    if not good:
        err = runs[-1]["lab"]["error"] if runs else "not run"
        return {"error": err, "runs": runs}
    notes = []
    per_rep = []
    for r in good:
        floors = r["floors"]
        bad = {fw: f["error"] for fw, f in floors.items() if f.get("error")}
        if bad:
            notes.append(f"floor failed for {bad}")
            continue
        seq = sum(f["wall_s"] for f in floors.values())
        startups = {fw: f["wall_s"] - f["work_s"] for fw, f in floors.items()}
        work = sum(f["work_s"] for f in floors.values())
        par = max(startups.values()) + work
        worker_walls = [i.get("wall_s") or 0.0 for i in r["lab"]["doc"]["frameworks"].values()]
        per_rep.append({"lab": r["lab"]["wall_s"], "seq": seq, "par": par, "conc": r.get("concurrent_wall_s"),
                        "startups": startups, "parent_only": r["lab"]["wall_s"] - max(worker_walls, default=0.0),
                        "slowest_worker": max(worker_walls, default=0.0), "work": work})
    if not per_rep:
        return {"error": "; ".join(notes) or "no floor", "runs": runs}
    doc = good[-1]["lab"]["doc"]
    lab_status = {fw: i.get("status") for fw, i in doc["frameworks"].items()}
    if any(s != "ok" for s in lab_status.values()):
        notes.append(f"lab worker statuses {lab_status} (frameworks not ok have no floor)")
    if doc.get("exit_code"):
        notes.append(f"lab exit code {doc['exit_code']}")
    # Per-framework breakdown, medians over repetitions.
    fws = list(good[-1]["floors"])
    breakdown = {}
    for fw in fws:
        fl = [r["floors"][fw] for r in good if not r["floors"][fw].get("error")]
        labs = [r["lab"]["doc"]["frameworks"].get(fw, {}) for r in good]
        reqs = floor_requests(good[-1]["lab"]["doc"], name)[fw]["variants"]
        calib = sum((v["calibration_calls"] or 0) * (v["steady_median_s"] or 0) for v in reqs)
        breakdown[fw] = {
            "floor_wall_s": median([f["wall_s"] for f in fl]),
            "floor_import_s": median([f["import_s"] for f in fl]),
            "floor_startup_s": median([f["wall_s"] - f["work_s"] for f in fl]),
            "floor_work_s": median([f["work_s"] for f in fl]),
            "floor_exit_s": median([f["wall_s"] - f["script_s"] for f in fl]),
            "lab_worker_wall_s": median([i.get("wall_s") for i in labs]),
            "lab_import_s": median([(i.get("info") or {}).get("import_s") for i in labs]),
            "lab_calibration_est_s": calib,
            "floor_variants": fl[-1]["variants"] if fl else [],
        }
    lab_walls = [p["lab"] for p in per_rep]
    return {
        "repetitions": len(per_rep),
        "lab_wall_s": median(lab_walls), "lab_wall_samples_s": lab_walls,
        "sequential_floor_s": median([p["seq"] for p in per_rep]),
        "parallel_floor_s": median([p["par"] for p in per_rep]),
        "concurrent_floor_s": median([p["conc"] for p in per_rep]),
        "lab_over_sequential": median([p["lab"] / p["seq"] for p in per_rep]),
        "lab_over_parallel": median([p["lab"] / p["par"] for p in per_rep]),
        "lab_over_concurrent": median([p["lab"] / p["conc"] for p in per_rep if p["conc"]]),
        "lab_parent_only_s": median([p["parent_only"] for p in per_rep]),
        "lab_slowest_worker_s": median([p["slowest_worker"] for p in per_rep]),
        "floor_slowest_startup_s": median([max(p["startups"].values()) for p in per_rep]),
        "floor_work_s": median([p["work"] for p in per_rep]),
        "frameworks": breakdown, "notes": notes,
        "runs": [{"lab_wall_s": r["lab"]["wall_s"], "lab_frameworks": {
            fw: {k: v for k, v in i.items() if k in ("status", "wall_s")} | {"import_s": (i.get("info") or {}).get("import_s")}
            for fw, i in r["lab"]["doc"]["frameworks"].items()},
            "floors": r["floors"], "concurrent_wall_s": r.get("concurrent_wall_s")} for r in good],
    }


VARIANT_NOTE = ("lab per variant = from its first progress event to the next variant's (includes output "
                "checks, the steady-state autorange calibration, and for a failing variant the traceback "
                "analysis and its unfiltered re-run). Timestamps are taken when the parent reads the "
                "events, so spans under ~20 ms are only resolved to a scheduler tick (they show as "
                "multiples of ~4-8 ms).")


def overhead_breakdown(name: str, r: dict, over: bool) -> list[dict]:
    """Where the lab's time goes for one scenario: same-run split, per framework, per variant."""
    lab_wall, floor_par = r["lab_wall_s"], r["parallel_floor_s"]
    head = (f"OVER {TARGETS['overhead_ratio']}x - " if over else "") + \
        (f"lab wall {fmt_s(lab_wall)} = parent process alone {fmt_s(r['lab_parent_only_s'])} (CLI start-up, "
         f"spawning, code view, verdicts, JSON: lab wall minus the slowest worker's wall) + slowest worker "
         f"{fmt_s(r['lab_slowest_worker_s'])}. Parallel floor {fmt_s(floor_par)} = slowest bare start-up "
         f"{fmt_s(r['floor_slowest_startup_s'])} + all bare work {fmt_s(r['floor_work_s'])}. Lab - floor = "
         f"{fmt_s(lab_wall - floor_par)} ({fmt_x(r['lab_over_parallel'])}); medians of {r['repetitions']} "
         "repetition(s).")
    tl = r.get("timeline") or {}
    phases = tl.get("phases") or {}
    rows = []
    for fw, b in r["frameworks"].items():
        p = phases.get(fw) or {}
        rows.append([fw, fmt_s(b["floor_startup_s"]), fmt_s(b["floor_import_s"]), fmt_s(b["floor_exit_s"]),
                     fmt_s(b["floor_work_s"]), fmt_s(b["lab_import_s"]), fmt_s(p.get("lock_wait_s")),
                     fmt_s(p.get("timed_section_s")), fmt_s(p.get("exit_s")),
                     fmt_s(p.get("timed_while_others_import_s")), fmt_s(p.get("timed_while_others_exit_s")),
                     fmt_s(b["lab_worker_wall_s"])])
    notes = [head,
             "floor start-up = interpreter + imports + exit of the bare script (wall - work); floor exit = "
             "wall - the script's own run time (interpreter teardown after the last line, CPU-bound); lab import = "
             "the worker's own import timer (framework + setup + impl module; the three workers import at "
             "once on the shared cores). From the timeline run: timed section = the worker's "
             "measured work (all variants); wait = import done to timing lock taken (the import barrier, where the lab has one, plus the flock); exit = its 'done' event to the parent seeing it exit "
             "(interpreter teardown); timed during others' import / exit = part of the timed section while "
             "another worker was still importing / tearing down (both use a core)."]
    if tl.get("error"):
        notes.append(f"timeline failed: {tl['error']}")
    cp = tl.get("critical_path") or {}
    if cp:
        slow = max(r["frameworks"].values(), key=lambda b: b["floor_startup_s"])
        parts = {
            "imports (3 at once on the shared cores)": cp["imports_done_s"] - (slow["floor_startup_s"] - slow["floor_exit_s"]),
            "from the last import to the first timed section": cp["first_lock_s"] - cp["imports_done_s"],
            "timed work (lab sections vs bare work)": cp["timed_sum_s"] - r["floor_work_s"],
            "hand-overs between timed sections": cp["handover_gaps_s"],
            "last worker's exit after the last timed section": cp["tail_exit_s"],
            "parent process alone (same-run median)": r["lab_parent_only_s"],
            "the slowest bare script's exit, off the lab's path": -slow["floor_exit_s"],
        }
        notes.insert(1, (f"Critical path of the timeline run ({fmt_s(tl['session_s'])}): all imports done at "
                         f"{fmt_s(cp['imports_done_s'])} (bare: slowest interpreter + import "
                         f"{fmt_s(slow['floor_startup_s'] - slow['floor_exit_s'])}); timed sections "
                         f"{fmt_s(cp['timed_sum_s'])} back to back from {fmt_s(cp['first_lock_s'])} (bare work "
                         f"{fmt_s(r['floor_work_s'])}), hand-over gaps {fmt_s(cp['handover_gaps_s'])}; last worker "
                         f"exited {fmt_s(cp['tail_exit_s'])} after the last timed section. Lab minus floor, by "
                         "part: " + "; ".join(f"{k} {'+' if v >= 0 else '-'}{fmt_s(abs(v))}" for k, v in parts.items())
                         + "."))
    out = [table(f"Part 2 - {name}: per framework", ["framework", "floor start-up", "floor import",
                 "floor exit", "floor work", "lab import", "lab wait (barrier+lock)", "lab timed section",
                 "lab exit", "timed during others' import", "timed during others' exit", "lab worker wall"],
                 rows, notes)]
    vrows = []
    for fw, b in r["frameworks"].items():
        lab_v = (phases.get(fw) or {}).get("variants_s") or {}
        for v in b["floor_variants"]:
            lab_s = lab_v.get(v["label"])
            vrows.append([fw, v["label"], v.get("error") or "ok", fmt_s(v["work_s"]), fmt_s(lab_s),
                          fmt_s(lab_s - v["work_s"]) if lab_s is not None else "-",
                          fmt_x(lab_s / v["work_s"]) if lab_s and v["work_s"] else "-"])
    if phases:
        out.append(table(f"Part 2 - {name}: per variant (floor = last repetition, lab = timeline run)",
                         ["framework", "variant", "floor outcome", "floor work", "lab (timed section)",
                          "lab - floor", "lab / floor"], vrows,
                         [VARIANT_NOTE]))
    return out


class BareServer:
    """A persistent accuracy_worker.py process: one independent measurement per measure()."""

    def __init__(self, request: dict, workdir: str):
        req_path = os.path.join(workdir, f"acc-{request['framework']}.request.json")
        with open(req_path, "w") as fh:
            json.dump(request, fh)
        self.log = open(os.path.join(workdir, f"acc-{request['framework']}.log"), "w")
        self.proc = subprocess.Popen([PY, str(HERE / "accuracy_worker.py"), req_path], cwd=str(ROOT),
                                     env=_bare.bare_env(request["framework"], request.get("threads", 1)),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1)
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self.log.flush()
            raise RuntimeError(f"accuracy worker exited with {self.proc.returncode}: "
                               f"{tail(open(self.log.name).read(), 4)}")
        return json.loads(line)

    def measure(self) -> dict:
        self.proc.stdin.write("measure\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
        self.log.close()


def working_variants(scenario: str) -> dict[str, dict]:
    """{framework: {"attr", "static"}} of the working variant in the default mode."""
    out = {fw: {"attr": "forward", "static": fw != "torch"} for fw in _bare.FRAMEWORKS}
    try:
        from lab import discovery
        spec = discovery.get(scenario)
        for fw, (mode,) in discovery.DEFAULT_MODES.items():
            for label, attr in spec.variants(fw, mode).items():
                if label in WORKING_LABELS:
                    out[fw] = {"attr": attr, "static": mode == "static", "label": label}
    except Exception:  # noqa: BLE001 - the documented default
        pass
    return out


def bracketed(servers: dict, lab_args: list[str], fws: list[str]) -> dict:
    """Independent measurement, a lab run, independent again: the pair, side by side."""
    before = {fw: servers[fw].measure() for fw in fws}
    res = lab_compare(TARGET_SCENARIO, lab_args)
    after = {fw: servers[fw].measure() for fw in fws}
    out = {}
    for fw in fws:
        run = working_run(res["doc"], fw) if res["doc"] else None
        indep = (before[fw]["median_s"] + after[fw]["median_s"]) / 2
        indep_best = min(before[fw]["samples_s"] + after[fw]["samples_s"])
        t = run["timing"] if run else {}
        out[fw] = {"lab_s": t.get("steady_median_s"), "lab_iqr_s": t.get("steady_iqr_s"),
                   "lab_best_s": min(t["samples_s"]) if t.get("samples_s") else None,
                   "lab_block_calls": t.get("block_calls"),
                   "indep_s": indep, "indep_before_s": before[fw]["median_s"],
                   "indep_after_s": after[fw]["median_s"], "indep_best_s": indep_best,
                   "method": before[fw]["method"], "lab_error": None if run else (res["error"] or "no working run")}
    return out


def part_accuracy(cfg: dict) -> dict:
    reps = cfg["accuracy_reps"]
    fws = list(_bare.FRAMEWORKS)
    variants = working_variants(TARGET_SCENARIO)
    pairs: dict[str, list] = {fw: [] for fw in fws}
    solo: dict[str, list] = {fw: [] for fw in fws}
    errors, servers = [], {}
    diag = {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        try:
            log("accuracy: starting one bare measuring process per framework")
            for fw in fws:
                servers[fw] = BareServer({"framework": fw, "scenario_module": TARGET_SCENARIO.replace("-", "_"),
                                          "attr": variants[fw]["attr"], "static": variants[fw]["static"],
                                          "seed": 0, "threads": 1, "min_run_time": 0.2, "repeat": 5}, workdir)
            for rep in range(reps):
                log(f"accuracy: repetition {rep + 1}/{reps}")
                for fw, pair in bracketed(servers, [], fws).items():
                    pairs[fw].append(pair)
            missed = [fw for fw in fws if not within(ratio_median(pairs[fw]))]
            for rep in range(cfg["accuracy_solo_reps"] if missed else 0):
                for fw in missed:
                    log(f"accuracy: {fw} missed; solo lab run {rep + 1}/{cfg['accuracy_solo_reps']}")
                    solo[fw].append(bracketed(servers, ["--frameworks", fw], [fw])[fw])
        except Exception as exc:  # noqa: BLE001 - report what was measured so far
            errors.append(f"stopped early: {exc!r}")
        finally:
            for srv in servers.values():
                srv.close()
        if any(solo.values()):
            log("accuracy: timeline of one lab run (contention during timed sections)")
            try:
                diag = timeline(TARGET_SCENARIO)
            except Exception as exc:  # noqa: BLE001
                diag = {"error": repr(exc)}
    rows, targets, per_fw, notes = [], [], {}, []
    for fw in fws:
        ps = pairs[fw]
        ratios = [p["lab_s"] / p["indep_s"] for p in ps if p["lab_s"]]
        best = [p["lab_best_s"] / p["indep_best_s"] for p in ps if p["lab_best_s"]]
        solo_r = [p["lab_s"] / p["indep_s"] for p in solo[fw] if p["lab_s"]]
        drift = [abs(p["indep_after_s"] / p["indep_before_s"] - 1) for p in ps]
        m = median(ratios)
        ok = within(m)
        per_fw[fw] = {"variant": variants[fw], "pairs": ps, "solo_pairs": solo[fw], "ratios": ratios,
                      "ratios_best": best, "ratios_solo": solo_r, "ratio_median": m, "pass": ok}
        rng = f"{fmt_x(min(ratios))} .. {fmt_x(max(ratios))}" if ratios else "-"
        rows.append([fw, variants[fw]["attr"], fmt_s(median([p["lab_s"] for p in ps])),
                     fmt_s(median([p["indep_s"] for p in ps])), fmt_x(m), rng,
                     f"{100 * (iqr(ratios) or 0):.0f}%", fmt_x(median(best)),
                     f"{100 * (median([p['lab_iqr_s'] / p['lab_s'] for p in ps if p['lab_s']]) or 0):.0f}%",
                     f"{100 * (median(drift) or 0):.0f}%", fmt_x(median(solo_r)), verdict(ok)])
        targets.append({"part": "accuracy", "what": f"{fw}: lab steady median within ±10% of independent",
                        "measured": f"{fmt_x(m)} (median of {len(ratios)}; range {rng})", "pass": ok})
        if ok is False:
            ph = (diag.get("phases") or {}).get(fw) or {}
            why = f"MISS {fw}: lab/independent {fmt_x(m)}; lab run alone (--frameworks {fw}) {fmt_x(median(solo_r))}."
            busy = (ph.get("timed_while_others_import_s") or 0) + (ph.get("timed_while_others_exit_s") or 0)
            if ph.get("timed_section_s"):
                why += (f" In a timeline run, of its {fmt_s(ph['timed_section_s'])} timed section "
                        f"{fmt_s(ph['timed_while_others_import_s'])} ran while another worker was importing and "
                        f"{fmt_s(ph['timed_while_others_exit_s'])} while another worker was exiting "
                        "(interpreter teardown is CPU-bound; the timing lock is released before it).")
            solo_m = median(solo_r)
            if solo_m is not None and m is not None and abs(solo_m - 1) < abs(m - 1) \
                    and busy > 0.5 * (ph.get("timed_section_s") or float("inf")):
                why += (" Alone it is much closer to 1: the error comes from sharing the cores with the other "
                        "workers while timing.")
            elif median(drift) and median(drift) > TARGETS["accuracy_tol"]:
                why += (f" The independent measurement itself moved by {100 * median(drift):.0f}% between "
                        "just before and just after the lab run: the machine's load decides.")
            else:
                why += " Compare best/best (load-robust) to tell the measurement method from load."
            notes.append(why)
    notes = [f"{len(pairs['torch'])} repetitions. Each: an independent measurement in a bare process per "
             f"framework, then `lab compare {TARGET_SCENARIO} --json` (three workers, default options), then the "
             "independent measurement again; independent = mean of before and after. Methods: "
             + "; ".join(f"{fw}: {pairs[fw][0]['method']}" for fw in fws if pairs[fw]) + ". The bare "
             "processes have the lab's thread settings and stay up between measurements (no re-import).",
             "ratio = lab steady median / independent median (the target: 0.90x..1.10x); ratio IQR = spread "
             "of that ratio over repetitions; best/best = fastest lab block / fastest independent block "
             "(less sensitive to load); lab IQR = spread inside the lab's own samples; indep drift = "
             "|after/before - 1| of the independent measurement around one lab run (the machine's noise "
             "floor); solo/indep = the lab run with --frameworks <one> (only for misses)."] + notes + errors
    return {"repetitions": reps, "frameworks": per_fw, "timeline": diag, "targets": targets,
            "tables": [table(f"Part 3 - accuracy ({TARGET_SCENARIO}, working variant)",
                             ["framework", "function", "lab median", "indep. median", "lab/indep",
                              "range", "ratio IQR", "best/best", "lab IQR", "indep drift", "solo/indep",
                              "target ±10%"], rows, notes)]}


def ratio_median(pairs: list[dict]):
    return median([p["lab_s"] / p["indep_s"] for p in pairs if p["lab_s"]])


def within(ratio) -> bool | None:
    return None if ratio is None else abs(ratio - 1) <= TARGETS["accuracy_tol"]


# ----------------------------------------------------------------------------- part 4: scaling

def part_scaling(cfg: dict) -> dict:
    names, _ = scenario_names()
    skip = None
    if SCALING_SCENARIO not in names:
        skip = f"skipped: scenario '{SCALING_SCENARIO}' does not exist yet (scenarios: {', '.join(names)})"
    if skip is None:
        try:
            import importlib
            module_name = SCALING_SCENARIO.replace("-", "_")
            spec = importlib.import_module(f"scenarios.{module_name}")
            inputs, how = __import__("lengths").calls_for_sizes(spec, cfg["sizes"])
            variants = scaling_variants(spec)
        except Exception as exc:  # noqa: BLE001 - a scenario being written may be incomplete
            skip = f"skipped: cannot build inputs for '{SCALING_SCENARIO}': {type(exc).__name__}: {exc}"
    if skip:
        log(f"scaling: {skip}")
        return {"skipped": skip, "targets": [],
                "tables": [table("Part 4 - scaling", ["note"], [[skip]])]}
    per_fw = {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        path = os.path.join(workdir, "inputs.pkl")
        with open(path, "wb") as fh:
            pickle.dump(inputs, fh)
        for fw in _bare.FRAMEWORKS:
            log(f"scaling: {fw}, sizes {cfg['sizes']}")
            per_fw[fw] = run_bare("scaling_worker.py", {
                "framework": fw, "scenario_module": module_name, "seed": 0, "threads": 1,
                "inputs": path, "variants": variants[fw], "budget_s": cfg["scaling_budget_s"]},
                workdir, f"scale-{fw}")
    rows, notes = [], [f"Inputs: {how}. One bare process per framework; per size the implementation "
                       "module is re-imported and compile caches cleared. wall = all calls of the "
                       "variant, each synchronised; compiles = TF traces / XLA backend compiles / "
                       "Dynamo graphs. wall/N in ms per distinct length (flat = linear). A variant is not run at "
                       f"a larger N once its projected wall passes {cfg['scaling_budget_s']} s."]
    for fw, res in per_fw.items():
        if res.get("error"):
            notes.append(f"{fw}: worker failed: {res['error']}")
            continue
        for v in variants[fw]:
            cells = [fw, v["label"]]
            per_len = []
            for size in cfg["sizes"]:
                row = next((x for x in res["sizes"][str(size)] if x["label"] == v["label"]), None)
                if row is None:
                    cells.append("-")
                    continue
                if row.get("skipped"):
                    cells.append(f"skipped (~{fmt_s(row['projected_s'])} projected)")
                    continue
                cell = f"{row['compiles'] if row['compiles'] is not None else '-'} / {fmt_s(row['wall_s'])}" \
                       f" / {row['wall_s'] / size * 1e3:.1f}"
                if not row["error"]:
                    per_len.append(row["wall_s"] / size)
                if row["error"]:
                    cell += " (error)"
                    if size == cfg["sizes"][0]:
                        notes.append(f"{fw} {v['label']}: {row['error']} (after {row['calls']} calls)")
                elif row["wrong"]:
                    cell += f" ({row['wrong']} wrong)"
                cells.append(cell)
            cells.append(fmt_x(per_len[-1] / per_len[0]) if len(per_len) > 1 else "-")
            rows.append(cells)
    return {"inputs": how, "sizes": cfg["sizes"], "variants": variants, "frameworks": per_fw,
            "targets": [],
            "tables": [table(f"Part 4 - scaling ({SCALING_SCENARIO}): compiles / wall / wall÷N ms",
                             ["framework", "variant"] + [f"N={n}" for n in cfg["sizes"]] + ["wall/N last÷first"],
                             rows, notes)]}


def scaling_variants(spec) -> dict[str, list[dict]]:
    """Each framework's default-mode variants, as the lab would run them."""
    try:
        from lab import discovery
        scenario = discovery.get(spec.NAME)
        return {fw: [{"label": label, "attr": attr, "static": mode == "static"}
                     for label, attr in scenario.variants(fw, mode).items()]
                for fw, (mode,) in discovery.DEFAULT_MODES.items()}
    except Exception:  # noqa: BLE001 - fall back to the documented defaults
        table_ = getattr(spec, "VARIANTS", {"tensorflow": {"naive": "naive", "static": "forward"},
                                            "jax": {"naive": "naive", "static": "forward"},
                                            "torch": {"eager": "forward"}})
        return {fw: [{"label": label, "attr": attr, "static": fw != "torch"}
                     for label, attr in table_[fw].items()] for fw in _bare.FRAMEWORKS}


# ----------------------------------------------------------------------------- output

def to_markdown(results: dict) -> str:
    m = results["machine"]
    lines = ["# Benchmarks of the lab itself", "",
             "Generated by `benchmarks/run.py` (see `benchmarks/README.md`); raw numbers in "
             "`benchmarks/results.json`. Timings are from a shared machine: compare ratios measured "
             "side by side in one run, not absolute times across runs.", "",
             "| machine | |", "|---|---|",
             f"| CPU | {m['cpu']} |", f"| cores | {m['cores']} (usable: {m.get('cores_usable')}) |",
             f"| Python | {m['python']} |", f"| platform | {m['platform']} |",
             "| versions | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |", ""]
    targets = [t for p in PARTS for t in results["parts"].get(p, {}).get("targets", [])]
    if targets:
        lines += ["## Targets", "", "| part | target | measured | result |", "|---|---|---|---|"]
        lines += [f"| {t['part']} | {t['what']} | {t['measured']} | **{verdict(t['pass'])}** |" for t in targets]
        lines.append("")
    for p in PARTS:
        part = results["parts"].get(p)
        if not part:
            continue
        lines += [f"## {p}", "", f"Measured {part['date']} ({part['mode']} mode, load average "
                  f"{part['loadavg_before']} before, {part['loadavg_after']} after).", ""]
        for t in part["tables"]:
            lines += [f"**{t['title']}**", "", "| " + " | ".join(t["headers"]) + " |",
                      "|" + "---|" * len(t["headers"])]
            lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in t["rows"]]
            lines.append("")
            lines += [f"- {n}" for n in t["notes"]]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[],
                    help=f"run only these parts (repeat or comma-separate): {', '.join(PARTS)}")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (for trying it out)")
    ap.add_argument("--scenarios", default="", help="part 2 only: comma-separated scenario names")
    ap.add_argument("--no-write", action="store_true", help="print only; leave results.json and docs alone")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite docs/benchmarks.md from benchmarks/results.json")
    args = ap.parse_args(argv)
    only = [p.strip() for o in args.only for p in o.split(",") if p.strip()] or list(PARTS)
    bad = [p for p in only if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {bad}; valid: {', '.join(PARTS)}")
    if args.render:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(to_markdown(json.loads(RESULTS.read_text())))
        log(f"wrote {DOC.relative_to(ROOT)} from {RESULTS.relative_to(ROOT)}")
        return 0
    mode = "quick" if args.quick else "full"
    cfg = CONFIG[mode]
    results = {"machine": machine(), "parts": {}}
    if RESULTS.exists():
        try:
            results["parts"] = json.loads(RESULTS.read_text()).get("parts", {})
        except ValueError:
            pass
    funcs = {"startup": lambda: part_startup(cfg),
             "overhead": lambda: part_overhead(cfg, [s for s in args.scenarios.split(",") if s] or None),
             "accuracy": lambda: part_accuracy(cfg),
             "scaling": lambda: part_scaling(cfg)}
    started = time.perf_counter()
    for p in PARTS:
        if p not in only:
            continue
        load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
        t0 = time.perf_counter()
        try:
            part = funcs[p]()
        except Exception as exc:  # noqa: BLE001 - one broken part must not lose the others
            import traceback
            traceback.print_exc()
            part = {"error": repr(exc), "targets": [],
                    "tables": [table(f"{p}: failed", ["error"], [[repr(exc)]])]}
        part.update(date=datetime.datetime.now().isoformat(timespec="seconds"), mode=mode,
                    loadavg_before=load0, loadavg_after=" ".join(f"{x:.2f}" for x in os.getloadavg()),
                    duration_s=time.perf_counter() - t0)
        results["parts"][p] = part
        for t in part["tables"]:
            print_table(t)
        print()
    targets = [t for p in only for t in results["parts"][p].get("targets", [])]
    if targets:
        print_table(table("Targets", ["part", "target", "measured", "result"],
                          [[t["part"], t["what"], t["measured"], verdict(t["pass"])] for t in targets]))
    log(f"done in {time.perf_counter() - started:.0f} s")
    if not args.no_write:
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(to_markdown(results))
        log(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
