"""`lab compare` (and report, demo, claims) as plain data: run the workers, assemble documents.

One worker per framework runs every requested scenario (one import per framework per command);
each scenario's document is assembled as soon as every framework has reported it. No rich here
and no framework: the renderers and `--json` read what this returns.

A run stays a `Run` from the worker's part file (compare/protocol.py reads it back typed) to the
finished `CompareDoc` (`run_many`), which is what the use cases and the views get. The document
becomes a dict for the spec's readings (they take the JSON document by contract) and where it
leaves as JSON (`CompareDoc.to_dict`, with or without the workers' logs).
"""
from __future__ import annotations

import functools
import os
import platform
import sys
import threading

from compare import protocol, systems, timing
from compare.codesize import measure_file
from compare.diff import DiffView, FileDiff, aligned, changed_lines
from compare.contract import ReadingError
from compare.discovery import Scenario, get
from compare.expectations import drift
from compare.results import CompareDoc, Run, WorkerResult
from lab import errors, verdicts
from lab.devices import nvidia_gpus
from lab.runner import run_workers


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=64)
def _measured(path: str, functions: tuple[str, ...]) -> dict:
    return measure_file(path, list(functions))


@functools.lru_cache(maxsize=64)
def _changed(eager_path: str, path: str) -> dict:
    with open(eager_path) as a, open(path) as b:
        return changed_lines(a.read(), b.read())


def code_view(scenario: Scenario, system_ids: list[str]) -> dict:
    """{system: its implementation file's source, counts per file and per variant, and the lines
    that differ from the eager baseline}. Measured once per file per command (cached)."""
    eager = scenario.impl_file(systems.EAGER_BASELINE)
    files = {}
    for system in systems.ordered(system_ids):
        if not scenario.has_impl(system):
            continue
        path = scenario.impl_file(system)
        attrs = tuple(sorted(set(scenario.variants(system).values())))
        counts = _measured(str(path), attrs)
        files[system] = {
            "file": scenario.rel_file(system),
            "source": path.read_text(),
            "counts": counts["file"],
            "functions": counts["functions"],
            "diff_vs_eager": (_changed(str(eager), str(path))
                              if path != eager and eager.exists() else None),
        }
    return files


def aligned_view(scenario: Scenario, system_ids: list[str]) -> DiffView:
    """`lab diff`: each system's file, function by function, against the eager functions."""
    eager = scenario.impl_file(systems.EAGER_BASELINE)
    files = {}
    for system in systems.ordered(system_ids):
        if not scenario.has_impl(system) or scenario.impl_file(system) == eager:
            continue
        files[system] = FileDiff(scenario.rel_file(system),
                                 aligned(eager.read_text(), scenario.impl_file(system).read_text()))
    return DiffView(scenario.name, systems.EAGER_BASELINE, scenario.rel_file(systems.EAGER_BASELINE), files)


def placeholder_runs(scenario: Scenario, system: str, status: str, reason: str | None) -> list[Run]:
    """One run per variant the system would have run, so a table never has blank cells."""
    entry = systems.get(system)
    return [Run.placeholder(system=system, framework=entry.framework, variant=label,
                            mode="static" if entry.static else "dynamic", mode_name=entry.label,
                            function=attr, file=scenario.rel_file(system), status=status,
                            reason=reason)
            for label, attr in scenario.variants(system).items()]


def exit_code(runs: list[Run], drifted: list[dict], interrupted: bool) -> int:
    """130 interrupted; 1 a working variant failed; 4 a naive variant no longer does what its
    lesson says; 3 incomplete (unavailable or timed out); 0 everything as expected."""
    return errors.outcome(
        interrupted=interrupted,
        failed=any(r.expect_ok and r.status in ("error", "wrong", "crashed") for r in runs),
        drift=bool(drifted),
        incomplete=any(r.status in ("unavailable", "timeout", "interrupted", "crashed") for r in runs))


