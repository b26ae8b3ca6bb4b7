"""Device choice and the environment each worker starts with. Framework-free.

On a GPU, TensorFlow claims all memory at start-up and JAX preallocates 75% of it; the workers are
separate processes, and these variables keep each one to what it uses.
"""
from __future__ import annotations

import os
import shutil
import subprocess

from compare.systems import FRAMEWORK_BY_NAME

DEVICES = ("cpu", "cuda", "auto")
# Quiet the frameworks' own start-up chatter; it is kept in the worker log either way.
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "ABSL_MIN_LOG_LEVEL": "2", "GRPC_VERBOSITY": "ERROR",
         "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}


def nvidia_gpus() -> list[str]:
    """GPU names from nvidia-smi, or [] when there is no NVIDIA driver. Cheap: no framework."""
    if os.environ.get("LAB_FAKE_NO_GPU"):
        return []
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


def worker_env(framework: str, device: str, threads: int, base: dict | None = None) -> dict:
    """Environment for one framework's worker: device visibility, memory policy, thread pins."""
    env = dict(os.environ if base is None else base)
    env.update(QUIET)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
    else:
        env.pop("JAX_PLATFORMS", None) if env.get("JAX_PLATFORMS") == "cpu" else None
        env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    # Never a persistent compilation cache: every run's first call must really compile.
    env["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    # A framework whose thread pool can only be pinned by a start-up flag (XLA's CPU backend has
    # no thread-count setting: it can be made single-threaded, or it sizes its own pool).
    one_thread = FRAMEWORK_BY_NAME[framework].one_thread_flag if framework in FRAMEWORK_BY_NAME else None
    if one_thread:
        var, flag = one_thread
        name = flag.split("=")[0]
        flags = [f for f in env.get(var, "").split() if not f.startswith(name)]
        if threads == 1:
            flags.append(flag)
        if flags:
            env[var] = " ".join(flags)
        else:
            env.pop(var, None)
    return env
