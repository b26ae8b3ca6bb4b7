"""Part 4, scaling: compile count and wall time of each variant of `variable-length` as the
number of distinct input lengths grows.

Shares with the lab: the scenario and its default systems' variants (compare.discovery,
compare.systems), and the one numeric comparison (compare.numeric) for checking the outputs.
The timing runs in scaling_worker.py, which imports none of it; the inputs come from lengths.py
(numpy and the spec only).
"""
from __future__ import annotations

import os
import pickle
import tempfile

from common import fmt_s, fmt_x, log, run_bare, table
from compare import discovery, systems
from compare.numeric import compare_outputs
import lengths

SCENARIO = "variable-length"
CONFIG = {"full": {"sizes": [4, 8, 16, 32, 64], "budget_s": 40},
          "quick": {"sizes": [4, 8, 16, 32, 64], "budget_s": 15}}


def variants_by_framework(scenario) -> dict[str, list[dict]]:
    """Each default system's variants, as the lab would run them, grouped by worker."""
    out: dict[str, list[dict]] = {}
    for sid in systems.DEFAULT:
        entry = systems.get(sid)
        for label, attr in scenario.variants(sid).items():
            out.setdefault(entry.framework, []).append({
                "key": f"{sid}/{label}", "system": sid, "label": label, "attr": attr,
                "static": entry.static, "impl_module": scenario.impl_module(sid)})
    return out


def wrong_outputs(scenario, calls: list, outputs: list) -> int:
    """How many calls disagree with the spec's reference (compare.numeric's one rule)."""
    return sum(1 for call, outs in zip(calls, outputs)
               if not compare_outputs(outs, scenario.reference(*call), scenario.rtol, scenario.atol)[1])


def run(cfg: dict, options) -> dict:
    skip = None
    try:
        scenario = discovery.get(SCENARIO)
        inputs, how = lengths.calls_for_sizes(scenario.spec, cfg["sizes"])
        variants = variants_by_framework(scenario)
    except KeyError:
        skip = f"skipped: scenario '{SCENARIO}' does not exist"
    except Exception as exc:  # noqa: BLE001 - a scenario being written may be incomplete
        skip = f"skipped: cannot build inputs for '{SCENARIO}': {type(exc).__name__}: {exc}"
    if skip:
        log(f"scaling: {skip}")
        return {"skipped": skip, "targets": [], "tables": [table("Part 4 - scaling", ["note"], [[skip]])]}
    per_fw, outputs = {}, {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as workdir:
        path = os.path.join(workdir, "inputs.pkl")
        with open(path, "wb") as fh:
            pickle.dump(inputs, fh)
        for fw, vs in variants.items():
            log(f"scaling: {fw}, sizes {cfg['sizes']}")
            out_path = os.path.join(workdir, f"outputs-{fw}.pkl")
            per_fw[fw] = run_bare("scaling_worker.py", {
                "framework": fw, "block": [m for f in systems.FRAMEWORKS if f.name != fw for m in f.modules],
                "scenario_module": scenario.module_name, "seed": 0, "threads": 1, "inputs": path,
                "outputs": out_path, "variants": vs, "budget_s": cfg["budget_s"]}, workdir, f"scale-{fw}")
            if not per_fw[fw].get("error"):
                with open(out_path, "rb") as fh:
                    outputs[fw] = pickle.load(fh)
    rows, notes = [], [f"Inputs: {how}. One bare process per framework; per size the implementation "
                       "modules are re-imported and compile caches cleared. wall = all calls of the "
                       "variant, each synchronised; compiles = TF traces / XLA backend compiles. Outputs "
                       "checked against the spec's reference with compare.numeric (the lab's rule). wall/N "
                       "in ms per distinct length (flat = linear). A variant is not run at a larger N once "
                       f"its projected wall passes {cfg['budget_s']} s."]
    for fw, res in per_fw.items():
        if res.get("error"):
            notes.append(f"{fw}: worker failed: {res['error']}")
            continue
        for v in variants[fw]:
            cells, per_len = [v["system"], v["label"]], []
            for size in cfg["sizes"]:
                row = next((x for x in res["sizes"][str(size)] if x["key"] == v["key"]), None)
                if row is None:
                    cells.append("-")
                    continue
                if row.get("skipped"):
                    cells.append(f"skipped (~{fmt_s(row['projected_s'])} projected)")
                    continue
                row["wrong"] = wrong_outputs(scenario, inputs[size], outputs[fw][size].get(v["key"], []))
                cell = (f"{row['compiles'] if row['compiles'] is not None else '-'} / {fmt_s(row['wall_s'])}"
                        f" / {row['wall_s'] / size * 1e3:.1f}")
                if row["error"]:
                    cell += " (error)"
                    if size == cfg["sizes"][0]:
                        notes.append(f"{v['system']} {v['label']}: {row['error']} (after {row['calls']} calls)")
                else:
                    per_len.append(row["wall_s"] / size)
                    if row["wrong"]:
                        cell += f" ({row['wrong']} wrong)"
                cells.append(cell)
            cells.append(fmt_x(per_len[-1] / per_len[0]) if len(per_len) > 1 else "-")
            rows.append(cells)
    return {"inputs": how, "sizes": cfg["sizes"], "variants": variants, "frameworks": per_fw,
            "targets": [],
            "tables": [table(f"Part 4 - scaling ({SCENARIO}): compiles / wall / wall÷N ms",
                             ["system", "variant"] + [f"N={n}" for n in cfg["sizes"]] + ["wall/N last÷first"],
                             rows, notes)]}
