"""Shared by the bare benchmark workers (floor, accuracy, scaling) and by the parts that start them.

Deliberately independent of the lab: nothing here imports lab/ or compare/. What a lab worker
does to a framework is written out again, by hand, from lab/devices.py (the environment) and
compare/backends/ (isolation, thread pools, warm-up, inputs, synchronisation), so a floor or an
independent measurement runs under the same conditions without the lab's code. What the lab
knows about scenarios (which module, which function, which mode, which modules to block) comes
in the request. Frameworks are imported only in `Framework()`, i.e. only in a worker process.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    env["JAX_ENABLE_COMPILATION_CACHE"] = "false"  # every first call really compiles
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if framework == "jax":
        flags = [f for f in env.get("XLA_FLAGS", "").split() if "eigen" not in f]
        # Same flag as the lab: XLA's CPU backend can only be made single-threaded.
        if threads == 1:
            flags.append("--xla_cpu_multi_thread_eigen=false")
        if flags:
            env["XLA_FLAGS"] = " ".join(flags)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def block(modules) -> None:
    """Make these top-level modules unimportable here, as a lab worker does for the other
    frameworks (compare/backends/__init__.py isolate): TensorFlow 2.21 imports jax when it can."""
    for module in modules:
        if module not in sys.modules:
            sys.modules[module] = None  # `import module` now raises ImportError


def loaded(modules) -> list[str]:
    return sorted(m for m in modules if sys.modules.get(m) is not None)


class Framework:
    """The handful of framework operations a bare script needs: inputs, sync, modes, counters.

    `block`: the other frameworks' top-level modules, blocked before the import (the lab's
    isolation). `import_s` is the import and thread set-up; `warmup_s` the same untimed first use
    a lab worker pays before its first variant."""

    def __init__(self, name: str, threads: int = 1, block_modules=()):
        self.name = name
        block(block_modules)
        start = time.perf_counter()
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
        self.import_s = time.perf_counter() - start
        start = time.perf_counter()
        self.warm_up()
        self.warmup_s = time.perf_counter() - start

    def warm_up(self) -> None:
        """The lab's untimed warm-up, written again: one tiny traced/compiled function or op."""
        import numpy as np
        if self.name == "tensorflow":
            with self.tf.device("/CPU:0"):
                self.tf.function(lambda v: v * 2.0 + 1.0)(self.tf.constant([1.0, 2.0])).numpy()
        elif self.name == "jax":
            self.jax.block_until_ready(self.jax.jit(lambda v: v * 2.0 + 1.0)(
                self.jax.device_put(np.ones(2, np.float32), self.device)))
        else:
            x = self.torch.ones(8)
            (self.torch.sin(x) * 2.0 + x @ x).sum().item()

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

    def mode(self, static: bool):
        """tf.function vs run_functions_eagerly; jax.jit vs disable_jit; torch: eager only."""
        import contextlib
        stack = contextlib.ExitStack()
        if self.name == "tensorflow":
            self.tf.config.run_functions_eagerly(not static)
            stack.callback(self.tf.config.run_functions_eagerly, False)
            stack.enter_context(self.tf.device("/CPU:0"))
        elif self.name == "jax" and not static:
            stack.enter_context(self.jax.disable_jit())
        elif self.name == "torch" and static:
            raise ValueError("the bare scripts run torch eagerly only (the default systems)")
        return stack

    def compile_count(self, module, static: bool):
        """The framework's own counter (the one the lab reads): TF traces, XLA compiles."""
        if self.name == "tensorflow":
            if not static:
                return None
            return sum(v.experimental_get_tracing_count() for v in vars(module).values()
                       if hasattr(v, "experimental_get_tracing_count"))
        if self.name == "jax":
            return self.compiles[0]
        return None

    def clear_caches(self) -> None:
        if self.name == "jax":
            self.jax.clear_caches()


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


def exit_now(code: int = 0) -> None:
    """End as a lab worker does (compare/worker.py): the result is on disk, so skip interpreter
    teardown, which costs TensorFlow about a second of CPU."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
