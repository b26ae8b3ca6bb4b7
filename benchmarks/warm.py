"""Part 7, warm workers: in one process (a notebook kernel), the second identical `lab.compare`
against the first, and every call's first-call figures against a cold `lab compare`.

Uses the lab only through warm_kernel.py (lab.api, as a notebook calls it) and the `lab`
command. Each repetition runs the kernel (N calls of the same compare) and `lab compare --json`,
the order alternated.
"""
from __future__ import annotations

import json
import os
import tempfile

from common import HERE, PY, ROOT, fmt_s, fmt_x, lab_json, log, median, spread, table, target, timed_run

TARGET = 0.5            # the second call's wall at most this x the first's
SCENARIO = "control-flow"
REPEATS = "3"
FIRST_CALL_BAND = (0.67, 1.5)  # single first calls scatter by this much between cold runs here
CONFIG = {"full": {"reps": 3, "calls": 3}, "quick": {"reps": 1, "calls": 2}}


def kernel(path: str, calls: int) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    wall, proc = timed_run([PY, str(HERE / "warm_kernel.py"), path, SCENARIO, str(calls), REPEATS], env=env)
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        raise RuntimeError(f"warm_kernel.py: no result (exit {proc.returncode}): {proc.stderr[-800:]}") from None


def first_calls(doc: dict) -> dict[tuple, float]:
    return {(r["system"], r["variant"]): r["timing"]["first_call_s"] for r in doc["runs"]
            if (r.get("timing") or {}).get("first_call_s")}


def compiled_first(doc: dict) -> bool:
    """Every static run that ran traced or compiled on its first call."""
    static = [r for r in doc["runs"] if r["mode"] == "static" and r.get("call_compiles")]
    return bool(static) and all(r["call_compiles"][0] >= 1 for r in static)


def run(cfg: dict, options) -> dict:
    samples = []
    with tempfile.TemporaryDirectory(prefix="lab-bench-warm-") as workdir:
        for rep in range(cfg["reps"]):
            sample = {}
            for side in (("kernel", "cli") if rep % 2 == 0 else ("cli", "kernel")):
                if side == "kernel":
                    log(f"warm: {cfg['calls']} x lab.compare({SCENARIO!r}) in one process ({rep + 1}/{cfg['reps']})")
                    sample["kernel"] = kernel(os.path.join(workdir, f"kernel-{rep}.json"), cfg["calls"])
                else:
                    log(f"warm: lab compare {SCENARIO} --json ({rep + 1}/{cfg['reps']})")
                    sample["cli"] = lab_json(["compare", SCENARIO, "--json", "--repeats", REPEATS])
            samples.append(sample)
    rows, ratios, per_call = [], [], {}
    for i, s in enumerate(samples):
        walls = [c["wall_s"] for c in s["kernel"]]
        ratios.append(walls[1] / walls[0])
        rows.append([str(i + 1), "kernel, cli" if i % 2 == 0 else "cli, kernel", fmt_s(s["cli"]["wall_s"])]
                    + [fmt_s(w) for w in walls] + [fmt_x(walls[1] / walls[0])])
        cold = first_calls(s["cli"]["doc"]) if s["cli"]["doc"] else {}
        for n, call in enumerate(s["kernel"]):
            for key, value in first_calls(call["doc"]).items():
                if key in cold:
                    per_call.setdefault(n, {}).setdefault(key, []).append(value / cold[key])
    calls = cfg["calls"]
    rows.append(["median", "", fmt_s(median([s["cli"]["wall_s"] for s in samples]))]
                + [fmt_s(median([s["kernel"][n]["wall_s"] for s in samples])) for n in range(calls)]
                + [fmt_x(median(ratios))])
    reused = all(c["doc"]["frameworks"][fw]["info"].get("reused") for s in samples for c in s["kernel"][1:]
                 for fw in c["doc"]["frameworks"])
    compiled = all(compiled_first(c["doc"]) for s in samples for c in s["kernel"])
    m = median(ratios)
    notes = [f"`lab.compare({SCENARIO!r}, repeats={REPEATS})` {calls} times in one Python process "
             "(benchmarks/warm_kernel.py, as a notebook kernel calls it; default systems), and "
             f"`lab compare {SCENARIO} --json --repeats {REPEATS}` (spawn, run, exit), in turn, the order "
             f"alternated. Ratio = the kernel's second call / its first. Every later call ran on the first "
             f"call's workers: {'yes' if reused else 'NO'} (info.reused in each framework's document); every "
             f"static run still traced or compiled on its first call, in every call: {'yes' if compiled else 'NO'}."]
    frows = []
    for (system, variant) in sorted({k for d in per_call.values() for k in d}):
        frows.append([system, variant] + [
            f"{fmt_x(median(per_call.get(n, {}).get((system, variant), [])))} "
            f"({spread(per_call.get(n, {}).get((system, variant), []))})" for n in range(calls)])
    fnotes = ["Each run's first call (trace and compile for the static systems) in the kernel's call N, "
              "divided by the same run's first call in the cold `lab compare` of the same repetition: median "
              "(min .. max) over repetitions. Call 1 starts the workers as `lab compare` does; later calls reuse "
              "them and import each implementation module afresh (new function objects, new traces). Single "
              "first calls of a few ms to 0.3 s vary by 2x on this shared machine from one run to the next."]
    tables = [table(f"Part 7 - warm workers: lab.compare twice in one process against lab compare ({SCENARIO})",
                    ["rep", "order", "lab compare (cold)"] + [f"lab.compare call {n + 1}" for n in range(calls)]
                    + ["call 2 / call 1"], rows, notes),
              table("Part 7 - first-call figures: lab.compare call N / cold lab compare, per run",
                    ["system", "variant"] + [f"call {n + 1}" for n in range(calls)], frows, fnotes)]
    second = {k: median(v) for k, v in per_call.get(1, {}).items()}
    off = {k: r for k, r in second.items() if not FIRST_CALL_BAND[0] <= r <= FIRST_CALL_BAND[1]}
    targets = [target("warm", f"second identical lab.compare / first <= {TARGET}",
                      f"{fmt_x(m)} (median of {len(ratios)}; {spread(ratios)})",
                      None if m is None else m <= TARGET and reused and compiled),
               target("warm", "first calls unchanged: each run's first call in lab.compare call 2 within "
                      f"{FIRST_CALL_BAND[0]}x-{FIRST_CALL_BAND[1]}x of the cold lab compare's (median)",
                      ", ".join(f"{s} {v} {fmt_x(r)}" for (s, v), r in sorted(second.items())),
                      None if not second else not off)]
    return {"tables": tables, "targets": targets, "samples": [
        {"cli_wall_s": s["cli"]["wall_s"], "kernel_walls_s": [c["wall_s"] for c in s["kernel"]]} for s in samples]}
