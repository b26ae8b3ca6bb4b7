"""`lab doctor` as a typed report: one probe worker per framework, with a timeout."""
from __future__ import annotations

import os
import platform

from lab import errors
from compare.results import DoctorReport, FrameworkProbe
from compare.systems import FRAMEWORK_BY_NAME
from lab.devices import nvidia_gpus
from lab.runner import run_workers


def diagnose(frameworks: list[str], *, device: str, threads: int, timeout: float,
             on_progress=None) -> DoctorReport:
    gpus = nvidia_gpus()
    # Without an NVIDIA driver, "auto" means cpu: don't let a framework spend time probing CUDA.
    worker_device = device if gpus or device == "cpu" else "cpu"
    requests = {fw: {"task": "doctor"} for fw in frameworks}
    results, interrupted = run_workers(frameworks, requests, device=worker_device, threads=threads,
                                       timeout=timeout, on_progress=on_progress)
    rows = []
    for fw in frameworks:
        r = results.get(fw, {"status": "interrupted"})
        info = r.get("info", {})
        rows.append(FrameworkProbe(
            framework=fw, status=r["status"], version=info.get("version"),
            devices=info.get("devices"), device_used=info.get("device_used"),
            threads=info.get("threads"), import_s=info.get("import_s"),
            reason=r.get("reason"), stderr_tail=r.get("stderr_tail"),
            install=None if r["status"] == "ok" else FRAMEWORK_BY_NAME[fw].install,
            gpu_install=FRAMEWORK_BY_NAME[fw].gpu_install,
        ))
    complete = all(row.status == "ok" for row in rows)
    return DoctorReport(
        python=platform.python_version(),
        nvidia_gpus=gpus,
        device_requested=device,
        threads_requested=threads,
        omp_num_threads_env=os.environ.get("OMP_NUM_THREADS"),
        frameworks=rows,
        interrupted=interrupted,
        # Ctrl-C: 130, as every other command (the rows show what was probed before it).
        exit_code=errors.outcome(interrupted=interrupted, incomplete=not complete),
    )
