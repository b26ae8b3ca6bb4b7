"""`lab verify`'s worker side: one framework, every requested scenario, plain results.

For each working variant and each input case it returns the outputs and the gradients of
sum_k <output_k, weight_k> with respect to every floating-point input. For each variant whose
expected outcome the spec declares (the naive ports), it runs the variant as `lab compare` does,
so the CLI can check for lesson drift. All comparisons happen in the CLI process.
"""
from __future__ import annotations

import numpy as np

from compare import debugger
from compare.discovery import get
from compare.harness import fresh_module, run_variant


def _plain(arrays: list[np.ndarray]) -> list[dict]:
    return [{"shape": list(np.shape(a)), "dtype": str(np.asarray(a).dtype),
             "data": np.asarray(a, dtype=np.float64).ravel().tolist()} for a in arrays]


def _cases(path: str) -> list[dict]:
    """Cases saved by the CLI: arrays named c<case>_a<arg> and c<case>_w<output>."""
    data = np.load(path)
    cases: dict[int, dict] = {}
    for key in data.files:
        case, kind = key.split("_", 1)
        entry = cases.setdefault(int(case[1:]), {"args": {}, "weights": {}})
        bucket = "args" if kind[0] == "a" else "weights"
        entry[bucket][int(kind[1:])] = data[key]
    out = []
    for index in sorted(cases):
        entry = cases[index]
        n_out = max(entry["weights"], default=-1) + 1
        out.append({"args": [entry["args"][i] for i in sorted(entry["args"])],
                    "weights": [entry["weights"].get(k) if entry["weights"].get(k, np.empty(0)).size
                                else None for k in range(n_out)]})
    return out


def verify_scenario(name: str, cases_path: str, system_ids: list[str], backend, progress) -> dict:
    scenario = get(name)
    cases = _cases(cases_path)
    outcomes, variants = [], []
    for system in system_ids:
        if not scenario.has_impl(system):
            continue
        # Lesson checks first, on cold caches, so compile counts are what a fresh user sees.
        module = fresh_module(scenario.impl_module(system))
        for label, attr in scenario.variants(system).items():
            if scenario.declared_expectation(system, label):
                progress("drift check", f"{name} {label}")
                outcomes.append(run_variant(scenario, backend, module, system, label, attr,
                                            1, 0, lambda *a: None, steady=False).to_dict())
        for label, attr in scenario.verify_variants(system):
            progress("verifying", f"{name} {label}")
            results = []
            how = scenario.variant_table(system).get(label, (attr, None))[1]
            with backend.mode(system), debugger.scripted(scenario.field("DEBUGGER_COMMANDS")):
                fn = backend.prepare(getattr(module, attr), system, module, how)
                for case in cases:
                    args = [backend.to_input(a, system) for a in case["args"]]
                    entry: dict = {}
                    try:
                        out = fn(*args)
                        backend.sync(out)
                        entry["forward"] = _plain(backend.to_numpy(out))
                    except Exception as exc:  # noqa: BLE001 - a failure is a result
                        entry["forward_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    try:
                        _, grads = backend.value_and_grad(fn, args, case["weights"], system)
                        entry["gradient"] = _plain(grads)
                    except Exception as exc:  # noqa: BLE001 - e.g. no reverse-mode rule: a finding
                        entry["gradient_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    results.append(entry)
            variants.append({"system": system, "variant": label, "function": attr, "cases": results})
    return {"scenario": name, "variants": variants, "outcomes": outcomes}


def verify(request: dict, progress, emit) -> dict:
    """Every requested scenario in this one worker (one import of the framework), each result
    handed to `emit` as soon as it is done."""
    from compare.backends import start
    backend, info = start(request, progress)
    for name, path in request["cases"].items():
        progress("scenario", name)
        try:
            emit(name, dict(verify_scenario(name, path, request["systems"], backend, progress),
                            status="ok"))
        except Exception as exc:  # noqa: BLE001 - one broken scenario must not cost the others
            emit(name, {"status": "crashed", "reason": f"{type(exc).__name__}: {exc}"})
    return {"framework": request["framework"], "status": "ok", "info": info}
