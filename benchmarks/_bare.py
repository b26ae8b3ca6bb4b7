"""Shared by the bare benchmark workers (floor, accuracy, scaling) and by run.py.

Deliberately independent of the lab: nothing here imports lab/ or compare/. The thread and
device settings are written out again, by hand, from what lab/devices.py and the backends in
compare/backends/ do, so a floor or an independent measurement runs under the same conditions
without using the lab's code to get there. Frameworks are imported only inside `setup()`, i.e.
only in a worker process, never in run.py.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("tensorflow", "jax", "torch")
IMPL_PACKAGES = {"tensorflow": "static_impl.tensorflow", "jax": "static_impl.jax",
                 "torch": "dynamic_impl.torch"}
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "ABSL_MIN_LOG_LEVEL": "2", "GRPC_VERBOSITY": "ERROR",
         "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}


def bare_env(framework: str, threads: int = 1, base: dict | None = None) -> dict:
    """The environment a lab worker gets on CPU (lab/devices.py worker_env), replicated."""
    env = dict(os.environ if base is None else base)
    env.update(QUIET)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["JAX_PLATFORMS"] = "cpu"
    if framework == "jax":
        flags = [f for f in env.get("XLA_FLAGS", "").split() if "eigen" not in f]
        # Same flag as the lab: XLA's CPU backend can only be made single-threaded.
        if threads == 1:
            flags.append("--xla_cpu_multi_thread_eigen=false")
        if flags:
            env["XLA_FLAGS"] = " ".join(flags)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def impl_module_name(framework: str, scenario_module: str) -> str:
    return f"{IMPL_PACKAGES[framework]}.{scenario_module}"


class Framework:
    """The handful of framework operations a bare script needs: inputs, sync, modes, counters."""

    def __init__(self, name: str, threads: int = 1):
        self.name = name
        if name == "tensorflow":
            import tensorflow as tf
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
            self.tf = tf
            self.version = tf.__version__
        elif name == "jax":
            import jax
            self.jax = jax
            self.compiles = [0]

            def listen(event, duration, **kwargs):
                if event == "/jax/core/compile/backend_compile_duration":
                    self.compiles[0] += 1
            jax.monitoring.register_event_duration_secs_listener(listen)
            self.device = jax.devices("cpu")[0]
            self.version = jax.__version__
        elif name == "torch":
            import torch
            torch.set_num_threads(threads)
            try:
                torch.set_num_interop_threads(threads)
            except RuntimeError:
                pass
            self.torch = torch
            self.version = torch.__version__
        else:
            raise ValueError(name)

    def to_input(self, value):
        import numpy as np
        if not isinstance(value, np.ndarray):
            return value
        if self.name == "tensorflow":
            with self.tf.device("/CPU:0"):
                return self.tf.constant(value)
        if self.name == "jax":
            return self.jax.device_put(value, self.device)
        return self.torch.from_numpy(value.copy())

    def sync(self, out) -> None:
        if self.name == "tensorflow":
            for leaf in self.tf.nest.flatten(out):
                if hasattr(leaf, "numpy"):
                    leaf.numpy()
        elif self.name == "jax":
            self.jax.block_until_ready(out)
        # torch on CPU: the result is ready when the call returns.

    def prepare(self, fn, static: bool):
        if self.name == "torch" and static:
            self.torch._dynamo.reset()
            return self.torch.compile(fn)
        return fn

    def mode(self, static: bool):
        import contextlib
        stack = contextlib.ExitStack()
        if self.name == "tensorflow":
            self.tf.config.run_functions_eagerly(not static)
            stack.callback(self.tf.config.run_functions_eagerly, False)
            stack.enter_context(self.tf.device("/CPU:0"))
        elif self.name == "jax" and not static:
            stack.enter_context(self.jax.disable_jit())
        return stack

    def compile_count(self, module, static: bool):
        """The framework's own counter (the one the lab reads): TF traces, XLA compiles, graphs."""
        if self.name == "tensorflow":
            if not static:
                return None
            return sum(v.experimental_get_tracing_count() for v in vars(module).values()
                       if hasattr(v, "experimental_get_tracing_count"))
        if self.name == "jax":
            return self.compiles[0]
        if not static:
            return None
        from torch._dynamo.utils import counters
        return counters["stats"]["unique_graphs"]

    def clear_caches(self) -> None:
        if self.name == "jax":
            self.jax.clear_caches()
        elif self.name == "torch":
            self.torch._dynamo.reset()


def timed_import(framework: str, threads: int = 1):
    start = time.perf_counter()
    fw = Framework(framework, threads)
    return fw, time.perf_counter() - start


def import_module(name: str):
    return importlib.import_module(name)


def read_request() -> dict:
    """Workers take one JSON argument (a file path or the JSON itself)."""
    arg = sys.argv[1]
    if arg.startswith("{"):
        return json.loads(arg)
    with open(arg) as fh:
        return json.load(fh)


def write_result(request: dict, result: dict) -> None:
    """Results go to the file named in the request: frameworks may print to stdout."""
    tmp = request["result"] + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(result, fh, default=lambda v: v.item() if hasattr(v, "item") else str(v))
    os.replace(tmp, request["result"])