def environment(device: str, threads: int, infos: dict) -> dict:
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "device_requested": device,
        "device_used": {fw: i.get("device_used") for fw, i in infos.items()},
        "gpu": next((i["gpu"] for i in infos.values() if i.get("gpu")), None),
        # name, driver and memory as nvidia-smi reports them (empty on a CPU-only machine)
        "nvidia_smi": nvidia_gpus() if device != "cpu" else [],
        "threads_requested": threads,
        "threads": {fw: i.get("threads") for fw, i in infos.items()},
        "timing_policy": timing.POLICY,
    }


def assemble(scenario: Scenario, system_ids: list[str], workers: dict[str, dict],
             parts: dict[str, protocol.Part], *, seed: int, device: str, threads: int,
             interrupted: bool) -> CompareDoc:
    """One scenario's document from each framework's worker result and its part for this
    scenario. Every requested system gets runs: measured, or placeholders saying why not. A spec
    reading that fails is one line in `reading_errors` (and exit 1); the runs stand."""
    failed_readings = []
    try:
        inputs = scenario.describe(seed)
    except ReadingError as exc:
        inputs, failed_readings = {}, [str(exc)]
    runs: list[Run] = []
    frameworks = {}
    for fw in systems.frameworks_of(system_ids):
        result = workers.get(fw) or {"framework": fw, "status": "interrupted", "reason": "not started"}
        part = parts.get(fw)
        status = result["status"] if part is None else part["status"]
        reason = result.get("reason") if part is None else part.get("reason")
        if result["status"] == "ok" and part is None:
            status, reason = "interrupted", "the worker ended before this scenario"
        # The worker that ran this scenario, and its output while it did: a crash or timeout in
        # one scenario is that scenario's, and each log slice goes into one document only.
        own = part if part is not None else result
        frameworks[fw] = WorkerResult(
            framework=fw, status=status, reason=reason, install=result.get("install"),
            stderr_tail=own.get("stderr_tail", result.get("stderr_tail")),
            last_stage=own.get("last_stage", result.get("last_stage")),
            wall_s=result.get("wall_s"), info=result.get("info", {}), log=own.get("log", ""),
            worker_pid=own.get("worker_pid"))
        for system in [s for s in systems.ordered(system_ids) if systems.get(s).framework == fw]:
            if not scenario.has_impl(system):
                runs += placeholder_runs(scenario, system, "unavailable",
                                         f"no implementation file {scenario.rel_file(system)}")
            elif status == "ok":
                runs += [r for r in part["runs"] if r.system == system]  # typed: compare/protocol.py
            else:
                runs += placeholder_runs(scenario, system, status, reason)
    code = code_view(scenario, system_ids)
    drifted = []
    annotate_failed: dict[str, list[str]] = {}  # the worker kept each run; its annotation failed
    for run in runs:
        if run.extra.get("annotate_error"):
            annotate_failed.setdefault(run.extra["annotate_error"], []).append(f"{run.system} {run.variant}")
    failed_readings += [str(scenario.reading_error("annotate", f"raised {error} ({', '.join(where)})"))
                        for error, where in annotate_failed.items()]
    for run in runs:
        run.expected = scenario.expected(run.system, run.variant)
        run.expect_ok = bool(run.expected and run.expected.get("status") == "ok")
        run.extra.update(inputs)
        if run.system in code:
            functions = code[run.system]["functions"]
            run.code = functions.get(run.function)
        declared = scenario.declared_expectation(run.system, run.variant)
        if declared and run.status in ("ok", "error", "wrong"):
            observed, mismatches = drift(declared, run.to_dict(), inputs)
            if mismatches:
                drifted.append({"system": run.system, "variant": run.variant,
                                "mismatches": mismatches, "observed": observed})
    infos = {fw: w.info for fw, w in frameworks.items()}
    doc = CompareDoc(
        scenario=scenario.name, seed=seed, title=scenario.title, claim=scenario.claim,
        lesson=scenario.lesson, device=device, systems=systems.ordered(system_ids),
        versions={fw: i.get("version") for fw, i in infos.items()},
        environment=environment(device, threads, infos),
        tolerances={"rtol": scenario.rtol, "atol": scenario.atol, "dtype": "float32"},
        frameworks=frameworks, runs=runs, code=code, inputs=inputs, verdicts=[], takeaways=[],
        drift=drifted, interrupted=interrupted,
        exit_code=exit_code(runs, drifted, interrupted))
    data = doc.to_dict(with_logs=False)  # what a spec's readings take, by contract
    try:
        if relate(doc, data, scenario):
            data = doc.to_dict(with_logs=False)
    except ReadingError as exc:
        failed_readings.append(str(exc))
    doc.verdicts = data["verdicts"] = verdicts.verdicts(data)
    try:
        doc.takeaways = verdicts.takeaways(data, scenario)
    except ReadingError as exc:
        failed_readings.append(str(exc))
    doc.reading_errors = failed_readings
    if failed_readings:
        doc.exit_code = errors.worst([doc.exit_code, errors.FAILED])
    return doc


