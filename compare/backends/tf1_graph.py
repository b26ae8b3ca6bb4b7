"""TensorFlow 1.x graph mode (tf.Graph + placeholders + tf.compat.v1.Session): the `tf1-graph` system.

Imported only inside the TensorFlow worker; `compare/backends/tensorflow.py` delegates to it for
the systems whose registry entry names it as their `adapter`, with the same signatures
(compare/backends/interface.py). Imports tensorflow, numpy and the registry, nothing from `lab`.

The file convention (`static_impl/tf1/<scenario>.py`):

- Each variant is a graph *builder*. `prepare` wraps it; at the wrapper's first call the adapter
  opens a fresh `tf.Graph()`, calls the builder inside `graph.as_default()`, and the builder
  creates its placeholders, builds its ops and returns `(feeds, fetches)`: the placeholders in
  the order of the call's inputs, and the tensors to fetch (one, or a tuple). Then the adapter
  opens a `tf.compat.v1.Session` on that graph (and initialises variables, if the graph has any)
  and every call runs `module.run(sess, feeds, fetches, *values)`: the file's own one-liner
  `sess.run(fetches, feed_dict=dict(zip(feeds, values)))`, so that a Session.run failure's
  traceback ends at a line in the user's file.
- A builder may return `(feeds, fetches, run)` to use its own run function instead of the
  module's (e.g. to fetch an intermediate and print it between runs).
- A builder with k parameters takes the call's first k inputs as static Python data (tuples of
  Python numbers, from `ndarray.tolist()`); they are baked into the graph and not fed, and the
  remaining inputs are fed to `feeds`. One graph (and Session) is built and cached per distinct
  value of those k inputs: TF1's version of tf.function's Python-argument trace key or
  jax.jit's static_argnums (dynamic-architecture's `per_shape(left, right)`: a graph per tree shape).
- Graphs are per prepared callable: preparing the same variant again builds fresh graphs.

`compile_count(module, system)` counts graphs built to completion by the module's variants (TF1's
"traces"); a builder that raises adds nothing. `first_call_events(system)` splits the first call into
graph building (`trace_s`), Session creation + variable initialisation (`session_s`) and the
first Session.run (`run_s`).

Control flow: TF 2.x builds tf.cond / tf.while_loop as control-flow v2 ops (StatelessIf,
StatelessWhile) even in a tf.Graph; this adapter leaves that default alone (TF 1.x built
Switch/Merge/Enter/Exit, which `tf.compat.v1.disable_control_flow_v2()` would restore).
"""
from __future__ import annotations

import contextlib
import inspect
import time
from collections import defaultdict

import numpy as np
import tensorflow as tf
from compare import systems

DEVICE: str | None = None  # the TensorFlow backend may set "/GPU:0" or "/CPU:0"; None: TF's placement

_graphs_built: dict[str, int] = defaultdict(int)  # module name -> graphs built, monotonic
_events: dict | None = None  # the dict first_call_events() yielded, while it is open


def to_input(value, system: str):
    return value  # numpy stays numpy: it is fed through feed_dict


def to_numpy(out) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in tf.nest.flatten(out)]


def sync(out) -> None:
    return None  # Session.run returns numpy arrays: it has already waited for them


class _Built:
    """One graph with its Session: what a builder made for one static key."""

    def __init__(self, graph, sess, feeds, fetches, run):
        self.graph, self.sess, self.feeds, self.fetches, self.run = graph, sess, feeds, fetches, run
        self.grads: tuple = ()  # value_and_grad's graphs: (weight placeholders, gradient tensors)


def _session(graph) -> tf.compat.v1.Session:
    threads = tf.config.threading
    config = tf.compat.v1.ConfigProto(
        intra_op_parallelism_threads=threads.get_intra_op_parallelism_threads(),
        inter_op_parallelism_threads=threads.get_inter_op_parallelism_threads(),
        allow_soft_placement=True)
    config.gpu_options.allow_growth = True
    return tf.compat.v1.Session(graph=graph, config=config)


