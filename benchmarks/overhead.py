"""Part 2, overhead: `lab compare <scenario> --json` against the floor (bare scripts doing the
same work), and the import floor of each framework with and without the others blocked.

Shares with the lab: the scenario list (compare.discovery), the frameworks' modules
(compare.systems), and for the breakdown an in-process lab.session.compare run (timeline.py).
The floor itself is floor_worker.py, which imports none of it.
"""
from __future__ import annotations

import subprocess
import tempfile
import time

from common import (WORKER_TIMEOUT_S, fmt_s, fmt_x, lab_json, log, median, module_of, run_bare,
                    spread, start_bare, table, target, verdict)
from compare import discovery, systems
from timeline import timeline

TARGET_SCENARIO = "control-flow"
TARGET_RATIO = 1.2
CONFIG = {"full": {"reps_target": 3, "reps_other": 1, "import_reps": 3, "always_timeline": True},
          "quick": {"reps_target": 1, "reps_other": 1, "import_reps": 1, "always_timeline": False}}


def others(framework: str) -> list[str]:
    """The other frameworks' top-level modules: what a lab worker blocks."""
    return [m for f in systems.FRAMEWORKS if f.name != framework for m in f.modules]


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
            variants.append({"label": run["variant"], "system": run["system"],
                             "impl_module": module_of(run["file"]), "attr": run["function"],
                             "static": run["mode"] == "static",
                             "steady_calls": n * samples + warmup if n else 0,
                             "steady_median_s": t.get("steady_median_s")})
        requests[fw] = {"framework": fw, "block": others(fw), "scenario_module": scenario.replace("-", "_"),
                        "seed": doc.get("seed", 0), "threads": 1, "variants": variants}
    return requests


