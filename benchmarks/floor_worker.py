"""The floor for one framework: the work `lab compare` does, done by a bare script.

    python benchmarks/floor_worker.py REQUEST.json

Blocks the other frameworks' imports (as a lab worker does), imports the framework (same thread
pins), warms it up untimed (the same tiny op as the lab), imports the scenario spec and the
implementation modules, then for each variant: calls it on every input from the spec's calls()
in turn (stopping at the first exception, as the lab does), then `steady_calls` more calls on
the first input. Every call ends with the framework's synchronisation. Exits without interpreter
teardown, as a lab worker does. No lab or compare code runs: no progress pipe, no output
capture, no reference check, no traceback analysis, no code metrics.

With no variants it is the import floor: interpreter, framework import, warm-up, exit.

Request: {"framework", "block": [modules], "watch": [modules], "scenario_module", "seed",
          "threads", "result", "variants": [{"label", "impl_module", "attr", "static",
          "steady_calls"}]}  ("watch": modules reported in "foreign_modules" if loaded at the end)
Result:  {"import_s", "warmup_s", "modules_s", "work_s", "script_s", "foreign_modules",
          "variants": [{"label", "work_s", "calls", "steady_calls", "error"}]}
"""
from __future__ import annotations

import time

T0 = time.perf_counter()

import _bare  # noqa: E402  (benchmarks/ is sys.path[0] when run as a script)


def main() -> None:
    request = _bare.read_request()
    fw = _bare.Framework(request["framework"], request.get("threads", 1), request.get("block", ()))
    start = time.perf_counter()
    spec = _bare.import_module(f"scenarios.{request['scenario_module']}") if request["variants"] else None
    modules = {v["impl_module"]: _bare.import_module(v["impl_module"]) for v in request["variants"]}
    modules_s = time.perf_counter() - start

    variants = []
    work_start = time.perf_counter()
    for v in request["variants"]:
        v_start = time.perf_counter()
        calls_done, error, first_args = 0, None, None
        with fw.mode(v["static"]):
            fn = getattr(modules[v["impl_module"]], v["attr"])
            for call in spec.calls(request.get("seed", 0)):
                args = [fw.to_input(a) for a in call]
                try:
                    fw.sync(fn(*args))
                except Exception as exc:  # noqa: BLE001 - the lab stops a variant here too
                    error = type(exc).__name__
                    break
                calls_done += 1
                if first_args is None:
                    first_args = args
            if first_args is not None:
                for _ in range(v.get("steady_calls", 0)):
                    fw.sync(fn(*first_args))
        variants.append({"label": v["label"], "work_s": time.perf_counter() - v_start,
                         "calls": calls_done,
                         "steady_calls": v.get("steady_calls", 0) if first_args is not None else 0,
                         "error": error})
    work_s = time.perf_counter() - work_start
    _bare.write_result(request, {
        "framework": fw.name, "version": fw.version, "import_s": fw.import_s,
        "warmup_s": fw.warmup_s, "modules_s": modules_s, "work_s": work_s,
        "script_s": time.perf_counter() - T0, "variants": variants,
        "foreign_modules": _bare.loaded(request.get("watch", ()))})
    _bare.exit_now()


if __name__ == "__main__":
    main()
