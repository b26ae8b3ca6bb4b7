"""One in-process `lab compare` with timestamps: when each worker reached each stage.

Shares with the lab: it calls lab.session.compare (the workers are still subprocesses, so no
framework is imported here) with the registry's default systems. Used by the overhead part's
breakdown and by the accuracy part when a target is missed.
"""
from __future__ import annotations

import time

from compare import systems


def timeline(scenario: str) -> dict:
    """An in-process lab.session.compare with a progress callback: when each worker reached each
    stage, and how long each variant took inside the timed section (as the parent saw the events).
    Framework-free here: the workers are still subprocesses. lab is imported here, not at the
    top, so a part whose floors run without it still runs while lab/ is being edited."""
    from lab import session
    events = []
    t0 = time.perf_counter()

    def on_progress(fw, stage, detail):
        events.append((time.perf_counter() - t0, fw, stage, detail or ""))
    doc = session.compare(scenario, systems_=list(systems.DEFAULT), repeats=5, device="cpu",
                          threads=1, timeout=300.0, on_progress=on_progress).to_dict()
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
        i = info.get("info") or {}
        import_s, warmup_s = i.get("import_s") or 0.0, i.get("warmup_s") or 0.0
        t_start, t_imp, t_run = (seen.get(k) for k in ("starting", "importing", "running"))
        t_done = seen.get("scenario done", seen.get("done"))
        if None in (t_start, t_imp, t_run, t_done):
            phases[fw] = {"incomplete": True, "events": seen}
            continue
        ends = [variants[label] for label in order[1:]] + [t_done]
        phases[fw] = {
            "interpreter_start_s": t_start,
            "harness_import_s": t_imp - t_start,
            "framework_import_s": import_s,
            "warmup_s": warmup_s,
            # Import barrier and timing lock together.
            "lock_wait_s": max(0.0, t_run - t_imp - import_s - warmup_s),
            "timed_section_s": t_done - t_run,
            "exit_s": max(0.0, seen["_last"] - t_done),
            "worker_wall_s": seen["_last"],
            "t_running": t_run, "t_done": t_done, "t_exit": seen["_last"],
            "t_import_end": seen.get("waiting", t_imp + import_s + warmup_s),
            "variants_s": {label: end - variants[label] for label, end in zip(order, ends)},
        }
    complete = {fw: p for fw, p in phases.items() if not p.get("incomplete")}
    for fw, p in complete.items():
        # How much of this worker's timed section ran while another worker was busy on the CPU:
        # importing (from spawn to the end of its import and warm-up) or exiting.
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