def run_floors(requests: dict, workdir: str, concurrent: bool) -> dict:
    floors = {fw: run_bare("floor_worker.py", req, workdir, f"floor-{fw}") for fw, req in requests.items()}
    out = {"floors": floors, "concurrent_wall_s": None}
    if concurrent and requests:
        start = time.perf_counter()
        procs = [start_bare("floor_worker.py", req, workdir, f"conc-{fw}") for fw, req in requests.items()]
        for p in procs:
            try:
                p.wait(timeout=WORKER_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
        out["concurrent_wall_s"] = time.perf_counter() - start
        out["concurrent_ok"] = all(p.returncode == 0 for p in procs)
    return out


# ----------------------------------------------------------------------------- import floor

def import_floor(reps: int) -> dict:
    """Each framework's bare import (interpreter + import + warm-up + exit), with the other
    frameworks blocked as the lab's workers do and without, interleaved."""
    rows, data = [], {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        for fw in systems.FRAMEWORK_NAMES:
            runs = {"isolated": [], "open": []}
            for rep in range(reps):
                for how in (("isolated", "open") if rep % 2 == 0 else ("open", "isolated")):
                    log(f"overhead: import floor {fw} ({how}) {rep + 1}/{reps}")
                    runs[how].append(run_bare("floor_worker.py", {
                        "framework": fw, "block": others(fw) if how == "isolated" else [],
                        "watch": others(fw), "scenario_module": "", "threads": 1, "variants": []},
                        workdir, f"import-{fw}-{how}"))
            ok = {how: [r for r in rs if not r.get("error")] for how, rs in runs.items()}
            imp = {how: median([r["import_s"] for r in rs]) for how, rs in ok.items()}
            wall = {how: median([r["wall_s"] for r in rs]) for how, rs in ok.items()}
            foreign = {how: sorted({m for r in rs for m in r["foreign_modules"]}) for how, rs in ok.items()}
            ratios = [o["import_s"] / i["import_s"] for i, o in zip(ok["isolated"], ok["open"])]
            data[fw] = {"import_s": imp, "wall_s": wall, "foreign_modules": foreign,
                        "open_over_isolated": median(ratios), "runs": runs,
                        "errors": [r["error"] for rs in runs.values() for r in rs if r.get("error")]}
            rows.append([fw, fmt_s(imp["isolated"]), fmt_s(imp["open"]),
                         fmt_s(imp["open"] - imp["isolated"]) if None not in imp.values() else "-",
                         f"{fmt_x(median(ratios))} ({spread(ratios)})",
                         fmt_s(wall["isolated"]), fmt_s(wall["open"]),
                         ", ".join(foreign["isolated"]) or "none", ", ".join(foreign["open"]) or "none"])
    notes = [f"Bare floor_worker.py with no variants: interpreter, `import` + thread set-up (import column), "
             f"the lab's warm-up, exit; {reps} run(s) of each, isolated and open interleaved, medians. "
             "isolated = the other frameworks' modules blocked before the import (sys.modules[name] = None, "
             "as compare/backends isolate() does in every lab worker); open = nothing blocked. The last two "
             "columns list the other frameworks' modules loaded at the end."]
    return {"frameworks": data, "table": table(
        "Part 2 - import floor: each framework isolated (others blocked, as the lab's workers) vs open",
        ["framework", "import isolated", "import open", "open - isolated", "open / isolated (range)",
         "script wall isolated", "script wall open", "others loaded (isolated)", "others loaded (open)"],
        rows, notes)}


# ----------------------------------------------------------------------------- the part

def run(cfg: dict, options) -> dict:
    found, problems = discovery.discover()
    names = [s.name for s in found]
    only = [s for s in (getattr(options, "scenarios", "") or "").split(",") if s]
    if only:
        names = [n for n in names if n in only]
    results, tables, targets = {}, [], []
    notes = [f"skipped {p}" for p in problems]
    summary_rows = []
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        for name in names:
            reps = cfg["reps_target"] if name == TARGET_SCENARIO else cfg["reps_other"]
            concurrent = name == TARGET_SCENARIO
            runs = []
            for rep in range(reps):
                log(f"overhead: {name} repetition {rep + 1}/{reps}")
                # The lab first: the floor repeats the work of this very run (its block sizes).
                lab = lab_json(["compare", name, "--json"])
                if lab["doc"] is None:
                    runs.append({"lab": lab})
                    break
                floors = run_floors(floor_requests(lab["doc"], name), workdir, concurrent and rep == 0)
                runs.append({"lab": lab, **floors})
            results[name] = r = summarise(name, runs)
            if r.get("error"):
                summary_rows.append([name, "FAILED", "-", "-", "-", "-", "-", "-", "-"])
                notes.append(f"{name}: {r['error']}")
                continue
            ok = r["lab_over_parallel"] <= TARGET_RATIO if name == TARGET_SCENARIO else None
            summary_rows.append([name, fmt_s(r["lab_wall_s"]), fmt_s(r["sequential_floor_s"]),
                                 fmt_s(r["parallel_floor_s"]), fmt_s(r.get("concurrent_floor_s")),
                                 fmt_x(r["lab_over_sequential"]), fmt_x(r["lab_over_parallel"]),
                                 spread(r["lab_over_parallel_samples"]), verdict(ok)])
            notes += [f"{name}: {n}" for n in r.get("notes", [])]
            if name == TARGET_SCENARIO:
                targets.append(target("overhead", f"lab compare {name} <= {TARGET_RATIO}x parallel floor",
                                      f"{fmt_x(r['lab_over_parallel'])} (median of {r['repetitions']}; "
                                      f"{spread(r['lab_over_parallel_samples'])})", ok))
            over = r["lab_over_parallel"] > TARGET_RATIO
            if over or (name == TARGET_SCENARIO and cfg["always_timeline"]):
                log(f"overhead: {name} timeline (one in-process lab.session.compare run)")
                try:
                    r["timeline"] = timeline(name)
                except Exception as exc:  # noqa: BLE001 - lab internals may be mid-edit
                    r["timeline"] = {"error": repr(exc)}
                tables.extend(breakdown(name, r, over))
    imports = import_floor(cfg["import_reps"])
    notes.insert(0, "Floor = bare scripts (benchmarks/floor_worker.py) doing the lab's work under the lab "
                    "worker's conditions (other frameworks blocked, thread pins, the same untimed warm-up, no "
                    "interpreter teardown): each variant on each input, then block_calls*repeats + warm-up steady "
                    "calls, taken from the lab's JSON of the same repetition. sequential = sum of the bare scripts' "
                    "wall times; parallel = slowest start-up (interpreter + imports + warm-up + exit) + sum of "
                    "measured work; concurrent = the bare scripts launched together, no lock (measured once; only "
                    f"for {TARGET_SCENARIO}). Ratios are medians of per-repetition ratios; the range column is the "
                    "spread over repetitions (the machine's noise).")
    notes.append(f"Scenarios over {TARGET_RATIO}x (the target applies to {TARGET_SCENARIO} only) get a breakdown "
                 "below, from one extra in-process run with progress timestamps.")
    tables.insert(0, table("Part 2 - overhead against the floor",
                           ["scenario", "lab wall", "seq. floor", "par. floor", "concurrent floor",
                            "lab/seq", "lab/par", "lab/par range", f"target <= {TARGET_RATIO}x"],
                           summary_rows, notes))
    tables.insert(1, imports["table"])
    return {"scenarios": results, "import_floor": imports["frameworks"], "targets": targets, "tables": tables}


def summarise(name: str, runs: list[dict]) -> dict:
    good = [r for r in runs if r.get("floors") is not None]
    if not good:
        err = runs[-1]["lab"]["error"] if runs else "not run"
        return {"error": err, "runs": runs}
    notes, per_rep = [], []
    for r in good:
        floors = r["floors"]
        bad = {fw: f["error"] for fw, f in floors.items() if f.get("error")}
        if bad:
            notes.append(f"floor failed for {bad}")
            continue
        startups = {fw: f["wall_s"] - f["work_s"] for fw, f in floors.items()}
        work = sum(f["work_s"] for f in floors.values())
        per_rep.append({"lab": r["lab"]["wall_s"], "seq": sum(f["wall_s"] for f in floors.values()),
                        "par": max(startups.values()) + work, "conc": r.get("concurrent_wall_s"),
                        "startups": startups, "work": work})
    if not per_rep:
        return {"error": "; ".join(notes) or "no floor", "runs": runs}
    doc = good[-1]["lab"]["doc"]
    lab_status = {fw: i.get("status") for fw, i in doc["frameworks"].items()}
    if any(s != "ok" for s in lab_status.values()):
        notes.append(f"lab worker statuses {lab_status} (frameworks not ok have no floor)")
    if doc.get("exit_code"):
        notes.append(f"lab exit code {doc['exit_code']}")
    breakdown_ = {}
    for fw in good[-1]["floors"]:
        fl = [r["floors"][fw] for r in good if not r["floors"][fw].get("error")]
        infos = [(r["lab"]["doc"]["frameworks"].get(fw, {}).get("info") or {}) for r in good]
        breakdown_[fw] = {
            "floor_wall_s": median([f["wall_s"] for f in fl]),
            "floor_import_s": median([f["import_s"] for f in fl]),
            "floor_warmup_s": median([f["warmup_s"] for f in fl]),
            "floor_startup_s": median([f["wall_s"] - f["work_s"] for f in fl]),
            "floor_work_s": median([f["work_s"] for f in fl]),
            "lab_import_s": median([i.get("import_s") for i in infos]),
            "lab_warmup_s": median([i.get("warmup_s") for i in infos]),
            "lab_foreign_modules": sorted({m for i in infos for m in i.get("foreign_modules") or []}),
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
        "lab_over_parallel_samples": [p["lab"] / p["par"] for p in per_rep],
        "lab_over_concurrent": median([p["lab"] / p["conc"] for p in per_rep if p["conc"]]),
        "floor_slowest_startup_s": median([max(p["startups"].values()) for p in per_rep]),
        "floor_work_s": median([p["work"] for p in per_rep]),
        "frameworks": breakdown_, "notes": notes,
        "runs": [{"lab_wall_s": r["lab"]["wall_s"], "lab_frameworks": {
            fw: {"status": i.get("status"), "import_s": (i.get("info") or {}).get("import_s"),
                 "warmup_s": (i.get("info") or {}).get("warmup_s")}
            for fw, i in r["lab"]["doc"]["frameworks"].items()},
            "floors": r["floors"], "concurrent_wall_s": r.get("concurrent_wall_s")} for r in good],
    }


VARIANT_NOTE = ("lab per variant = from its first progress event to the next variant's (includes output "
                "checks, the steady-state autorange calibration, and for a failing variant the traceback "
                "analysis and its unfiltered re-run). Timestamps are taken when the parent reads the "
                "events, so spans under ~20 ms are only resolved to a scheduler tick.")


def breakdown(name: str, r: dict, over: bool) -> list[dict]:
    """Where the lab's time goes for one scenario: per framework and per variant."""
    lab_wall, floor_par = r["lab_wall_s"], r["parallel_floor_s"]
    tl = r.get("timeline") or {}
    phases = tl.get("phases") or {}
    cli_alone = lab_wall - tl["session_s"] if tl.get("session_s") else None
    head = (f"OVER {TARGET_RATIO}x - " if over else "") + \
        (f"lab wall {fmt_s(lab_wall)} (median of {r['repetitions']}); parallel floor {fmt_s(floor_par)} = "
         f"slowest bare start-up {fmt_s(r['floor_slowest_startup_s'])} + all bare work {fmt_s(r['floor_work_s'])}. "
         f"Lab - floor = {fmt_s(lab_wall - floor_par)} ({fmt_x(r['lab_over_parallel'])}).")
    rows = []
    for fw, b in r["frameworks"].items():
        p = phases.get(fw) or {}
        rows.append([fw, fmt_s(b["floor_startup_s"]), fmt_s(b["floor_import_s"]), fmt_s(b["floor_warmup_s"]),
                     fmt_s(b["floor_work_s"]), fmt_s(b["lab_import_s"]), fmt_s(b["lab_warmup_s"]),
                     fmt_s(p.get("lock_wait_s")), fmt_s(p.get("timed_section_s")), fmt_s(p.get("exit_s")),
                     fmt_s(p.get("timed_while_others_import_s")), fmt_s(p.get("timed_while_others_exit_s")),
                     fmt_s(p.get("worker_wall_s")), ", ".join(b["lab_foreign_modules"]) or "none"])
    notes = [head,
             "floor start-up = interpreter + import + warm-up + exit of the bare script (wall - work); "
             "import = `import` + thread set-up, the same span in both (the lab's info.import_s); warm-up = the "
             "untimed first use both do. From the timeline run (an in-process lab.session.compare): wait = import "
             "and warm-up done to timing lock taken (the import barrier plus the flock); timed section = the "
             "worker's measured work (all variants); exit = its 'scenario done' event to the parent seeing it "
             "exit; timed during others' import / exit = part of the timed section while another worker was "
             "still importing / exiting (both use a core); others loaded = the other frameworks' modules in the "
             "lab worker's sys.modules (its isolation)."]
    if tl.get("error"):
        notes.append(f"timeline failed: {tl['error']}")
    cp = tl.get("critical_path") or {}
    if cp:
        slow = max(r["frameworks"].values(), key=lambda b: b["floor_startup_s"])
        ready = slow["floor_startup_s"]  # interpreter + import + warm-up (+ its few-ms exit)
        parts = {
            "imports (all at once on the shared cores)": cp["imports_done_s"] - ready,
            "from the last import to the first timed section": cp["first_lock_s"] - cp["imports_done_s"],
            "timed work (lab sections vs bare work)": cp["timed_sum_s"] - r["floor_work_s"],
            "hand-overs between timed sections": cp["handover_gaps_s"],
            "last worker's exit after the last timed section": cp["tail_exit_s"],
            "the CLI process alone (lab wall - in-process session wall)": cli_alone or 0.0,
        }
        notes.insert(1, (f"Critical path of the timeline run ({fmt_s(tl['session_s'])}): all imports done at "
                         f"{fmt_s(cp['imports_done_s'])} (bare: slowest interpreter + import + warm-up "
                         f"{fmt_s(ready)}); timed sections {fmt_s(cp['timed_sum_s'])} back to back from "
                         f"{fmt_s(cp['first_lock_s'])} (bare work {fmt_s(r['floor_work_s'])}), hand-over gaps "
                         f"{fmt_s(cp['handover_gaps_s'])}; last worker exited {fmt_s(cp['tail_exit_s'])} after the "
                         "last timed section. Lab minus floor, by part (the timeline is one run, the walls are "
                         "medians, so the parts need not add up exactly): "
                         + "; ".join(f"{k} {'+' if v >= 0 else '-'}{fmt_s(abs(v))}" for k, v in parts.items())
                         + "."))
    out = [table(f"Part 2 - {name}: per framework",
                 ["framework", "floor start-up", "floor import", "floor warm-up", "floor work", "lab import",
                  "lab warm-up", "lab wait (barrier+lock)", "lab timed section", "lab exit",
                  "timed during others' import", "timed during others' exit", "lab worker wall",
                  "others loaded in lab worker"], rows, notes)]
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
                          "lab - floor", "lab / floor"], vrows, [VARIANT_NOTE]))
    return out
