"""Part 8, the lecture notebook: docs/lecture.ipynb executed top to bottom with nbclient (as
tests/test_notebook.py does), its wall time against the 60 s target, and the CPU time it used
(kernel and workers), so a run on a loaded machine can be read for what it cost.

Independent of the lab: notebook_run.py only executes the notebook.
"""
from __future__ import annotations

import json
import os
import tempfile

from common import HERE, PY, fmt_s, log, median, table, target, timed_run

TARGET_S = 60.0
CONFIG = {"full": {"reps": 3}, "quick": {"reps": 1}}


def run(cfg: dict, options) -> dict:
    samples = []
    with tempfile.TemporaryDirectory(prefix="lab-bench-nb-") as workdir:
        for rep in range(cfg["reps"]):
            log(f"notebook: docs/lecture.ipynb with nbclient ({rep + 1}/{cfg['reps']})")
            path = os.path.join(workdir, f"nb-{rep}.json")
            load0 = os.getloadavg()[0]
            _, proc = timed_run([PY, str(HERE / "notebook_run.py"), path])
            try:
                with open(path) as fh:
                    sample = json.load(fh)
            except (OSError, ValueError):
                raise RuntimeError(f"notebook_run.py: no result (exit {proc.returncode}): {proc.stderr[-800:]}") from None
            sample["load1"] = load0
            samples.append(sample)
    rows = [[str(i + 1), fmt_s(s["wall_s"]), fmt_s(s["cpu_s"]), f"{s['load1']:.2f}", str(s["cells"]),
             ", ".join(s["errors"]) or "none"] for i, s in enumerate(samples)]
    walls = [s["wall_s"] for s in samples]
    m = median(walls)
    rows.append(["median", fmt_s(m), fmt_s(median([s["cpu_s"] for s in samples])), "", "", ""])
    notes = [f"{os.cpu_count()} cores. Wall: nbclient's execute() from the kernel's start to its shutdown. CPU: "
             "user + system time of the runner, the kernel and the worker processes the kernel ended (all "
             "reaped, so counted by getrusage). The notebook runs every scenario (a section each) in tf-function, jax-jit "
             "and torch-eager with repeats=1 on warm workers (one per framework for the whole notebook), "
             "then grades them."]
    ok = None if m is None else m <= TARGET_S and not any(s["errors"] for s in samples)
    return {"tables": [table("Part 8 - the lecture notebook, executed with nbclient",
                             ["rep", "wall", "CPU (all processes)", "load (1 min) before", "code cells",
                              "cell errors"], rows, notes)],
            "targets": [target("notebook", f"docs/lecture.ipynb executes in <= {TARGET_S:.0f} s",
                               f"{fmt_s(m)} (median of {len(walls)}; {fmt_s(min(walls))} .. {fmt_s(max(walls))})", ok)],
            "samples": samples}
