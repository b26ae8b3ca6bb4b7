"""Part 3, accuracy: the lab's steady-state median against an independent measurement of the
same callable on the same input (torch.utils.benchmark, timeit), side by side.

Shares with the lab: which variant is each default system's working one (compare.discovery,
compare.systems), and on a miss the in-process timeline (timeline.py). The independent
measurement is accuracy_worker.py, which imports none of it.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile

from common import (HERE, PY, ROOT, fmt_s, fmt_x, iqr, lab_json, log, median, spread, table,
                    tail, target, verdict)
import _bare
from compare import discovery, systems

SCENARIO = "control-flow"
TOLERANCE = 0.10
CONFIG = {"full": {"reps": 7, "solo_reps": 2}, "quick": {"reps": 3, "solo_reps": 1}}


class BareServer:
    """A persistent accuracy_worker.py process: one independent measurement per measure()."""

    def __init__(self, request: dict, workdir: str, tag: str):
        req_path = os.path.join(workdir, f"acc-{tag}.request.json")
        with open(req_path, "w") as fh:
            json.dump(request, fh)
        self.log = open(os.path.join(workdir, f"acc-{tag}.log"), "w")
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


def working_variants(name: str) -> dict[str, dict]:
    """{system: its working variant} for each default system: the first label the registry calls
    working and the spec expects to be ok."""
    scenario = discovery.get(name)
    out = {}
    for sid in systems.DEFAULT:
        entry = systems.get(sid)
        for label, attr in scenario.variants(sid).items():
            if label in entry.working and (scenario.expected(sid, label) or {}).get("status") == "ok":
                out[sid] = {"label": label, "attr": attr, "static": entry.static,
                            "framework": entry.framework, "impl_module": scenario.impl_module(sid),
                            "block": [m for f in systems.FRAMEWORKS if f.name != entry.framework
                                      for m in f.modules]}
                break
    return out


def working_run(doc: dict, system: str, label: str) -> dict | None:
    for run in doc.get("runs", []):
        if run["system"] == system and run["variant"] == label and run["status"] == "ok" \
                and run["timing"].get("steady_median_s"):
            return run
    return None


def bracketed(servers: dict, variants: dict, lab_args: list[str], ids: list[str]) -> dict:
    """Independent measurement, a lab run, independent again: the pair, side by side."""
    before = {sid: servers[sid].measure() for sid in ids}
    res = lab_json(["compare", SCENARIO, "--json", *lab_args])
    after = {sid: servers[sid].measure() for sid in ids}
    out = {}
    for sid in ids:
        run = working_run(res["doc"], sid, variants[sid]["label"]) if res["doc"] else None
        t = run["timing"] if run else {}
        out[sid] = {"lab_s": t.get("steady_median_s"), "lab_iqr_s": t.get("steady_iqr_s"),
                    "lab_best_s": min(t["samples_s"]) if t.get("samples_s") else None,
                    "lab_block_calls": t.get("block_calls"),
                    "indep_s": (before[sid]["median_s"] + after[sid]["median_s"]) / 2,
                    "indep_before_s": before[sid]["median_s"], "indep_after_s": after[sid]["median_s"],
                    "indep_best_s": min(before[sid]["samples_s"] + after[sid]["samples_s"]),
                    "method": before[sid]["method"],
                    "lab_error": None if run else (res["error"] or "no working run")}
    return out


def within(ratio) -> bool | None:
    return None if ratio is None else abs(ratio - 1) <= TOLERANCE


def ratio_median(pairs: list[dict]):
    return median([p["lab_s"] / p["indep_s"] for p in pairs if p["lab_s"]])


def run(cfg: dict, options) -> dict:
    reps = cfg["reps"]
    variants = working_variants(SCENARIO)
    ids = list(variants)
    pairs: dict[str, list] = {sid: [] for sid in ids}
    solo: dict[str, list] = {sid: [] for sid in ids}
    errors, servers, diag = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        try:
            log("accuracy: starting one bare measuring process per system")
            for sid, v in variants.items():
                servers[sid] = BareServer({
                    "framework": v["framework"], "block": v["block"],
                    "scenario_module": SCENARIO.replace("-", "_"), "impl_module": v["impl_module"],
                    "attr": v["attr"], "static": v["static"], "seed": 0, "threads": 1,
                    "min_run_time": 0.2, "repeat": 5}, workdir, sid)
            for rep in range(reps):
                log(f"accuracy: repetition {rep + 1}/{reps}")
                for sid, pair in bracketed(servers, variants, [], ids).items():
                    pairs[sid].append(pair)
            missed = [sid for sid in ids if not within(ratio_median(pairs[sid]))]
            for rep in range(cfg["solo_reps"] if missed else 0):
                for sid in missed:
                    log(f"accuracy: {sid} missed; solo lab run {rep + 1}/{cfg['solo_reps']}")
                    solo[sid].append(bracketed(servers, variants, ["--systems", sid], [sid])[sid])
        except Exception as exc:  # noqa: BLE001 - report what was measured so far
            errors.append(f"stopped early: {exc!r}")
        finally:
            for srv in servers.values():
                srv.close()
    if any(solo.values()):
        log("accuracy: timeline of one lab run (contention during timed sections)")
        try:
            from timeline import timeline
            diag = timeline(SCENARIO)
        except Exception as exc:  # noqa: BLE001
            diag = {"error": repr(exc)}
    rows, targets, per_system, notes = [], [], {}, []
    for sid in ids:
        ps, fw = pairs[sid], variants[sid]["framework"]
        ratios = [p["lab_s"] / p["indep_s"] for p in ps if p["lab_s"]]
        best = [p["lab_best_s"] / p["indep_best_s"] for p in ps if p["lab_best_s"]]
        solo_r = [p["lab_s"] / p["indep_s"] for p in solo[sid] if p["lab_s"]]
        drift = [abs(p["indep_after_s"] / p["indep_before_s"] - 1) for p in ps]
        m = median(ratios)
        ok = within(m)
        per_system[sid] = {"variant": variants[sid], "pairs": ps, "solo_pairs": solo[sid], "ratios": ratios,
                           "ratios_best": best, "ratios_solo": solo_r, "ratio_median": m, "pass": ok}
        rows.append([sid, variants[sid]["attr"], fmt_s(median([p["lab_s"] for p in ps])),
                     fmt_s(median([p["indep_s"] for p in ps])), fmt_x(m), spread(ratios),
                     f"{100 * (iqr(ratios) or 0):.0f}%", fmt_x(median(best)),
                     f"{100 * (median([p['lab_iqr_s'] / p['lab_s'] for p in ps if p['lab_s']]) or 0):.0f}%",
                     f"{100 * (median(drift) or 0):.0f}%", fmt_x(median(solo_r)), verdict(ok)])
        targets.append(target("accuracy", f"{sid}: lab steady median within ±{TOLERANCE:.0%} of independent",
                              f"{fmt_x(m)} (median of {len(ratios)}; range {spread(ratios)})", ok))
        if ok is False:
            ph = (diag.get("phases") or {}).get(fw) or {}
            why = f"MISS {sid}: lab/independent {fmt_x(m)}; lab run alone (--systems {sid}) {fmt_x(median(solo_r))}."
            busy = (ph.get("timed_while_others_import_s") or 0) + (ph.get("timed_while_others_exit_s") or 0)
            if ph.get("timed_section_s"):
                why += (f" In a timeline run, of its {fmt_s(ph['timed_section_s'])} timed section "
                        f"{fmt_s(ph['timed_while_others_import_s'])} ran while another worker was importing and "
                        f"{fmt_s(ph['timed_while_others_exit_s'])} while another worker was exiting.")
            solo_m = median(solo_r)
            if solo_m is not None and m is not None and abs(solo_m - 1) < abs(m - 1) \
                    and busy > 0.5 * (ph.get("timed_section_s") or float("inf")):
                why += (" Alone it is much closer to 1: the error comes from sharing the cores with the other "
                        "workers while timing.")
            elif median(drift) and median(drift) > TOLERANCE:
                why += (f" The independent measurement itself moved by {100 * median(drift):.0f}% between "
                        "just before and just after the lab run: the machine's load decides.")
            else:
                why += " Compare best/best (load-robust) to tell the measurement method from load."
            notes.append(why)
    methods = "; ".join(f"{sid}: {pairs[sid][0]['method']}" for sid in ids if pairs[sid])
    notes = [f"{reps} repetitions. Each: an independent measurement in a bare process per system, then "
             f"`lab compare {SCENARIO} --json` (default systems and options), then the independent measurement "
             f"again; independent = mean of before and after. Methods: {methods}. The bare processes have the "
             "lab worker's conditions (other frameworks blocked, thread pins, warm-up) and stay up between "
             "measurements (no re-import).",
             f"ratio = lab steady median / independent median (the target: {1 - TOLERANCE:.2f}x..{1 + TOLERANCE:.2f}x); "
             "range and ratio IQR = spread of that ratio over repetitions; best/best = fastest lab block / fastest "
             "independent block (less sensitive to load); lab IQR = spread inside the lab's own samples; indep "
             "drift = |after/before - 1| of the independent measurement around one lab run (the machine's noise "
             "floor); solo/indep = the lab run with --systems <one> (only for misses)."] + notes + errors
    return {"repetitions": reps, "systems": per_system, "timeline": diag, "targets": targets,
            "tables": [table(f"Part 3 - accuracy ({SCENARIO}, working variant)",
                             ["system", "function", "lab median", "indep. median", "lab/indep", "range",
                              "ratio IQR", "best/best", "lab IQR", "indep drift", "solo/indep",
                              f"target ±{TOLERANCE:.0%}"], rows, notes)]}
