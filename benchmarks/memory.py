"""Part 6, bounded capture: the CLI's peak memory when torch's forward prints 1 MB per call,
against its peak for the same command with nothing printed, side by side in one run.

Independent of the lab: it runs the lab's entry point (lab.cli:main) in a subprocess that
reports its own peak resident size at exit (the workers are other processes and not counted),
and makes torch print through a stand-in module on PYTHONPATH (the real torch, with
Tensor.sum printing 1 MB; control-flow's forward calls it on every call).
"""
from __future__ import annotations

import os
import tempfile

from common import PY, ROOT, fmt_x, log, median, spread, table, tail, target, timed_run

TARGET_RATIO = 3.0
CONFIG = {"full": {"reps": 3}, "quick": {"reps": 1}}
ARGS = ["control-flow", "--frameworks", "torch", "--repeats", "1"]
COMMANDS = {"compare --verbose": ["compare", *ARGS, "--verbose"],
            "report": ["report", *ARGS, "--out", "{out}"]}

# Found on the path past this folder, and loaded in this module's place.
PRINTER = (
    "import importlib.util, os, sys\n"
    "from importlib.machinery import PathFinder\n"
    "spec = PathFinder.find_spec('torch', [p for p in sys.path if os.path.abspath(p or '.')\n"
    "                                      != os.path.dirname(os.path.abspath(__file__))])\n"
    "real = sys.modules['torch'] = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(real)\n"
    "_sum = real.Tensor.sum\n"
    "def sum(self, *args, **kwargs):\n"
    "    print('x' * 1_000_000, flush=True)\n"
    "    return _sum(self, *args, **kwargs)\n"
    "real.Tensor.sum = sum\n"
)
# The lab's own entry point, reporting this process's peak resident size (kB) as it exits.
PEAK = ("import atexit, resource, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'PEAK_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        "sys.argv = ['lab'] + sys.argv[1:]\n"
        "from lab.cli import main\n"
        "main()\n")


def peak_kb(args: list[str], printer_dir: str | None) -> tuple[int | None, int, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + ([printer_dir] if printer_dir else [])), COLUMNS="120")
    _, proc = timed_run([PY, "-c", PEAK, *args], env=env)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("PEAK_KB=")]
    return (int(lines[-1].split("=")[1]) if lines else None), proc.returncode, proc.stderr


def run(cfg: dict, options) -> dict:
    rows, notes, targets = [], [], []
    with tempfile.TemporaryDirectory(prefix="lab-bench-mem-") as workdir:
        printer = os.path.join(workdir, "printer")
        os.makedirs(printer)
        with open(os.path.join(printer, "torch.py"), "w") as fh:
            fh.write(PRINTER)
        for name, template in COMMANDS.items():
            ratios, quiet_all, loud_all, sizes = [], [], [], {"quiet": [], "loud": []}
            for rep in range(cfg["reps"]):
                sides = ("quiet", "loud") if rep % 2 == 0 else ("loud", "quiet")
                peaks = {}
                for side in sides:
                    out = os.path.join(workdir, f"{side}-{rep}")
                    args = [a.format(out=out) for a in template]
                    log(f"memory: lab {name} ({side}, {rep + 1}/{cfg['reps']})")
                    peaks[side], rc, err = peak_kb(args, printer if side == "loud" else None)
                    if peaks[side] is None or rc not in (0, 3):
                        notes.append(f"lab {name} ({side}): exit {rc}: {tail(err, 3)}")
                    report = os.path.join(out, "report.json")
                    if os.path.exists(report):
                        sizes[side].append(os.path.getsize(report))
                if peaks["quiet"] and peaks["loud"]:
                    ratios.append(peaks["loud"] / peaks["quiet"])
                quiet_all.append(peaks["quiet"])
                loud_all.append(peaks["loud"])
            m = median(ratios)
            size = (f"{median(sizes['quiet']) / 1e3:.0f} kB / {median(sizes['loud']) / 1e3:.0f} kB"
                    if sizes["quiet"] and sizes["loud"] else "-")
            rows.append([f"lab {name}", f"{(median(quiet_all) or 0) / 1024:.0f} MB",
                         f"{(median(loud_all) or 0) / 1024:.0f} MB", fmt_x(m), spread(ratios), size])
            targets.append(target("memory", f"lab {name}: peak with a 1 MB-per-call printer <= "
                                            f"{TARGET_RATIO:g}x the quiet peak",
                                  f"{fmt_x(m)} (median of {len(ratios)}; {spread(ratios)})",
                                  None if m is None else m <= TARGET_RATIO))
    notes.insert(0, f"`lab ... {' '.join(ARGS)}`: peak resident size of the lab's own process "
                    "(getrusage at exit; workers not counted), without and with torch's Tensor.sum "
                    "printing 1 MB per call (control-flow's forward calls it on every call, the "
                    "steady-state loop included); the two sides alternate.")
    return {"tables": [table("Part 6 - bounded capture: the CLI's peak memory",
                             ["command", "quiet peak", "printing peak", "ratio", "range",
                              "report.json quiet / printing"], rows, notes)],
            "targets": targets}
