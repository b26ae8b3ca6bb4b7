"""TensorFlow adapter: tf.function, the same code run eagerly (run_functions_eagerly), and TF 1.x
graph mode (tf.Graph + Session, delegated to compare/backends/tf1_graph.py)."""
from __future__ import annotations

import contextlib
import logging

import numpy as np
import tensorflow as tf
from compare import systems
from compare.backends import DeviceUnavailable, tf1_graph

NAME = "tensorflow"
ACCOUNT_SOURCE = "framework"  # says nothing about retracing: compare/retrace.py derives the reasons
TF1 = systems.adapted(NAME, "tf1_graph")  # builds a tf.Graph and runs it in a Session: tf1_graph.py
# Its own static systems are traced by tf.function; the others run the same code eagerly.
GRAPH_SYSTEMS = tuple(s for s in systems.adapted(NAME, None) if systems.get(s).static)
_device = "/CPU:0"
_logged: list[dict] = []  # warnings TensorFlow logged (its retracing warning), in order
_since = 0  # where the variant being run began in _logged


class _Logged(logging.Handler):
    def emit(self, record) -> None:
        _logged.append({"category": f"log:{record.name}", "message": record.getMessage(),
                        "file": record.pathname, "line": record.lineno, "count": 1})


def setup(device: str, threads: int) -> dict:
    global _device
    # Thread pools must be sized before the first op runs.
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    if device == "cuda" and not gpus:
        raise DeviceUnavailable("TensorFlow sees no GPU")
    used = "cuda" if gpus and device in ("cuda", "auto") else "cpu"
    _device = "/GPU:0" if used == "cuda" else "/CPU:0"
    tf1_graph.DEVICE = _device
    tf.get_logger().addHandler(_Logged(logging.WARNING))
    return {
        "version": tf.__version__,
        "device_used": used,
        "devices": [d.name for d in tf.config.list_logical_devices()],
        "threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                    "inter_op": tf.config.threading.get_inter_op_parallelism_threads()},
    }


def _warm_up_converted(v):
    # A Python `if` and `while` on tensors: AutoGraph converts them on its first trace.
    if tf.reduce_sum(v) > 0:
        v = v * 2.0
    while tf.reduce_max(v) > 1.0:
        v = v / 2.0
    return v


def warm_up() -> None:
    """Tiny tf.functions traced and run, untimed: the library's own first-use costs (op
    registration, the tracing machinery, AutoGraph's converters running for the first time in
    this process, thread pools) are paid here, not by the first variant, so a first call costs
    the same in a fresh worker as in a warm one (lab/runner.py)."""
    with tf.device(_device):
        tf.function(lambda v: v * 2.0 + 1.0)(tf.constant([1.0, 2.0])).numpy()
        tf.function(_warm_up_converted)(tf.constant([1.0, 2.0])).numpy()


def forget_conversions() -> None:
    """Empty AutoGraph's cache of converted functions before an implementation module is imported
    afresh. It is keyed by code objects, which compare equal across imports of the same file, so a
    warm worker would otherwise skip the conversion that a fresh worker's first call pays."""
    from tensorflow.python.autograph.impl import api
    from tensorflow.python.autograph.pyct import cache
    api._TRANSPILER._cache = cache.CodeObjectCache()


def to_input(value, system: str):
    if system in TF1:
        return tf1_graph.to_input(value, system)
    if isinstance(value, np.ndarray):
        with tf.device(_device):
            return tf.constant(value)
    return value


def to_numpy(out) -> list[np.ndarray]:
    return [np.asarray(leaf.numpy() if hasattr(leaf, "numpy") else leaf)
            for leaf in tf.nest.flatten(out)]


def sync(out) -> None:
    # .numpy() waits for the result; it is also what a user does to read it. (TF1's Session.run
    # returns numpy arrays, already waited for.)
    for leaf in tf.nest.flatten(out):
        if hasattr(leaf, "numpy"):
            leaf.numpy()


