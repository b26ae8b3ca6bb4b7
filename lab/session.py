"""`lab compare` as plain data: run the workers, then assemble one JSON-ready document.

No rich here and no framework: the renderer and `--json` both read what this returns.
"""
from __future__ import annotations

import os
import platform
import sys

from compare import timing
from compare.codesize import measure_file
from compare.diff import aligned, changed_lines
from lab import discovery, errors
from lab.devices import nvidia_gpus
from lab.runner import run_workers
from lab.verdicts import takeaways, verdicts

SCHEMA_VERSION = 1


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def code_view(scenario: discovery.Scenario, frameworks: list[str]) -> dict:
    """Each implementation file's source, counts per file and per variant, and the lines that
    differ from the eager (torch) file."""
    eager_path = scenario.impl_file("torch")
    eager = eager_path.read_text() if eager_path.exists() else ""
    files = {}
    for fw in discovery.FRAMEWORKS:
        if fw not in frameworks:
            continue
        path = scenario.impl_file(fw)
        source = path.read_text()
        attrs = sorted({a for m in discovery.MODES for a in scenario.variants(fw, m).values()})
        counts = measure_file(str(path), attrs)
        files[fw] = {
            "file": str(path.relative_to(discovery.ROOT)),
            "source": source,
            "counts": counts["file"],
            "functions": counts["functions"],
            "diff_vs_eager": changed_lines(eager, source) if fw != "torch" and eager else None,
        }
    return files


def aligned_view(scenario: discovery.Scenario, frameworks: list[str]) -> dict:
    """`lab diff`: each static file's functions against the eager functions of the same name."""
    eager_path = scenario.impl_file("torch")
    eager = eager_path.read_text()
    out = {"scenario": scenario.name, "eager_file": str(eager_path.relative_to(discovery.ROOT)),
           "frameworks": {}}
    for fw in frameworks:
        path = scenario.impl_file(fw)
        out["frameworks"][fw] = {"file": str(path.relative_to(discovery.ROOT)),
                                 "functions": aligned(eager, path.read_text())}
    return out


def _placeholder_runs(scenario, fw: str, fw_modes: list[str], result: dict) -> list[dict]:
    """One run per variant the framework would have run, so a table never has blank cells."""
    runs = []
    for mode in fw_modes:
        for label, attr in scenario.variants(fw, mode).items():
            runs.append({
                "framework": fw, "variant": label, "mode": mode, "function": attr,
                "file": str(scenario.impl_file(fw).relative_to(discovery.ROOT)),
                "status": result["status"], "reason": result.get("reason"),
                "max_abs_err": None, "compiles": None, "error": None,
                "timing": {"first_call_s": None, "steady_median_s": None, "repeats": None},
            })
    return runs


def exit_code(runs: list[dict], scenario_of=None) -> int:
    """0 all expected; 1 a working variant failed; 3 incomplete (unavailable or timed out)."""
    code = errors.OK
    for run in runs:
        status = run["status"]
        if run.get("expect_ok") and status in ("error", "wrong", "crashed"):
            return errors.FAILED
        if status in ("unavailable", "timeout", "interrupted"):
            code = errors.INCOMPLETE
    return code


def compare(name: str, *, frameworks: list[str], modes: dict[str, list[str]], repeats: int,
            device: str, threads: int, timeout: float, seed: int = 0, on_progress=None,
            cancel=None) -> dict:
    scenario = discovery.get(name)
    request = {"task": "compare", "scenario": name, "repeats": repeats, "seed": seed}
    per_fw_requests = {fw: dict(request, modes=modes[fw]) for fw in frameworks}
    results, interrupted = run_workers(
        frameworks, per_fw_requests, device=device, threads=threads, timeout=timeout,
        on_progress=on_progress, cancel=cancel)
    runs, framework_info = [], {}
    for fw in frameworks:
        result = results.get(fw, {"framework": fw, "status": "interrupted", "reason": "not started"})
        framework_info[fw] = {k: v for k, v in result.items() if k not in ("runs", "log")}
        framework_info[fw]["log"] = result.get("log", "")
        if result["status"] == "ok":
            runs.extend(result["runs"])
        else:
            runs.extend(_placeholder_runs(scenario, fw, modes[fw], result))
    for run in runs:
        expected = scenario.expected(run["framework"], run["variant"])
        run["expected"] = expected
        run["expect_ok"] = bool(expected and expected.get("status") == "ok")
    doc = {
        "schema": SCHEMA_VERSION,
        "scenario": name,
        "seed": seed,
        "title": scenario.title,
        "claim": scenario.claim,
        "lesson": scenario.lesson,
        "device": device,
        "versions": {fw: framework_info[fw].get("info", {}).get("version") for fw in frameworks},
        "environment": environment(device, threads, framework_info),
        "tolerances": {"rtol": scenario.rtol, "atol": scenario.atol, "dtype": "float32"},
        "frameworks": framework_info,
        "runs": runs,
        "code": code_view(scenario, frameworks),
        "interrupted": interrupted,
    }
    doc.update(getattr(scenario.spec, "describe_calls", lambda c: {})(scenario.spec.calls(seed)))
    doc["verdicts"] = verdicts(doc, scenario)
    doc["takeaways"] = takeaways(doc, scenario)
    doc["exit_code"] = errors.INTERRUPTED if interrupted else exit_code(runs)
    return doc


def environment(device: str, threads: int, framework_info: dict) -> dict:
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "device_requested": device,
        "device_used": {fw: i.get("info", {}).get("device_used") for fw, i in framework_info.items()},
        "gpu": next((i["info"]["gpu"] for i in framework_info.values()
                     if i.get("info", {}).get("gpu")), None),
        # name, driver and memory as nvidia-smi reports them (empty on a CPU-only machine)
        "nvidia_smi": nvidia_gpus() if device != "cpu" else [],
        "threads_requested": threads,
        "threads": {fw: i.get("info", {}).get("threads") for fw, i in framework_info.items()},
        "timing_policy": timing.POLICY,
    }
