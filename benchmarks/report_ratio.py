"""Part 5, the report ratio: `lab report` (one worker per framework for every scenario) against
the single-scenario `lab compare` runs it replaces, and whether `lab demo`'s timed sections
compete with its renderer.

Shares with the lab: the eager baseline system (compare.systems) and, for the demo, which has
no --json, capture_docs.py (it wraps lab.session.run_many to keep the documents). Everything
else goes through the `lab` command as a user types it.
"""
from __future__ import annotations

import json
import os
import tempfile

from common import (HERE, PY, ROOT, fmt_s, fmt_x, lab_cmd, lab_json, log, median, on_pty, spread,
                    table, target, tail, timed_run)
from compare import systems

TARGET_RATIO = 0.6
DEMO_SCENARIO = "control-flow"
DEMO_FIRST_CALL = 1.5   # the demo's first call of the eager baseline at most this x lab compare's
DEMO_STEADY = 0.10      # its steady-state median within this of lab compare's
REPEATS = "3"           # --repeats for both sides (fewer steady samples: the ratio is about start-up)
CONFIG = {"full": {"reps": 3, "demo_pairs": 5}, "quick": {"reps": 1, "demo_pairs": 1}}


def scenario_names() -> list[str]:
    wall, proc = timed_run(lab_cmd() + ["list", "--json"], timeout=60)
    return [row["name"] for row in json.loads(proc.stdout)]


def lab_report(out_dir: str) -> dict:
    wall, proc = timed_run(lab_cmd() + ["report", "--out", out_dir, "--repeats", REPEATS])
    try:
        with open(os.path.join(out_dir, "report.json")) as fh:
            docs = json.load(fh)["scenarios"]
    except (OSError, ValueError, KeyError) as exc:
        return {"wall_s": wall, "rc": proc.returncode, "docs": None,
                "error": f"no report.json ({exc!r}; exit {proc.returncode}): {tail(proc.stderr, 4)}"}
    return {"wall_s": wall, "rc": proc.returncode, "docs": docs, "error": None}


