"""Run one scenario's variants in one framework and return plain data.

Runs inside a worker process. The loop is the same for every scenario: call the variant on each
of the scenario's inputs in turn (timing each call, capturing what it prints, comparing it with
the numpy reference), then time the steady state on the first input.
"""
from __future__ import annotations

import importlib
import time

import numpy as np

from compare import timing
from compare.capture import captured
from compare.codesize import measure_file
from compare.tracebacks import anatomy
from lab.discovery import ROOT, Scenario

USER_DIRS = (str(ROOT / "static_impl"), str(ROOT / "dynamic_impl"), str(ROOT / "scenarios"))
HARNESS_DIRS = (str(ROOT / "compare"), str(ROOT / "lab"))
WORKING_VARIANTS = ("static", "eager", "compiled")


def _flatten(value) -> list[np.ndarray]:
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [np.asarray(value)]


def compare_outputs(outs: list[np.ndarray], ref, rtol: float, atol: float) -> tuple[float | None, bool, str | None]:
    """(max abs error, within tolerance, why not) of a call's outputs against the reference."""
    if ref is None:
        return None, True, None
    refs = _flatten(ref)
    if len(outs) != len(refs):
        return None, False, f"{len(outs)} outputs, reference has {len(refs)}"
    worst, ok = 0.0, True
    for out, expected in zip(outs, refs):
        out = np.asarray(out, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        if out.shape != expected.shape:
            return None, False, f"shape {out.shape}, reference {expected.shape}"
        if out.size:
            diff = np.abs(out - expected)
            # NaN where the reference is finite is an error of infinite size.
            diff = np.where(np.isnan(diff) & ~(np.isnan(out) & np.isnan(expected)), np.inf, diff)
            diff = np.nan_to_num(diff, nan=0.0)
            worst = max(worst, float(diff.max()))
            ok = ok and bool(np.all(diff <= atol + rtol * np.abs(np.nan_to_num(expected))))
    return worst, ok, None


def _error(exc: BaseException, backend, fn, args) -> dict:
    info = anatomy(exc, USER_DIRS, HARNESS_DIRS, root=str(ROOT))
    # The same call again with the framework's traceback filtering off, for the unfiltered length.
    try:
        with backend.unfiltered_tracebacks():
            out = fn(*args)
            backend.sync(out)
    except Exception as again:  # noqa: BLE001 - any exception is data here
        raw = anatomy(again, USER_DIRS, HARNESS_DIRS, root=str(ROOT))
        info["unfiltered_len"] = raw["filtered_len"]
        info["unfiltered_frames"] = raw["frames"]
    return info


def run_variant(scenario: Scenario, backend, module, label: str, attr: str, static: bool,
                repeats: int, seed: int, progress, steady: bool = True) -> dict:
    framework = backend.NAME
    calls = scenario.spec.calls(seed)
    run = {
        "framework": framework, "variant": label, "mode": "static" if static else "dynamic",
        "mode_name": backend.STATIC_MODE if static else backend.DYNAMIC_MODE,
        "file": str(scenario.impl_file(framework).relative_to(ROOT)), "function": attr,
        "status": "ok", "max_abs_err": None, "compiles": None, "error": None,
        "timing": {"first_call_s": None, "steady_median_s": None, "repeats": repeats},
        "calls": len(calls), "call_times_s": [], "call_compiles": [], "call_errors": [], "printed": [],
    }
    run.update(getattr(scenario.spec, "describe_calls", lambda c: {})(calls))
    raw_fn = getattr(module, attr)
    with backend.mode(static):
        fn = backend.prepare(raw_fn, static)
        count0 = before = backend.compile_count(module, static)
        first_args = None
        for index, call in enumerate(calls):
            args = [backend.to_input(a) for a in call]
            ref = scenario.spec.reference(*call)
            progress("tracing" if index == 0 else "calling", f"{label} call {index + 1}/{len(calls)}")
            split: dict = {}
            with captured() as printed:
                try:
                    if index == 0:
                        try:
                            split.update(backend.first_call_split(fn, args, static) or {})
                        except Exception:  # noqa: BLE001 - the plain call below shows the error
                            split = {}
                        with backend.first_call_events() as events:
                            elapsed, out = timing.time_once(lambda: _call(backend, fn, args))
                        split.update(events)
                        # TF traced before the call (get_concrete_function): add it back.
                        elapsed += split.get("trace_s", 0.0) if split.get("traced_before_call") else 0.0
                    else:
                        elapsed, out = timing.time_once(lambda: _call(backend, fn, args))
                    caught = None
                except Exception as exc:  # noqa: BLE001 - the exception is the result
                    caught = exc
            run["printed"].append(printed)
            if caught is not None:
                run["status"] = "error"
                run["error"] = _error(caught, backend, fn, args)
                run["error"]["call_index"] = index
                break
            run["call_times_s"].append(elapsed)
            if count0 is not None:  # which calls traced/compiled, for the per-call chart
                now = backend.compile_count(module, static)
                run["call_compiles"].append(now - before)
                before = now
            err, ok, why = compare_outputs(backend.to_numpy(out), ref, scenario.rtol, scenario.atol)
            run["call_errors"].append(err)
            if err is not None:
                run["max_abs_err"] = max(run["max_abs_err"] or 0.0, err)
            if not ok:
                run["status"] = "wrong"
                run.setdefault("wrong", {"call_index": index, "why": why})
            if index == 0:
                first_args = args
                run["timing"]["first_call_s"] = elapsed
                run["timing"].update({k: v for k, v in split.items()})
        if run["call_times_s"]:
            run["timing"]["total_calls_s"] = sum(run["call_times_s"])
        # STEADY_STATE = False: only the working version is timed (the others print or fail).
        timed = getattr(scenario.spec, "STEADY_STATE", True) or label in WORKING_VARIANTS
        if first_args is not None and steady and timed:
            progress("timing", label)
            run["timing"].update(timing.steady_state(lambda: _call(backend, fn, first_args), repeats))
        if count0 is not None:
            run["compiles"] = backend.compile_count(module, static) - count0
    if static and first_args is not None:
        report = backend.graph_report(raw_fn, first_args)
        if report:
            run["graph_report"] = report
    annotate = getattr(scenario.spec, "annotate", None)
    if annotate:
        run.update(annotate(run))
    return run


def _call(backend, fn, args):
    out = fn(*args)
    backend.sync(out)
    return out


def run_scenario(request: dict, progress) -> dict:
    """The worker's whole job: set up the framework, then run every variant of every mode."""
    framework = request["framework"]
    from lab.discovery import get
    scenario = get(request["scenario"])
    from compare.backends import start
    backend, info = start(request, progress)
    began = time.perf_counter()
    module = importlib.import_module(scenario.impl_module(framework))
    info["import_s"] += time.perf_counter() - began
    runs = []
    _wait_for_imports(request.get("barrier"), framework, progress)
    with _timing_lock(request.get("lock")):
        progress("running", "")
        for mode in request["modes"]:
            static = mode == "static"
            for label, attr in scenario.variants(framework, mode).items():
                run = run_variant(scenario, backend, module, label, attr, static,
                                  request["repeats"], request.get("seed", 0), progress)
                run["code"] = measure_file(str(scenario.impl_file(framework)), [attr])["functions"][attr]
                runs.append(run)
    return {"framework": framework, "status": "ok", "info": info, "runs": runs}


def _wait_for_imports(barrier: dict | None, framework: str, progress) -> None:
    """Measure only once every worker has finished importing: an import (TensorFlow takes
    seconds of CPU) running beside a timed section would slow it on a 2-core machine.
    The runner marks a worker that exits as ready, so a crash never blocks the others."""
    if not barrier:
        return
    import os
    open(os.path.join(barrier["dir"], f"ready.{framework}"), "w").close()
    progress("waiting", "for the other imports")
    # Capped: a worker stuck in its import must not eat the others' --timeout.
    deadline = time.monotonic() + min(30.0, 0.25 * barrier.get("timeout", 600))
    while time.monotonic() < deadline:
        ready = [f for f in os.listdir(barrier["dir"]) if f.startswith("ready.")]
        if len(ready) >= barrier["count"]:
            return
        time.sleep(0.02)


class _timing_lock:
    """Holds an flock while measuring, so two workers never share the cores while timed.

    Workers still import their frameworks in parallel; only the measured section is serial."""

    def __init__(self, path: str | None):
        self.path, self.fh = path, None

    def __enter__(self):
        if self.path:
            import fcntl
            self.fh = open(self.path, "a")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.fh:
            self.fh.close()  # closing releases the lock
