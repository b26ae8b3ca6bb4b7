"""Part 1, start-up: `lab --help`, `lab list`, and what `lab compare` shows when.

Targets, measured side by side with a bare `python -c "import typer, rich"` in the same run:
`lab list` within 1.3x of it (medians), and `lab compare`'s first output within 0.35 s.

Independent of the lab: it runs the `lab` command and Python, nothing else (no import of lab/ or
compare/). The lab's own modules are byte-compiled first (compileall), as an installed lab's are;
the bare import's typer and rich are read from their caches too.
"""
from __future__ import annotations

import os
import resource
import subprocess

from common import (PY, fmt_s, fmt_x, lab_cmd, log, median, on_pty, table, tail, target,
                    timed_run, verdict, ROOT)

SCENARIO = "control-flow"
BARE = 'python -c "import typer, rich"'
# The targets (issue 19): `lab list` within 1.3x of importing typer and rich in a bare Python, and
# the first output of `lab compare` (its lesson panel) within 0.35 s.
LIST_RATIO = 1.3
FIRST_OUTPUT_S = 0.35
# compare_reps: whole `lab compare` runs (the lesson, the board, the results); every repetition
# also starts one that is stopped (Ctrl-C) at its first output, a sample of the start-up alone.
CONFIG = {"full": {"reps": 7, "compare_reps": 3}, "quick": {"reps": 3, "compare_reps": 1}}
# Where the CLI process's own modules are; their bytecode caches decide ~0.1 s of its start-up.
PACKAGES = ("lab", "compare", "scenarios")


def compile_packages() -> tuple[bool, str]:
    """Byte-compile the lab's packages (what `pip install` does; the timings below then read the
    caches, as a user's install does), and say so, with PYTHONDONTWRITEBYTECODE as it is here."""
    proc = subprocess.run([PY, "-m", "compileall", "-q", *PACKAGES], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=300)
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE")
    cached = proc.returncode == 0
    state = "cached" if cached else f"NOT all cached (compileall: {tail(proc.stdout + proc.stderr)})"
    return cached, (f"bytecode {state}: {', '.join(PACKAGES)} compiled before timing, as an installed lab is "
            f"(PYTHONDONTWRITEBYTECODE={flag!r} here, which stops writing caches, not reading them)")


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