def captured(args: list[str], path: str, cols: int = 80, rows: int = 24) -> dict:
    """`lab ARGS` on a pseudo-terminal (stdout and stderr; stdin /dev/null) through
    capture_docs.py: its wall time and the documents it measured."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    res = on_pty([PY, str(HERE / "capture_docs.py"), path, *args], cols=cols, rows=rows, env=env)
    try:
        with open(path) as fh:
            docs = json.load(fh)
    except (OSError, ValueError):
        docs = []
    return {"wall_s": res["wall_s"], "rc": res["rc"], "docs": docs}


def report_vs_compares(names: list[str], reps: int, workdir: str) -> list[dict]:
    """Per repetition: `lab report`, each `lab compare`, and the whole `lab demo --auto 0` on a
    terminal, in turn; the order reversed every other repetition."""
    samples = []
    for rep in range(reps):
        sample = {"compares": {}}
        order = ("report", "compares", "demo")
        for side in (order if rep % 2 == 0 else order[::-1]):
            if side == "report":
                log(f"report: lab report ({rep + 1}/{reps})")
                sample["report"] = lab_report(os.path.join(workdir, f"report-{rep}"))
            elif side == "demo":
                log(f"report: lab demo --auto 0 (every scenario) on an 80-column terminal ({rep + 1}/{reps})")
                sample["demo"] = captured(["demo", "--auto", "0", "--repeats", REPEATS],
                                          os.path.join(workdir, f"demo-all-{rep}.json"))
            else:
                for name in names:
                    log(f"report: lab compare {name} ({rep + 1}/{reps})")
                    sample["compares"][name] = lab_json(["compare", name, "--json", "--repeats", REPEATS])
        samples.append(sample)
    return samples


def demo_check(pairs: int, workdir: str) -> list[dict]:
    """`lab demo --auto 0 SCENARIO < /dev/null` and `lab compare SCENARIO`, both on an 80-column
    pseudo-terminal (the progress board and the renderer live), alternated ABBA; the documents
    come from capture_docs.py."""
    out = []
    for i in range(pairs):
        pair = {}
        for command in (("demo", "compare") if i % 2 == 0 else ("compare", "demo")):
            log(f"report: lab {command} {DEMO_SCENARIO} on an 80-column terminal ({i + 1}/{pairs})")
            args = ["demo", "--auto", "0", DEMO_SCENARIO] if command == "demo" else ["compare", DEMO_SCENARIO]
            res = captured(args, os.path.join(workdir, f"{command}-{i}.json"))
            run = next((r for d in res["docs"] for r in d["runs"] if r["system"] == systems.EAGER_BASELINE), None)
            t = (run or {}).get("timing") or {}
            pair[command] = {"wall_s": res["wall_s"], "rc": res["rc"], "first_call_s": t.get("first_call_s"),
                             "steady_median_s": t.get("steady_median_s"), "variant": (run or {}).get("variant")}
        out.append(pair)
    return out


def timings(docs: list[dict]) -> dict[tuple, dict]:
    return {(d["scenario"], r["system"], r["variant"]): r["timing"] for d in docs or [] for r in d["runs"]
            if r.get("timing")}


def ratios_of(a: dict, b: dict, key: str, system: str | None = None) -> list[tuple[tuple, float]]:
    """a[k][key] / b[k][key] for every run both have (of one system, if given)."""
    return [(k, a[k][key] / b[k][key]) for k in a
            if k in b and a[k].get(key) and b[k].get(key) and (system is None or k[1] == system)]


def first_call_note(first_ratios: list[tuple[tuple, float]]) -> str:
    fr = [r for _, r in first_ratios]
    worst = sorted(first_ratios, key=lambda kr: -abs(kr[1] - 1))[:3]
    per_system = {}
    for (_, system, _), r in first_ratios:
        per_system.setdefault(system, []).append(r)
    return ("First calls in the report against the same variant's in the compares (the one-import runner "
            f"must leave them unchanged): median ratio {fmt_x(median(fr))} over {len(fr)} (scenario, system, "
            f"variant, repetition) pairs, range {spread(fr)}; per system "
            + ", ".join(f"{s} {fmt_x(median(v))}" for s, v in per_system.items())
            + "; furthest from 1 (single samples): "
            + ", ".join(f"{k[0]} {k[1]} {k[2]} {fmt_x(r)}" for k, r in worst) + ".")


def run(cfg: dict, options) -> dict:
    names = scenario_names()
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        samples = report_vs_compares(names, cfg["reps"], workdir)
        demo = demo_check(cfg["demo_pairs"], workdir)
    rows, notes, targets, ratios, first_ratios = [], [], [], [], []
    demo_all = {"first": [], "steady": [], "first_eager": [], "steady_eager": []}
    for i, s in enumerate(samples):
        rep, comps = s["report"], s["compares"]
        failed = [n for n, c in comps.items() if c["doc"] is None]
        total = sum(c["wall_s"] for c in comps.values())
        ratio = rep["wall_s"] / total if total else None
        ratios.append(ratio)
        rows.append([str(i + 1), "report, compares, demo" if i % 2 == 0 else "demo, compares, report",
                     fmt_s(rep["wall_s"]), fmt_s(total), fmt_x(ratio)]
                    + [fmt_s(comps[n]["wall_s"]) for n in names] + [fmt_s(s["demo"]["wall_s"])])
        if rep["error"]:
            notes.append(f"repetition {i + 1}: lab report: {rep['error']}")
        for n in failed:
            notes.append(f"repetition {i + 1}: lab compare {n}: {comps[n]['error']}")
        t_report = timings(rep["docs"])
        t_compare = timings([c["doc"] for c in comps.values() if c["doc"]])
        t_demo = timings(s["demo"]["docs"])
        first_ratios += ratios_of(t_report, t_compare, "first_call_s")
        for key, field in (("first", "first_call_s"), ("steady", "steady_median_s")):
            demo_all[key] += [r for _, r in ratios_of(t_demo, t_report, field)]
            demo_all[key + "_eager"] += [r for _, r in ratios_of(t_demo, t_report, field, systems.EAGER_BASELINE)]
        if not s["demo"]["docs"]:
            notes.append(f"repetition {i + 1}: lab demo: no documents (exit {s['demo']['rc']})")
    m = median(ratios)
    ok = None if m is None else m <= TARGET_RATIO
    rows.append(["median", "", fmt_s(median([s["report"]["wall_s"] for s in samples])),
                 fmt_s(median([sum(c["wall_s"] for c in s["compares"].values()) for s in samples])),
                 fmt_x(m)] + [fmt_s(median([s["compares"][n]["wall_s"] for s in samples])) for n in names]
                + [fmt_s(median([s["demo"]["wall_s"] for s in samples]))])
    targets.append(target("report", f"lab report / sum of lab compare walls <= {TARGET_RATIO}",
                          f"{fmt_x(m)} (median of {len(ratios)}; {spread(ratios)})", ok))
    notes = [f"{len(names)} scenarios from `lab list --json`, default systems, --repeats {REPEATS} on both sides; "
             "`lab report --out DIR` against `lab compare NAME --json` for each, run one after the other, the "
             "order reversed every other repetition; ratio = report wall / sum of the compare walls of the same "
             f"repetition; the range over repetitions shows the noise ({spread(ratios)}). The last column is "
             "`lab demo --auto 0` over every scenario on an 80-column terminal, run in the same rotation (for the "
             "renderer check below).",
             first_call_note(first_ratios)] + notes
    notes.append("Every scenario's `lab demo --auto 0` (renderer and board live while the workers time the next "
                 "scenarios) against `lab report` of the same repetition (the same one-worker-per-framework "
                 "runner, no renderer): demo / report median "
                 f"first call {fmt_x(median(demo_all['first']))} ({spread(demo_all['first'])}), steady "
                 f"{fmt_x(median(demo_all['steady']))} ({spread(demo_all['steady'])}) over every run; "
                 f"{systems.EAGER_BASELINE} alone: first call {fmt_x(median(demo_all['first_eager']))} "
                 f"({spread(demo_all['first_eager'])}), steady {fmt_x(median(demo_all['steady_eager']))} "
                 f"({spread(demo_all['steady_eager'])}).")
    tables = [table("Part 5 - the report ratio: lab report against the single-scenario lab compare runs",
                    ["rep", "order", "lab report", "sum of compares", "report / sum"] + names
                    + ["lab demo (all)"], rows, notes)]
    # The demo: its timed sections against lab compare's.
    drows = []
    d_first = [p["demo"]["first_call_s"] / p["compare"]["first_call_s"] for p in demo
               if p["demo"]["first_call_s"] and p["compare"]["first_call_s"]]
    d_steady = [p["demo"]["steady_median_s"] / p["compare"]["steady_median_s"] for p in demo
                if p["demo"]["steady_median_s"] and p["compare"]["steady_median_s"]]
    for i, p in enumerate(demo):
        drows.append([str(i + 1), "demo first" if i % 2 == 0 else "compare first",
                      fmt_s(p["demo"]["first_call_s"]), fmt_s(p["compare"]["first_call_s"]),
                      fmt_x(p["demo"]["first_call_s"] / p["compare"]["first_call_s"])
                      if p["demo"]["first_call_s"] and p["compare"]["first_call_s"] else "-",
                      fmt_s(p["demo"]["steady_median_s"]), fmt_s(p["compare"]["steady_median_s"]),
                      fmt_x(p["demo"]["steady_median_s"] / p["compare"]["steady_median_s"])
                      if p["demo"]["steady_median_s"] and p["compare"]["steady_median_s"] else "-",
                      fmt_s(p["demo"]["wall_s"]), fmt_s(p["compare"]["wall_s"])])
    mf, ms = median(d_first), median(d_steady)
    drows.append(["median", "", fmt_s(median([p["demo"]["first_call_s"] for p in demo])),
                  fmt_s(median([p["compare"]["first_call_s"] for p in demo])), fmt_x(mf),
                  fmt_s(median([p["demo"]["steady_median_s"] for p in demo])),
                  fmt_s(median([p["compare"]["steady_median_s"] for p in demo])), fmt_x(ms), "-", "-"])
    base = systems.EAGER_BASELINE
    targets.append(target("report", f"lab demo: {base} first call <= {DEMO_FIRST_CALL}x lab compare's",
                          f"{fmt_x(mf)} (median of {len(d_first)}; {spread(d_first)})",
                          None if mf is None else mf <= DEMO_FIRST_CALL))
    targets.append(target("report", f"lab demo: {base} steady median within ±{DEMO_STEADY:.0%} of lab compare's",
                          f"{fmt_x(ms)} (median of {len(d_steady)}; {spread(d_steady)})",
                          None if ms is None else abs(ms - 1) <= DEMO_STEADY))
    dnotes = [f"`lab demo --auto 0 {DEMO_SCENARIO}` (stdin /dev/null) and `lab compare {DEMO_SCENARIO}`, both "
              "with stdout and stderr on 80x24 pseudo-terminals, so the progress board (rich Live, 8 refreshes/s) "
              "and, in the demo, the lesson and code rendered while the workers run are all live; alternated "
              f"ABBA. The demo prints no JSON: both run through benchmarks/capture_docs.py, which keeps what "
              f"lab.session.run_many returns. Figures are {base}'s (the eager baseline: sub-millisecond calls, "
              "the most sensitive to a busy renderer); ratio = demo / compare of the same pair."]
    bad = [f"pair {i + 1} {c}: exit {p[c]['rc']}" for i, p in enumerate(demo) for c in p
           if p[c]["first_call_s"] is None]
    tables.append(table(f"Part 5 - lab demo vs lab compare ({DEMO_SCENARIO}, {base})",
                        ["pair", "order", "demo first call", "compare first call", "demo/compare",
                         "demo steady", "compare steady", "demo/compare", "demo wall", "compare wall"],
                        drows, dnotes + bad))
    return {"scenarios": names, "ratios": ratios, "ratio_median": m,
            "samples": [{"report_wall_s": s["report"]["wall_s"], "report_error": s["report"]["error"],
                         "compare_walls_s": {n: c["wall_s"] for n, c in s["compares"].items()},
                         "compare_errors": {n: c["error"] for n, c in s["compares"].items() if c["error"]}}
                        for s in samples],
            "first_call_ratios": [{"scenario": k[0], "system": k[1], "variant": k[2], "ratio": r}
                                  for k, r in first_ratios],
            "demo": demo, "demo_first_call_ratio": mf, "demo_steady_ratio": ms,
            "demo_all_over_report": {k: {"median": median(v), "ratios": v} for k, v in demo_all.items()},
            "demo_all_walls_s": [s["demo"]["wall_s"] for s in samples],
            "targets": targets, "tables": tables}
