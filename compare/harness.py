"""Run scenarios' variants in one framework's systems and return plain data.

Runs inside a worker process. The loop is the same for every scenario: call the variant on each
of the scenario's inputs in turn (timing each call, capturing what it prints, comparing it with
the numpy reference), then time the steady state on the first input.
"""
from __future__ import annotations

import importlib
import inspect
import sys
import time
from dataclasses import fields

from compare import debugger, protocol, retrace, signals, systems, timing
from compare.capture import captured
from compare.discovery import ROOT, Scenario, get
from compare.numeric import compare_outputs
from compare.probekit import ProbeKit
from compare.results import ErrorAnatomy, Run
from compare.tracebacks import anatomy

USER_DIRS = (str(ROOT / "static_impl"), str(ROOT / "dynamic_impl"), str(ROOT / "scenarios"))
HARNESS_DIRS = (str(ROOT / "compare"), str(ROOT / "lab"))


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


def new_run(scenario: Scenario, system: str, label: str, attr: str, repeats: int | None) -> Run:
    entry = systems.get(system)
    run = Run(system=system, framework=entry.framework, variant=label,
              mode="static" if entry.static else "dynamic", mode_name=entry.label,
              function=attr, file=scenario.rel_file(system), status="ok")
    run.timing.repeats = repeats
    return run


def run_variant(scenario: Scenario, backend, module, system: str, label: str, attr: str,
                repeats: int, seed: int, progress, steady: bool = True, calls=None) -> Run:
    commands = scenario.field("DEBUGGER_COMMANDS")
    # A breakpoint stops a scripted pdb, for this run only; timing a loop would stop on every call.
    with debugger.scripted(commands):
        return _run_variant(scenario, backend, module, system, label, attr, repeats, seed, progress,
                            steady and not commands, calls)


