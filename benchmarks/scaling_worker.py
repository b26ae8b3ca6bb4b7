"""Compile count and wall time as the number of distinct input lengths grows, one framework.

    python benchmarks/scaling_worker.py REQUEST.json

For each size (a pickled list of input tuples per size, built by run.py) the implementation
module is re-imported (fresh tf.function / jax.jit objects, fresh trace counters) and JAX's and
Dynamo's caches are cleared; then each variant is called on every input in turn, each call
synchronised, and timed as a whole. Compiles come from the framework's own counters, the ones
the lab reads: TF experimental_get_tracing_count(), JAX '/jax/core/compile/backend_compile_duration'
events. Outputs are checked against the spec's reference after the clock stops. No lab code runs.

Request: {"framework", "scenario_module", "seed", "threads", "inputs" (pickle path: {size: [calls]}),
          "variants": [{"label", "attr", "static"}], "budget_s", "result"}
"""
from __future__ import annotations

import importlib
import pickle
import sys
import time

import numpy as np

import _bare


def _leaves(value) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _numpy(leaf):
    if hasattr(leaf, "detach"):
        return leaf.detach().cpu().numpy()
    if hasattr(leaf, "numpy"):
        return leaf.numpy()
    return np.asarray(leaf)


def _check(spec, call, out) -> bool | None:
    ref = spec.reference(*call)
    if ref is None:
        return None
    outs, refs = _leaves(out), _leaves(ref)
    if len(outs) != len(refs):
        return False
    for o, r in zip(outs, refs):
        o, r = np.asarray(_numpy(o), dtype=np.float64), np.asarray(r, dtype=np.float64)
        if o.shape != r.shape or not np.allclose(o, r, rtol=spec.RTOL, atol=spec.ATOL, equal_nan=True):
            return False
    return True


def run_size(fw, spec, module_name: str, variants: list[dict], calls: list) -> list[dict]:
    fw.clear_caches()
    module = importlib.reload(sys.modules[module_name])
    rows = []
    for v in variants:
        static = v["static"]
        count0 = fw.compile_count(module, static)
        outs, error = [], None
        with fw.mode(static):
            fn = fw.prepare(getattr(module, v["attr"]), static)
            inputs = [[fw.to_input(a) for a in call] for call in calls]
            start = time.perf_counter()
            for args in inputs:
                try:
                    out = fn(*args)
                    fw.sync(out)
                except Exception as exc:  # noqa: BLE001 - reported, the other variants go on
                    error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
                    break
                outs.append(out)
            wall = time.perf_counter() - start
        count = fw.compile_count(module, static)
        checks = [_check(spec, call, out) for call, out in zip(calls, outs)]
        rows.append({"label": v["label"], "attr": v["attr"], "wall_s": wall, "calls": len(outs),
                     "compiles": None if count0 is None else count - count0, "error": error,
                     "wrong": sum(1 for c in checks if c is False)})
    return rows


def main() -> None:
    request = _bare.read_request()
    name = request["framework"]
    fw, import_s = _bare.timed_import(name, request.get("threads", 1))
    spec = _bare.import_module(f"scenarios.{request['scenario_module']}")
    module_name = _bare.impl_module_name(name, request["scenario_module"])
    _bare.import_module(module_name)
    with open(request["inputs"], "rb") as fh:
        inputs = pickle.load(fh)
    # Untimed warm-up on two of the spec's own inputs: first-use costs of the framework's tracer
    # and compiler would otherwise land on the first size only.
    run_size(fw, spec, module_name, request["variants"], spec.calls(request.get("seed", 0))[:2])
    # A variant whose projected wall time (last wall x size ratio) passes the budget is not run
    # at the larger sizes: one compile per length can take seconds on a loaded machine.
    budget = request.get("budget_s") or float("inf")
    last: dict[str, tuple[int, float]] = {}
    sizes = {}
    for size, calls in inputs.items():
        run, skipped = [], []
        for v in request["variants"]:
            prev = last.get(v["label"])
            projected = prev[1] * size / prev[0] if prev else 0.0
            if projected > budget:
                skipped.append({"label": v["label"], "attr": v["attr"], "skipped": True,
                                "projected_s": projected, "wall_s": None, "compiles": None,
                                "calls": 0, "error": None, "wrong": 0})
            else:
                run.append(v)
        rows = run_size(fw, spec, module_name, run, calls) if run else []
        for row in rows:
            if not row["error"]:
                last[row["label"]] = (size, row["wall_s"])
            else:
                last[row["label"]] = (1, float("inf"))  # broken: do not retry it at larger sizes
        sizes[str(size)] = rows + skipped
    _bare.write_result(request, {"framework": name, "version": fw.version, "import_s": import_s,
                                 "sizes": sizes})


if __name__ == "__main__":
    main()