def run(cfg: dict, options) -> dict:
    reps = cfg["reps"]
    cached, bytecode = compile_packages()
    lab = lab_cmd()
    cmds = {
        "python -c pass": [PY, "-c", "pass"],
        BARE: [PY, "-c", "import typer, rich"],
        "lab --help": lab + ["--help"],
        "lab list": lab + ["list"],
        "lab list --json": lab + ["list", "--json"],
    }
    walls = {k: [] for k in cmds}
    cpus = {k: [] for k in cmds}  # user + system CPU seconds: what the load on a shared machine inflates least
    compare, starts = [], []
    for rep in range(reps):
        log(f"start-up: repetition {rep + 1}/{reps}")
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, proc = timed_run(cmd, timeout=60)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed: {tail(proc.stderr)}")
            walls[name].append(wall)
        starts.append(on_pty(lab + ["compare", SCENARIO], SCENARIO.encode(), stop_at_first_output=True))
        if rep < cfg["compare_reps"]:
            compare.append(on_pty(lab + ["compare", SCENARIO], SCENARIO.encode()))
    base = median(walls[BARE])
    rows, targets = [], []
    for name, ws in walls.items():
        m = median(ws)
        ok = (m <= LIST_RATIO * base) if name == "lab list" else None
        rows.append([name, fmt_s(m), fmt_s(min(ws)), fmt_s(max(ws)), fmt_x(m / base), verdict(ok)])
        if ok is not None:
            targets.append(target("startup", f"{name} <= {LIST_RATIO}x `{BARE}`",
                                  f"{fmt_x(m / base)}: {fmt_s(m)} vs {fmt_s(base)} (medians of {reps}, side by side; "
                                  f"{fmt_s(min(ws))} .. {fmt_s(max(ws))})", ok))
    fo = {k: [c[k] for c in compare] for k in compare[0]}
    first = [x for x in fo["first_stdout_s"] + [c["first_stdout_s"] for c in starts] if x is not None]
    first_m = median(first)
    first_ok = first_m is not None and first_m <= FIRST_OUTPUT_S
    rows.append([f"lab compare {SCENARIO}: first stdout byte", fmt_s(first_m), fmt_s(min(first, default=None)),
                 fmt_s(max(first, default=None)), fmt_x(first_m / base if first_m else None), verdict(first_ok)])
    targets.append(target("startup", f"lab compare first output <= {FIRST_OUTPUT_S} s",
                          f"{fmt_s(first_m)} (median of {len(first)}, {fmt_s(min(first, default=None))} .. "
                          f"{fmt_s(max(first, default=None))}; bare `{BARE}` {fmt_s(base)} in the same run; "
                          f"bytecode {'cached' if cached else 'NOT all cached'})",
                          first_ok))
    rows.append(["↳ lesson panel on screen", fmt_s(median(fo["marker_s"])), "-", "-",
                 fmt_x((median(fo["marker_s"]) or 0) / base), "-"])
    rows.append(["↳ first stderr byte (progress board)", fmt_s(median(fo["first_stderr_s"])), "-", "-", "-", "-"])
    rows.append(["↳ results (last stdout byte)", fmt_s(median(fo["last_stdout_s"])), "-", "-", "-", "-"])
    rows.append(["↳ exit", fmt_s(median(fo["wall_s"])), "-", "-", "-", "-"])
    lesson_early = all(c["marker_s"] is not None and c["last_stdout_s"] is not None
                       and c["marker_s"] + 1.0 < c["last_stdout_s"] for c in compare)
    notes = [f"Medians of {reps} repetitions, commands interleaved; `lab compare`'s first output: every "
             f"launch ({len(starts)} stopped at their first output, {len(compare)} run to the end; the rows "
             "below it from the whole runs); "
             f"ratio = median / median of `{BARE}` ({fmt_s(base)}); min and max show "
             "the machine's noise. `lab compare` runs with stdout and stderr on pseudo-terminals, as in a shell.",
             "CPU time (user + system, medians, the same runs): " + ", ".join(
                 f"{name} {fmt_s(median(c))}" for name, c in cpus.items())
             + f"; `lab list` / `{BARE}` = {fmt_x(median(cpus['lab list']) / median(cpus[BARE]))}.",
             bytecode + ".",
             "Lesson panel printed before the workers finish (>= 1 s before the results): "
             + ("yes, in every repetition" if lesson_early else "NO, not in every repetition")]
    imports = {}
    for name, args in (("lab list", ["list"]), ("lab --help", ["--help"])):  # compare: see its rows above
        try:
            imports[name] = import_breakdown(args)
        except Exception as exc:  # noqa: BLE001
            imports[name] = [(f"(failed: {exc})", 0.0)]
    for name, rows_ in imports.items():
        ok = next((t["pass"] for t in targets if t["what"].startswith(name + " <=")), True)
        line = ", ".join(f"{mod} {ms * 1e3:.0f} ms" for mod, ms in rows_)
        notes.append(("Largest imports" if ok else "MISS - largest imports") + f" of `{name}` "
                     f"(python -X importtime, one run): {line}")
    return {"repetitions": reps, "walls_s": walls, "cpu_s": cpus, "compare_first_output": compare,
            "compare_start_samples": starts, "bytecode": bytecode,
            "lesson_before_results": lesson_early, "imports": imports, "targets": targets,
            "tables": [table("Part 1 - start-up", ["command", "median", "min", "max", "/ import typer,rich",
                                                    "target"], rows, notes)]}