def _run_variant(scenario: Scenario, backend, module, system: str, label: str, attr: str,
                 repeats: int, seed: int, progress, steady: bool, calls) -> Run:
    calls = scenario.calls(seed) if calls is None else calls
    run = new_run(scenario, system, label, attr, repeats)
    run.calls = len(calls)
    raw_fn = getattr(module, attr)
    how = scenario.variant_table(system)[label][1]
    run.capture = backend.describe(system, how)
    working = label in systems.get(system).working
    with backend.mode(system):
        count0 = before = backend.compile_count(module, system)
        accounts: list[list[str]] = []  # what the framework said, call by call, about recompiling
        try:  # torch.jit.script compiles here, and may refuse the code: that is the result
            fn = backend.prepare(raw_fn, system, module, how)
        except Exception as exc:  # noqa: BLE001
            run.status = "error"
            run.error = ErrorAnatomy.from_dict(anatomy(exc, USER_DIRS, HARNESS_DIRS, root=str(ROOT)))
            _probe(scenario, backend, module, system, run, None,
                   [backend.to_input(a, system) for a in calls[0]] if calls else [], (attr, how))
            return run
        first_args = None
        for index, call in enumerate(calls):
            args = [backend.to_input(a, system) for a in call]
            ref = scenario.reference(*call)
            progress("tracing" if index == 0 else "calling", f"{label} call {index + 1}/{len(calls)}")
            split: dict = {}
            mark = backend.recompile_mark(system)
            graphs_before = backend.graph_runs(system)
            with captured() as printed:
                try:
                    if index == 0:
                        try:
                            split.update(backend.first_call_split(fn, args, system) or {})
                        except Exception:  # noqa: BLE001 - the plain call below shows the error
                            split = {}
                        with backend.first_call_events(system) as events:
                            elapsed, out = timing.time_once(lambda: _call(backend, fn, args))
                        split.update(events)
                        # TF traced before the call (get_concrete_function): add it back.
                        elapsed += split.get("trace_s", 0.0) if split.get("traced_before_call") else 0.0
                    else:
                        elapsed, out = timing.time_once(lambda: _call(backend, fn, args))
                    caught = None
                except Exception as exc:  # noqa: BLE001 - the exception is the result
                    caught = exc
            run.printed.append(printed)
            accounts.append(backend.recompile_said(system, mark))
            if caught is not None:
                run.status = "error"
                error = _error(caught, backend, fn, args)
                error["call_index"] = index
                run.error = ErrorAnatomy.from_dict(error)
                break
            run.call_times_s.append(elapsed)
            if graphs_before is not None:  # none ran: this call ran eagerly
                run.call_graph_runs.append(backend.graph_runs(system) - graphs_before)
            if count0 is not None:  # which calls traced/compiled, for the per-call chart
                now = backend.compile_count(module, system)
                run.call_compiles.append(now - before)
                before = now
            err, ok, why = compare_outputs(backend.to_numpy(out), ref, scenario.rtol, scenario.atol)
            run.call_errors.append(err)
            if err is not None:
                run.max_abs_err = max(run.max_abs_err or 0.0, err)
            if not ok:
                run.status = "wrong"
                run.wrong = run.wrong or {"call_index": index, "why": why}
            if index == 0:
                first_args = args
                run.timing.first_call_s = elapsed
                run.timing.split.update(split)
            elif index == 1:
                run.timing.second_call_s = elapsed
        if run.call_times_s:
            run.timing.split["total_calls_s"] = sum(run.call_times_s)
        # STEADY_STATE = False: only the working versions are timed (the others print or fail).
        timed = scenario.field("STEADY_STATE") or working
        if first_args is not None and steady and timed:
            progress("timing", label)
            run.timing.split.update(timing.steady_state(lambda: _call(backend, fn, first_args), repeats))
            run.timing.steady_median_s = run.timing.split.pop("steady_median_s")
        if count0 is not None:
            run.compiles = backend.compile_count(module, system) - count0
    run.retrace_reasons = retrace.reasons(calls, run.call_compiles, accounts,
                                          backend.ACCOUNT_SOURCE)
    run.warnings = backend.warnings_of(fn)
    if first_args is not None:
        # torch.export reports on what it exported (the prepared callable); torch.compile re-runs
        # Dynamo's explain on the plain function.
        report = backend.graph_report(fn, first_args, system)
        if report:
            run.graph_report = report
    if calls:
        _probe(scenario, backend, module, system, run, fn, first_args or
               [backend.to_input(a, system) for a in calls[0]], (attr, how))
    run.signals = signals.read(run.to_dict())
    annotate = scenario.field("annotate")
    if annotate:
        try:
            _land(run, annotate(run.to_dict()))
        except Exception as exc:  # noqa: BLE001 - a spec's reading failing costs the reading, not the run
            run.extra["annotate_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return run


def _probe(scenario: Scenario, backend, module, system: str, run: Run, fn, args,
           variant: tuple = (None, None)) -> None:
    """The spec's probe, in the system's mode: its fields land on the run (typed ones as
    attributes). A probe that raises costs only its own fields: `probe_error` says why. A probe
    with a fifth parameter gets the worker's kit (compare/probekit.py) for this variant."""
    probe = scenario.field("probe")
    if probe is None:
        return
    kit = ()
    if len(inspect.signature(probe).parameters) >= 5:
        kit = (ProbeKit(backend, lambda: fresh_module(scenario.impl_module(system)), system, *variant,
                        run.timing.repeats or 1),)
    try:
        with backend.mode(system):
            found = probe(run.to_dict(), module, fn, args, *kit)
    except Exception as exc:  # noqa: BLE001 - reported in the run, not raised
        found = {"probe_error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
    _land(run, found)


def _land(run: Run, found: dict) -> None:
    """A scenario's fields onto the run: typed ones as attributes, the rest into `extra`."""
    typed = {f.name for f in fields(Run)} - {"extra"}
    for key, value in found.items():
        if key in typed:
            setattr(run, key, value)
        else:
            run.extra[key] = value


def _call(backend, fn, args):
    out = fn(*args)
    backend.sync(out)
    return out


def fresh_module(name: str):
    """Import an implementation module anew, so its functions (and their trace caches) are new:
    a second scenario in the same worker still traces and compiles on its first call."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def run_systems(scenario: Scenario, backend, system_ids: list[str], repeats: int, seed: int,
                progress) -> list[Run]:
    runs = []
    for system in system_ids:
        backend.forget_conversions()
        module = fresh_module(scenario.impl_module(system))
        for label, attr in scenario.variants(system).items():
            runs.append(run_variant(scenario, backend, module, system, label, attr, repeats, seed,
                                    progress))
    return runs


def run_scenarios(request: dict, progress, emit) -> dict:
    """The worker's whole job: set up the framework once, then run every requested scenario
    (each in its turn at the timing lock) and hand each result to `emit` as soon as it is done:
    its runs stay typed until the part file is written (compare/protocol.py)."""
    backend, info = _started(request, progress)
    _wait_for_imports(request.get("barrier"), request["framework"], progress)
    for job in request["scenarios"]:
        began = time.perf_counter()
        progress("scenario", job["scenario"])
        try:
            scenario = get(job["scenario"])
            with _timing_lock(request.get("lock"), progress):
                progress("running", job["scenario"])
                runs = run_systems(scenario, backend, job["systems"], job["repeats"],
                                   job.get("seed", 0), progress)
            emit(job["scenario"], {"status": "ok", "runs": runs, "info": info,
                                   "wall_s": time.perf_counter() - began})
        except Exception as exc:  # noqa: BLE001 - one broken scenario must not cost the others
            import traceback
            emit(job["scenario"], {"status": "crashed", "reason": traceback.format_exc(limit=8),
                                   "exception": f"{type(exc).__name__}: {exc}"})
        progress("scenario done", job["scenario"])
    return {"framework": request["framework"], "status": "ok", "info": info}


_STARTED: dict = {}  # (device, threads) -> (backend, info): a warm worker sets up its framework once


def _started(request: dict, progress):
    """The framework imported, set up and warmed up: on the first request, or kept from an
    earlier request of this warm worker (info["reused"] then says so; its import_s is the
    earlier request's)."""
    key = (request["device"], request["threads"])
    from compare.backends import scratch, start
    if key in _STARTED:
        scratch(request)  # this request's own temp folder: the last one's went with its call
        backend, info = _STARTED[key]
        return backend, dict(info, reused=True)
    # A worker started again after another crashed imports while the others may be timing:
    # it takes the timing lock for its import.
    with _timing_lock(request.get("lock") if request.get("import_under_lock") else None, progress):
        _STARTED[key] = start(request, progress)
    return _STARTED[key]


def _wait_for_imports(barrier: dict | None, framework: str, progress) -> None:
    """Measure only once every worker has finished importing: an import (TensorFlow takes
    seconds of CPU) running beside a timed section would slow it on a 2-core machine.
    The runner marks a worker that exits as ready, so a crash never blocks the others."""
    if not barrier:
        return
    protocol.mark_ready(barrier["dir"], framework)
    progress("waiting", "for the other imports", wait="imports")
    # Capped: a worker stuck in its import must not eat the others' --timeout.
    deadline = time.monotonic() + min(30.0, 0.25 * barrier.get("timeout", 600))
    while time.monotonic() < deadline:
        if protocol.ready_count(barrier["dir"]) >= barrier["count"]:
            return
        time.sleep(0.02)


class _timing_lock:
    """Holds an flock while measuring, so two workers never share the cores while timed.

    Workers still import their frameworks in parallel; only the measured section is serial.
    The runner hears when the worker waits (its --timeout clock stops) and when it holds the
    lock. The kernel releases the lock when a holder is killed."""

    def __init__(self, path: str | None, progress):
        self.path, self.fh, self.progress = path, None, progress

    def __enter__(self):
        if self.path:
            import fcntl
            self.progress("waiting", "for the timing lock", wait="lock")
            self.fh = open(self.path, "a")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
            self.progress("lock-held")
        return self

    def __exit__(self, *exc):
        if self.fh:
            self.fh.close()  # closing releases the lock
            self.progress("lock-free")