@contextlib.contextmanager
def mode(system: str):
    # A tf.Graph context needs no process-wide switch: TF1 runs with the tf.function settings.
    tf.config.run_functions_eagerly(system not in GRAPH_SYSTEMS and system not in TF1)
    try:
        with tf.device(_device):
            yield
    finally:
        tf.config.run_functions_eagerly(False)


def prepare(fn, system: str, module, how: str | None):
    global _since
    _since = len(_logged)  # warnings_of(fn) reports what this variant's calls logged
    return tf1_graph.prepare(fn, system, module, how) if system in TF1 else fn


def _functions(module):
    return [v for v in vars(module).values() if hasattr(v, "experimental_get_tracing_count")]


def compile_count(module, system: str) -> int | None:
    """Traces so far of every tf.function in the module (TF's own counter); graphs built in TF1
    mode; None when eager."""
    if system in TF1:
        return tf1_graph.compile_count(module, system)
    if system not in GRAPH_SYSTEMS:
        return None
    return sum(f.experimental_get_tracing_count() for f in _functions(module))


def first_call_split(fn, args, system: str) -> dict | None:
    """Trace through get_concrete_function before the first execution, timing it apart.

    Returns None when it cannot apply (eager mode, or not a tf.function)."""
    if system not in GRAPH_SYSTEMS or not hasattr(fn, "get_concrete_function"):
        return None
    import time
    start = time.perf_counter()
    fn.get_concrete_function(*args)
    return {"trace_s": time.perf_counter() - start, "traced_before_call": True}


def first_call_events(system: str):
    """TF1: graph building, Session creation and the first Session.run, timed apart."""
    if system in TF1:
        return tf1_graph.first_call_events(system)
    return contextlib.nullcontext({})


@contextlib.contextmanager
def unfiltered_tracebacks():
    tf.debugging.disable_traceback_filtering()
    try:
        yield
    finally:
        tf.debugging.enable_traceback_filtering()


def graph_report(fn, args, system: str) -> dict | None:
    return None


def recompile_mark(system: str):
    return None


def recompile_said(system: str, mark) -> list[str]:
    """What the framework said about why it retraced; TF and JAX say it in logs the lab does
    not parse, so their reasons are derived from the inputs (compare/retrace.py)."""
    return []


def graph_runs(system: str) -> int | None:
    return None


def warnings_of(fn) -> list[dict]:
    """What TensorFlow logged while this variant ran: "5 out of the last 5 calls to <function
    naive ...> triggered tf.function retracing" (tf 2.21) is the one that changes a run's meaning."""
    return [dict(w) for w in _logged[_since:]]


def describe(system: str, how: str | None) -> dict | None:
    """TF 1.x: what ran (graph + Session, control-flow v2 ops); None for tf.function and eager."""
    return tf1_graph.describe(system, how) if system in TF1 else None


def value_and_grad(fn, args, weights, system: str):
    """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(float args), by tf.GradientTape
    (TF1: by tf.gradients in the graph)."""
    if system in TF1:
        return tf1_graph.value_and_grad(fn, args, weights, system)
    floats = [i for i, a in enumerate(args) if isinstance(a, tf.Tensor) and a.dtype.is_floating]
    with tf.GradientTape() as tape:
        for i in floats:
            tape.watch(args[i])
        out = fn(*args)
        leaves = tf.nest.flatten(out)
        loss = tf.add_n([tf.reduce_sum(tf.cast(leaf, tf.float32) * w)
                         for leaf, w in zip(leaves, weights) if w is not None])
    grads = tape.gradient(loss, [args[i] for i in floats])
    # None means "no path from this input": its gradient is zero. A gather's gradient comes as
    # IndexedSlices (sparse rows); densify it to compare.
    return to_numpy(out), [np.zeros(args[i].shape, np.float32) if g is None
                           else tf.convert_to_tensor(g).numpy() for i, g in zip(floats, grads)]