class Prepared:
    """A variant ready to call: builds its graph(s) lazily, one per static key, and runs them."""

    def __init__(self, builder, module):
        self.builder, self.module = builder, module
        self.n_static = len(inspect.signature(builder).parameters)
        self.built: dict = {}
        self.with_grads: dict = {}  # value_and_grad's own graphs, keyed (static key, weights given)
        self.__name__ = getattr(builder, "__name__", "variant")
        self.__wrapped__ = builder

    def _split(self, args):
        static = tuple(tuple(np.asarray(a).tolist()) if np.ndim(a) else np.asarray(a).item()
                       for a in args[:self.n_static])
        return static, list(args[self.n_static:])

    def _build(self, static, extend=None) -> tuple[_Built, dict]:
        """A fresh graph from the builder (plus `extend(built)`'s ops), then its Session."""
        times: dict = {}
        graph = tf.Graph()
        start = time.perf_counter()
        with graph.as_default(), (tf.device(DEVICE) if DEVICE else contextlib.nullcontext()):
            feeds, fetches, *rest = self.builder(*static)
            built = _Built(graph, None, list(feeds), fetches, rest[0] if rest else self.module.run)
            if extend:
                extend(built)
        times["trace_s"] = time.perf_counter() - start
        _graphs_built[self.module.__name__] += 1
        start = time.perf_counter()
        built.sess = _session(graph)
        with graph.as_default():
            if graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES):
                built.sess.run(tf.compat.v1.global_variables_initializer())
        times["session_s"] = time.perf_counter() - start
        return built, times

    def entry(self, args) -> tuple[_Built, list, dict | None]:
        static, values = self._split(args)
        times = None
        if static not in self.built:
            self.built[static], times = self._build(static)
        return self.built[static], values, times

    def __call__(self, *args):
        events = _events
        record = events is not None and not events
        built, values, times = self.entry(args)
        if record and times is None:  # graph already built (a warm cache): nothing to split
            record = False
        start = time.perf_counter()
        out = built.run(built.sess, built.feeds, built.fetches, *values)
        if record:
            events.update(times, run_s=time.perf_counter() - start)
        return out

    def close(self):
        for built in [*self.built.values(), *self.with_grads.values()]:
            built.sess.close()
        self.built.clear()
        self.with_grads.clear()


def prepare(fn, system: str, module, how: str | None) -> Prepared:
    return Prepared(fn, module)


def compile_count(module, system: str) -> int:
    return _graphs_built[module.__name__]


@contextlib.contextmanager
def first_call_events(system: str):
    """Yields a dict that the first call inside fills with trace_s, session_s and run_s."""
    global _events
    outer, _events = _events, {}
    try:
        yield _events
    finally:
        _events = outer


def describe(system: str, how: str | None) -> dict:
    from tensorflow.python.ops import control_flow_util
    return {"mode_name": systems.get(system).label, "api": "tf.compat.v1.placeholder, tf.compat.v1.Session.run(feed_dict)",
            "compile_unit": "graph", "eager_outside_graphs": tf.executing_eagerly(),
            "control_flow_v2": bool(control_flow_util.ENABLE_CONTROL_FLOW_V2), "device": DEVICE}


def value_and_grad(fn: Prepared, args, weights, system: str):
    """Outputs, and d(sum_k <out_k, weights_k>)/d(each floating-point input) by tf.gradients.

    As TF1 code did (an optimizer's minimize() before the Session), the gradient ops are built
    with the forward ops, in a graph of their own per static key and pattern of given weights:
    adding them to a graph a Session has already run breaks v2 control flow (the while op gains
    outputs). A None gradient (no path) becomes zeros; IndexedSlices (a gather's) are densified.
    Only fed inputs can have gradients (a builder's static parameters are Python data)."""
    static, values = fn._split(args)
    floats = [i for i, v in enumerate(values) if np.issubdtype(np.asarray(v).dtype, np.floating)]
    given = tuple(w is not None for w in weights)

    def extend(built):
        leaves = tf.nest.flatten(built.fetches)
        ws = [tf.compat.v1.placeholder(tf.float32, name=f"weight_{k}") if g else None
              for k, g in enumerate(given)]
        terms = [tf.reduce_sum(tf.cast(leaf, tf.float32) * w) for leaf, w in zip(leaves, ws) if w is not None]
        grads = tf.gradients(tf.add_n(terms), [built.feeds[i] for i in floats]) if terms else [None] * len(floats)
        built.grads = (ws, [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads])

    key = (static, given)
    if key not in fn.with_grads:
        fn.with_grads[key], _ = fn._build(static, extend)
    built = fn.with_grads[key]
    ws, grads = built.grads
    feed = dict(zip(built.feeds, values))
    feed.update({w: np.asarray(v, np.float32) for w, v in zip(ws, weights) if w is not None})
    out, got = built.sess.run((built.fetches, [g for g in grads if g is not None]), feed_dict=feed)
    got = iter(got)
    return to_numpy(out), [np.zeros(np.shape(values[i]), np.float32) if g is None else np.asarray(next(got))
                           for i, g in zip(floats, grads)]
