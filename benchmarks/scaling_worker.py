"""Compile count and wall time as the number of distinct input lengths grows, one framework.

    python benchmarks/scaling_worker.py REQUEST.json

For each size (a pickled list of input tuples per size, built by the scaling part) the
implementation modules are re-imported (fresh tf.function / jax.jit objects, fresh trace
counters) and JAX's caches are cleared; then each variant is called on every input in turn, each
call synchronised, and timed as a whole. Compiles come from the framework's own counters, the
ones the lab reads: TF experimental_get_tracing_count(), JAX
'/jax/core/compile/backend_compile_duration' events. Same conditions as a lab worker (other
frameworks blocked, thread pins, warm-up). No lab code runs: the outputs, as numpy arrays, go
to a pickle that the scaling part checks against the spec's reference with the lab's one
numeric comparison, after this process has ended.

Request: {"framework", "block", "scenario_module", "seed", "threads", "budget_s", "result",
          "inputs" (pickle path: {size: [calls]}), "outputs" (pickle path, written:
          {size: {key: [leaves per call]}}), "variants": [{"key", "impl_module", "attr", "static"}]}
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


def _numpy(leaf) -> np.ndarray:
    if hasattr(leaf, "detach"):
        return leaf.detach().cpu().numpy()
    if hasattr(leaf, "numpy"):
        return np.asarray(leaf.numpy())
    return np.asarray(leaf)


def run_size(fw, variants: list[dict], calls: list) -> tuple[list[dict], dict]:
    fw.clear_caches()
    modules = {name: importlib.reload(sys.modules[name]) for name in {v["impl_module"] for v in variants}}
    rows, outputs = [], {}
    for v in variants:
        static, module = v["static"], modules[v["impl_module"]]
        count0 = fw.compile_count(module, static)
        outs, error = [], None
        with fw.mode(static):
            fn = getattr(module, v["attr"])
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
        outputs[v["key"]] = [[_numpy(leaf) for leaf in _leaves(out)] for out in outs]
        rows.append({"key": v["key"], "wall_s": wall, "calls": len(outs),
                     "compiles": None if count0 is None else count - count0, "error": error})
    return rows, outputs


def main() -> None:
    request = _bare.read_request()
    name = request["framework"]
    fw = _bare.Framework(name, request.get("threads", 1), request.get("block", ()))
    spec = _bare.import_module(f"scenarios.{request['scenario_module']}")
    for module_name in {v["impl_module"] for v in request["variants"]}:
        _bare.import_module(module_name)
    with open(request["inputs"], "rb") as fh:
        inputs = pickle.load(fh)
    # Untimed warm-up on two of the spec's own inputs: first-use costs of the framework's tracer
    # and compiler would otherwise land on the first size only.
    run_size(fw, request["variants"], spec.calls(request.get("seed", 0))[:2])
    # A variant whose projected wall time (last wall x size ratio) passes the budget is not run
    # at the larger sizes: one compile per length can take seconds on a loaded machine.
    budget = request.get("budget_s") or float("inf")
    last: dict[str, tuple[int, float]] = {}
    sizes, outputs = {}, {}
    for size, calls in inputs.items():
        run, skipped = [], []
        for v in request["variants"]:
            prev = last.get(v["key"])
            projected = prev[1] * size / prev[0] if prev else 0.0
            if projected > budget:
                skipped.append({"key": v["key"], "skipped": True, "projected_s": projected,
                                "wall_s": None, "compiles": None, "calls": 0, "error": None})
            else:
                run.append(v)
        rows, outputs[size] = run_size(fw, run, calls) if run else ([], {})
        for row in rows:
            if not row["error"]:
                last[row["key"]] = (size, row["wall_s"])
            else:
                last[row["key"]] = (1, float("inf"))  # broken: do not retry it at larger sizes
        sizes[str(size)] = rows + skipped
    with open(request["outputs"], "wb") as fh:
        pickle.dump(outputs, fh)
    _bare.write_result(request, {"framework": name, "version": fw.version, "import_s": fw.import_s,
                                 "sizes": sizes})
    _bare.exit_now()


if __name__ == "__main__":
    main()