def relate(doc: CompareDoc, data: dict, scenario: Scenario) -> bool:
    """The spec's cross-run fields (its `relate(data)`, read from the JSON document) landed on
    the typed runs; True if there were any. A ReadingError if it raises or names a run the
    document does not have."""
    if not scenario.field("relate"):
        return False
    said = scenario.read("relate", data)
    runs = {f"{r.system}/{r.variant}": r for r in doc.runs}
    if not isinstance(said, dict) or not all(k in runs and isinstance(v, dict) for k, v in said.items()):
        raise scenario.reading_error("relate", "did not return {\"system/variant\": {field: value}} "
                                               "for runs of this document")
    for label, found in said.items():
        run = runs[label]
        for key, value in found.items():  # a Run's own field, else one of the scenario's
            if key in run.extra or not hasattr(run, key):
                run.extra[key] = value
            else:
                setattr(run, key, value)
    return bool(said)


def run_many(names: list[str | Scenario], *, systems_: list[str], repeats: int, device: str,
             threads: int, timeout: float, seed: int = 0, on_progress=None, cancel=None, on_doc=None,
             warm: bool = False) -> list[CompareDoc]:
    """Every scenario in `names` (names, or specs already loaded: each is loaded once), in one
    worker per framework. `on_doc(doc)` gets each scenario's document as soon as all its
    frameworks have reported it (the demo shows it while the workers go on with the next
    scenario). `warm=True` keeps the workers up for the next call (lab/runner.py). Returns the
    documents in `names` order."""
    scenarios = {s.name: s for s in (n if isinstance(n, Scenario) else get(n) for n in names)}
    names = list(scenarios)
    fws = systems.frameworks_of(systems_)
    requests = {fw: protocol.Request(task="compare", scenarios=[
        protocol.Job(scenario=name, repeats=repeats, seed=seed,
                     systems=[s for s in systems.ordered(systems_)
                              if systems.get(s).framework == fw and scenarios[name].has_impl(s)])
        for name in names]) for fw in fws}
    parts: dict[str, dict[str, protocol.Part]] = {name: {} for name in names}
    docs: dict[str, CompareDoc] = {}
    lock = threading.Lock()

    def finish(name: str, workers: dict, interrupted: bool) -> None:
        docs[name] = assemble(scenarios[name], systems_, workers, parts[name], seed=seed,
                              device=device, threads=threads, interrupted=interrupted)
        if on_doc:
            on_doc(docs[name])

    def on_result(fw: str, part: protocol.Part) -> None:
        with lock:
            name = part["scenario"]
            parts[name][fw] = part
            if len(parts[name]) == len(fws) and name not in docs:
                finish(name, {f: {"framework": f, "status": "ok", "info": p.get("info", {}),
                                  "wall_s": p.get("wall_s")} for f, p in parts[name].items()}, False)

    results, interrupted = run_workers(fws, requests, device=device, threads=threads,
                                       timeout=timeout, on_progress=on_progress, cancel=cancel,
                                       on_result=on_result, warm=warm)
    for name in names:
        for fw, result in results.items():  # parts read back after the worker ended
            part = result.get("scenarios", {}).get(name)
            if part is not None:
                parts[name].setdefault(fw, part)
        if name not in docs:
            finish(name, results, interrupted)
    return [docs[name] for name in names]


def compare(name: str | Scenario, **kwargs) -> CompareDoc:
    return run_many([name], **kwargs)[0]
