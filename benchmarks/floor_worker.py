"""The floor for one framework: the work `lab compare` does, done by a bare script.

    python benchmarks/floor_worker.py REQUEST.json

Imports the framework (same thread pins as a lab worker), the scenario spec and the
implementation module, then for each variant: calls it on every input from the spec's calls()
in turn (stopping at the first exception, as the lab does), then `steady_calls` more calls on the
first input. Every call ends with the framework's synchronisation. No lab or compare code runs:
no progress pipe, no output capture, no reference check, no traceback analysis, no code metrics.

Request: {"framework", "scenario_module", "seed", "threads", "result",
          "variants": [{"label", "attr", "static", "steady_calls"}]}
Result:  {"import_s", "work_s", "script_s", "variants": [{"label", "work_s", "calls", "error"}]}
"""
from __future__ import annotations

import time

T0 = time.perf_counter()

import _bare  # noqa: E402  (benchmarks/ is sys.path[0] when run as a script)


def main() -> None:
    request = _bare.read_request()
    fw_name = request["framework"]
    start = time.perf_counter()
    fw = _bare.Framework(fw_name, request.get("threads", 1))
    spec = _bare.import_module(f"scenarios.{request['scenario_module']}")
    module = _bare.import_module(_bare.impl_module_name(fw_name, request["scenario_module"]))
    import_s = time.perf_counter() - start

    variants = []
    work_start = time.perf_counter()
    for v in request["variants"]:
        v_start = time.perf_counter()
        calls_done, error, first_args = 0, None, None
        with fw.mode(v["static"]):
            fn = fw.prepare(getattr(module, v["attr"]), v["static"])
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
                         "calls": calls_done, "steady_calls": v.get("steady_calls", 0) if first_args is not None else 0,
                         "error": error})
    work_s = time.perf_counter() - work_start
    _bare.write_result(request, {"framework": fw_name, "version": fw.version, "import_s": import_s,
                                 "work_s": work_s, "script_s": time.perf_counter() - T0,
                                 "variants": variants})


if __name__ == "__main__":
    main()
