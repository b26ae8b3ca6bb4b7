"""Chart data from a typed run document (CompareDoc): plain numbers and strings, drawn by
render.py or plot.py."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lab.labels import run_label

if TYPE_CHECKING:
    from compare.results import CompareDoc, Run

BLOCKS = "▁▂▃▄▅▆▇█"


def per_call_series(doc: CompareDoc, min_calls: int = 5) -> list[dict]:
    """Per-call times of every run that made enough calls for a curve to mean something."""
    series = []
    for run in doc.runs:
        times = run.call_times_s or []
        if len(times) >= min_calls:
            series.append({"label": run_label(run), "system": run.system, "run": run, "times": times,
                           "compiles": run.compiles, "call_compiles": run.call_compiles or [],
                           "reasons": run.retrace_reasons or [],
                           "total_s": sum(times)})
    return series


def spark(values: list[float], lo: float, hi: float) -> str:
    """One character per value on a log scale shared by all rows (so rows compare)."""
    if not values:
        return ""
    lo, hi = math.log10(max(lo, 1e-9)), math.log10(max(hi, 1e-9))
    span = (hi - lo) or 1.0
    out = []
    for v in values:
        level = (math.log10(max(v, 1e-9)) - lo) / span
        out.append(BLOCKS[min(len(BLOCKS) - 1, max(0, int(level * (len(BLOCKS) - 1) + 0.5)))])
    return "".join(out)


def first_vs_steady(doc: CompareDoc) -> list[dict]:
    rows = []
    for run in doc.runs:
        t = run.timing
        if t.first_call_s and t.steady_median_s:
            rows.append({"label": run_label(run), "first_s": t.first_call_s, "steady_s": t.steady_median_s})
    return rows


def log_bar(value: float, lo: float, hi: float, width: int) -> int:
    """Bar length for `value` on a log axis from lo to hi."""
    lo, hi = math.log10(lo), math.log10(hi)
    return max(1, int(round((math.log10(value) - lo) / ((hi - lo) or 1.0) * width)))


def speedup_series(runs: "list[Run]") -> list[dict]:
    """Speed-up over the framework's own eager run against size, one series per run whose
    scenario measured a sweep (`sweep`: [{size, speedup, break_even_calls, ...}], e.g. speed),
    grouped by workload in run order. break_even_calls None: the compile is never paid back."""
    series = []
    for run in runs:  # sweep, workload and baseline: the sweep scenario's own run fields
        points = [e for e in run.extra.get("sweep") or [] if isinstance(e.get("speedup"), (int, float))]
        if points:
            series.append({"label": run_label(run), "system": run.system, "run": run,
                           "workload": run.extra.get("workload") or run.variant, "baseline": run.extra.get("baseline"),
                           "points": [{"size": e["size"], "speedup": e["speedup"], "faster": e.get("faster"),
                                       "break_even_calls": e.get("break_even_calls"),
                                       "first_s": e.get("first_s"), "steady_s": e.get("steady_s")}
                                      for e in points]})
    return sorted(series, key=lambda s: list(dict.fromkeys(x["workload"] for x in series)).index(s["workload"]))


def sweep_sizes(series: list[dict]) -> list:
    """Every size any series measured, ascending: the columns of the speed-up table."""
    return sorted({p["size"] for s in series for p in s["points"]})
