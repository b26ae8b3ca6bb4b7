"""Device choice and the environment each worker starts with. Framework-free.

On a GPU, TensorFlow claims all memory at start-up and JAX preallocates 75% of it; the workers are
separate processes, and these variables keep each one to what it uses.
"""
from __future__ import annotations

import os
import shutil
import subprocess

DEVICES = ("cpu", "cuda", "auto")
INSTALL = {
    "tensorflow": "pip install 'tensorflow-cpu>=2.21,<2.22'",
    "jax": "pip install 'jax>=0.10,<0.11'",
    "torch": "pip install torch==2.13.0",
}
GPU_INSTALL = {
    "tensorflow": "pip install 'tensorflow[and-cuda]>=2.21,<2.22'",
    "jax": "pip install 'jax[cuda12]>=0.10,<0.11'",
    "torch": "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128",
}
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
    if framework == "jax":
        flags = [f for f in env.get("XLA_FLAGS", "").split() if "xla_cpu_multi_thread_eigen" not in f]
        # XLA's CPU backend has no thread-count setting: it can be made single-threaded, or left
        # to size its own pool (the worker reports which).
        if threads == 1:
            flags.append("--xla_cpu_multi_thread_eigen=false")
        if flags:
            env["XLA_FLAGS"] = " ".join(flags)
        else:
            env.pop("XLA_FLAGS", None)
    return env
