"""JAX adapter: jax.jit, and the same code op by op (jax.disable_jit)."""
from __future__ import annotations

import contextlib
import logging
import os

import jax
import numpy as np
from jax import monitoring
from compare import systems
from compare.backends import DeviceUnavailable

NAME = "jax"
# Its static systems are jitted; the rest of this worker's systems run op by op.
GRAPH_SYSTEMS = tuple(s for s in systems.adapted(NAME, None) if systems.get(s).static)
ACCOUNT_SOURCE = "explain-cache-misses"  # where recompile_said's reasons come from
_device = None
_events: list | None = None
_compiles = [0]  # every backend compile since start, from JAX's own monitoring events
_EVENT_KEYS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace_s",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower_s",
    "/jax/core/compile/backend_compile_duration": "compile_s",
}


def _listen(name, duration, **kwargs):
    if name == "/jax/core/compile/backend_compile_duration":
        _compiles[0] += 1
    if _events is not None and name in _EVENT_KEYS:
        _events.append((_EVENT_KEYS[name], duration))


monitoring.register_event_duration_secs_listener(_listen)
_misses: list[str] = []  # JAX's own account of each tracing-cache miss, in order


class _CacheMisses(logging.Handler):
    """jax_explain_cache_misses logs a WARNING per miss ("TRACING CACHE MISS at ...: for naive
    ...: different input types: * at xs, now f32[3,4] and before f32[2,4]", jax 0.10): kept,
    condensed to one line, and not printed."""

    def emit(self, record) -> None:
        lines = [line.strip(" *") for line in record.getMessage().strip().splitlines()]
        if lines and "CACHE MISS" in lines[0]:
            _misses.append("JAX tracing cache miss: " + "; ".join(
                line for line in lines[1:] if line and not line.startswith("all previously seen")))


def setup(device: str, threads: int) -> dict:
    global _device
    gpus = [d for d in jax.devices() if d.platform == "gpu"] if device != "cpu" else []
    if device == "cuda" and not gpus:
        raise DeviceUnavailable("JAX sees no GPU")
    _device = gpus[0] if gpus else jax.devices("cpu")[0]
    logging.getLogger("jax").addHandler(_CacheMisses(logging.WARNING))
    return {
        "version": jax.__version__,
        "device_used": "cuda" if gpus else "cpu",
        "devices": [str(d) for d in jax.devices()],
        # XLA's CPU backend can only be made single-threaded (XLA_FLAGS, see lab.devices);
        # otherwise it sizes its own pool, and we say so rather than claim a number.
        "threads": _threads(),
    }


def _threads() -> dict:
    """What this process was started with, read back from XLA_FLAGS rather than assumed."""
    flags = os.environ.get("XLA_FLAGS", "").split()
    if "--xla_cpu_multi_thread_eigen=false" in flags:
        return {"intra_op": 1, "inter_op": 1, "how": "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false"}
    return {"intra_op": None, "inter_op": None, "how": "not pinnable: XLA sizes its own pool"}


def warm_up() -> None:
    """One tiny jitted function compiled and run, untimed: the library's own first-use costs
    (backend client, dispatch caches) are paid here, not by the first variant."""
    jax.block_until_ready(jax.jit(lambda v: v * 2.0 + 1.0)(jax.device_put(np.ones(2, np.float32), _device)))


def forget_conversions() -> None:
    # jax.jit caches traces by function object, and a fresh import makes new ones; but op by op,
    # JAX compiles each primitive once per shape for the whole process: forget those too, so an
    # eager first call pays them as it would in a new process.
    jax.clear_caches()


def to_input(value, system: str):
    if isinstance(value, np.ndarray):
        return jax.device_put(value, _device)
    return value


def to_numpy(out) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(out)]


def sync(out) -> None:
    jax.block_until_ready(out)


@contextlib.contextmanager
def mode(system: str):
    with contextlib.ExitStack() as stack:
        if system not in GRAPH_SYSTEMS:
            stack.enter_context(jax.disable_jit())
        else:  # op by op every new primitive misses: explain only the jitted function's misses
            stack.enter_context(jax.explain_cache_misses(True))
        stack.enter_context(jax.default_device(_device))
        yield


def prepare(fn, system: str, module, how: str | None):
    return fn


def compile_count(module, system: str) -> int | None:
    """XLA compilations so far (JAX's monitoring events). Op-by-op mode compiles each primitive
    once too, so this counts in both modes; a failed trace compiles nothing."""
    return _compiles[0]


def first_call_split(fn, args, system: str) -> dict | None:
    return None


@contextlib.contextmanager
def first_call_events(system: str):
    """Collect JAX's own trace/lower/compile durations during the first call."""
    global _events
    _events = []
    split: dict = {}
    try:
        yield split
    finally:
        for key, duration in _events:
            split[key] = split.get(key, 0.0) + duration
        split["backend_compiles"] = sum(1 for key, _ in _events if key == "compile_s")
        _events = None


@contextlib.contextmanager
def unfiltered_tracebacks():
    jax.config.update("jax_traceback_filtering", "off")
    try:
        yield
    finally:
        jax.config.update("jax_traceback_filtering", "auto")


def graph_report(fn, args, system: str) -> dict | None:
    return None


def recompile_mark(system: str):
    """How many tracing-cache misses JAX has explained so far (jax.jit only: op by op, every
    new primitive misses)."""
    return len(_misses) if system in GRAPH_SYSTEMS else None


def recompile_said(system: str, mark) -> list[str]:
    """JAX's own explanation of each tracing-cache miss since `mark`, the outermost function's
    first."""
    return [] if mark is None else _misses[mark:]


def graph_runs(system: str) -> int | None:
    return None


def warnings_of(fn) -> list[dict]:
    return []


def describe(system: str, how: str | None) -> dict | None:
    return None


def value_and_grad(fn, args, weights, system: str):
    """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(float args), by jax.grad."""
    import jax.numpy as jnp
    floats = [i for i, a in enumerate(args) if hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.floating)]

    def loss(*float_args):
        full = list(args)
        for i, a in zip(floats, float_args):
            full[i] = a
        out = fn(*full)
        leaves = jax.tree_util.tree_leaves(out)
        total = sum(jnp.sum(leaf * w) for leaf, w in zip(leaves, weights) if w is not None)
        return total, out

    grads, out = jax.grad(loss, argnums=tuple(range(len(floats))), has_aux=True)(*[args[i] for i in floats])
    return to_numpy(out), [np.asarray(g) for g in grads]
