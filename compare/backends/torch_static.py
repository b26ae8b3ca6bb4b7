"""PyTorch's own static paths as lab systems: torch.compile, torch.export and torch.jit.

Imported only inside the torch worker (torch, numpy and the registry, nothing from `lab`).
compare/backends/torch.py delegates to it for the systems whose registry entry names it as their
`adapter`, with the same signatures (compare/backends/interface.py). A variant is (function, how):
the function from static_impl/torch/<scenario>.py and how to put it through the system's tool. A
system's tool is the first of its registry `hows`; the others are its alternatives:

    "compile"  torch.compile(fn)                  (graph breaks allowed)
    "fullgraph" torch.compile(fn, fullgraph=True)  (a graph break raises)
    "inductor" torch.compile(fn, backend="inductor"), whatever COMPILE_BACKEND says: a
               scenario about speed needs the compiler users compile with
    "export"   torch.export.export, non-strict (2.13's default), static shapes
    "export-strict"  the same with strict=True (Dynamo captures the graph)
    "export-dynamic" non-strict, with the module's DYNAMIC_SHAPES (Dim.DYNAMIC)
    "trace"    torch.jit.trace on the first call's inputs
    "script"   torch.jit.script (compiles the Python source)
    "session"  the function runs as Python and freezes its model with the tool itself (a
               session that re-exports, re-traces, re-scripts per edit)

prepare() returns a PreparedFunction: call it with the call's input tensors. Export and trace
happen lazily on the first call, so the first call's time includes capture; its split lands in
the dict that first_call_events() yields and in `.lab_events`. Warnings raised while capturing or
calling (torch.jit's deprecation, TracerWarning, ...) are recorded, not shown, in `.lab_warnings`.
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings

import numpy as np
import torch
from compare import systems

# The lesson is graph capture, which Dynamo does the same whatever the backend: aot_eager (AOT
# autograd, then ATen eagerly) skips Inductor's C++ code generation, ~1.5 s instead of ~20-55 s
# per first compile on 2 CPU cores. LAB_TORCH_COMPILE_BACKEND=inductor measures the real thing.
COMPILE_BACKEND = os.environ.get("LAB_TORCH_COMPILE_BACKEND", "aot_eager")

_graph_runs = 0  # compiled graphs torch.compile ran: a call that ran none ran eagerly
_exports = 0  # programs exported (successful torch.export.export calls)
_jit = 0  # functions traced or scripted
_sink: dict | None = None  # the dict first_call_events() is filling, if any
_compiled_with: str | None = None  # the backend of the variant torch.compile prepared last


def backend_of(how: str | None) -> str:
    """The torch.compile backend a variant compiles with."""
    return "inductor" if how == "inductor" else COMPILE_BACKEND


def _tool(system: str) -> str:
    """The system's tool: compile, export, trace or script (the first of its registry hows)."""
    return systems.get(system).hows[0]


def _check(system: str, how: str) -> None:
    hows = systems.get(system).hows
    if how not in hows:
        raise ValueError(f"{system} cannot {how!r}; valid: {', '.join(hows)}")


class _AsModule(torch.nn.Module):
    """torch.export takes a module: a plain function wrapped as its forward."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


class PreparedFunction:
    """A variant put through a tool. Attributes: fn (the Python function), program (what the tool
    made: the compiled function, the exported program, the traced/scripted function), lab_events
    (first call's split), lab_warnings (recorded warnings, deduplicated with a count)."""

    def __init__(self, fn, module, system: str, how: str):
        self.fn, self.module, self.tool, self.how = fn, module, _tool(system), how
        self.program = self._run = None
        self.lab_events: dict = {}
        self.lab_warnings: list[dict] = []
        self._calls = 0
        self.__name__ = getattr(fn, "__name__", "variant")
        if self.tool in ("compile", "export"):
            # torch.export traces torch.cond's branches with Dynamo, whose cache outlives the
            # export: measured in 2.13, a dynamic-shape export after a static one of the same
            # function fails ("your code specialized it to be a constant"). Each variant starts
            # afresh, as in a new process.
            _dynamo_reset()
        if self.tool == "compile":
            global _compiled_with
            _compiled_with = backend_of(how)
            self.program = self._run = torch.compile(fn, backend=_counting(backend_of(how)),
                                                     fullgraph=how == "fullgraph")
        elif how == "script":  # no example inputs needed: compile the source now
            self._capture(lambda: torch.jit.script(fn), "script_s")

    def __call__(self, *args):
        first = self._calls == 0
        self._calls += 1
        # Record warnings at capture (first call) and, for torch.compile, on every call: a new
        # shape recompiles. Later calls of an exported/traced program skip the bookkeeping.
        if not (first or self.tool == "compile"):
            return self._run(*args)
        with self._recording(), self._cold():
            if self._run is None:
                self._capture_with(args)
            if not first:
                return self._run(*args)
            began = time.perf_counter()
            out = self._run(*args)
            self._event("first_run_s" if self.tool != "compile" else "call_s",
                        time.perf_counter() - began)
            if _sink is not None:  # script_s was measured at prepare, before the sink existed
                _sink.update(self.lab_events)
            return out

    @property
    def bare(self):
        """What the tool made, called without the lab's bookkeeping (warnings recorded on every
        torch.compile call cost 0.13-0.26 ms, measured: more than a small graph's run): for
        steady-state timing, after the first call."""
        return self._run if self._run is not None else self

    def _cold(self):
        # "inductor" compiles cold, its on-disk caches off: a first call costs what it costs on a
        # new machine, whatever compiled before (a warm cache cut a 1.0-1.4 s compile to 0.04 s).
        if self.how == "inductor":
            return torch.compiler.config.patch(force_disable_caches=True)
        return contextlib.nullcontext()

    def _capture_with(self, args) -> None:
        if self.tool == "export":
            strict = self.how == "export-strict"
            shapes = getattr(self.module, "DYNAMIC_SHAPES", None) if self.how == "export-dynamic" else None
            shapes = None if shapes is None else (tuple(shapes),)  # forward(self, *args): one field
            ep = self._capture(lambda: torch.export.export(_AsModule(self.fn), tuple(args),
                                                           dynamic_shapes=shapes, strict=strict),
                               "export_s")
            global _exports
            _exports += 1
            self.program = ep
            began = time.perf_counter()
            self._run = ep.module()  # the graph as a callable module, with input guards
            self._event("unlift_s", time.perf_counter() - began)
        else:  # torch.jit.trace: runs fn once on these inputs and records the ops it did
            self._capture(lambda: torch.jit.trace(self.fn, tuple(args)), "trace_s")

    def _capture(self, make, key: str):
        began = time.perf_counter()
        try:
            with self._recording():
                result = make()
        finally:
            self._event(key, time.perf_counter() - began)
        if self.tool in ("trace", "script"):
            global _jit
            _jit += 1
            self.program = self._run = result
        return result

    def _event(self, key: str, value) -> None:
        self.lab_events[key] = value
        if _sink is not None:
            _sink[key] = value

    @contextlib.contextmanager
    def _recording(self):
        # Python warnings, and the warnings torch logs instead (Dynamo's recompile limit).
        logged = _LogList()
        loggers = _torch_loggers()
        for logger in loggers:
            logger.addHandler(logged)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                for logger in loggers:
                    logger.removeHandler(logged)
                for w in caught:
                    self._add_warning(w.category.__name__, str(w.message), w.filename, w.lineno)
                for r in logged.records:
                    self._add_warning(f"log:{r.name}", r.getMessage(), r.pathname, r.lineno)

    def _add_warning(self, category: str, message: str, file: str, line: int) -> None:
        entry = {"category": category, "message": message, "file": file, "line": line}
        for seen in self.lab_warnings:
            if all(seen[k] == entry[k] for k in entry):
                seen["count"] += 1
                return
        self.lab_warnings.append({**entry, "count": 1})


class _LogList(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record) -> None:
        self.records.append(record)


_loggers: list = []


def _torch_loggers() -> list:
    """"torch" and those of its loggers that do not propagate to it (torch._dynamo's own)."""
    if not _loggers:
        found = [logging.getLogger(name) for name, lg in list(logging.root.manager.loggerDict.items())
                 if name.startswith("torch.") and isinstance(lg, logging.Logger) and not lg.propagate]
        _loggers.extend([logging.getLogger("torch"), *found])
    return _loggers


def _counting(name: str):
    """The backend `name`, its compiled graphs counted each time they run: past the recompile
    limit, Dynamo still runs the graphs it has for lengths it saw, and runs new ones eagerly."""
    inner = torch._dynamo.lookup_backend(name)

    def backend(gm, example_inputs):
        compiled = inner(gm, example_inputs)

        def run(*args):
            global _graph_runs
            _graph_runs += 1
            return compiled(*args)
        run._boxed_call = getattr(compiled, "_boxed_call", False)  # how Dynamo passes the args
        return run
    return backend


def _dynamo_reset() -> None:
    # Dynamo's caches are global: a fresh start per variant, as a new process would have.
    # Its counters (compile_count) survive the reset; its timing metrics do not.
    torch._dynamo.reset()


def prepare(fn, system: str, module, how: str | None):
    """fn: a function of the scenario's static_impl/torch module, put through the system's tool."""
    _check(system, how)
    return fn if how == "session" else PreparedFunction(fn, module, system, how)


def compile_count(module, system: str) -> int:
    """Monotonic: Dynamo's graph count (torch.compile), programs exported, functions traced or
    scripted."""
    if _tool(system) == "compile":
        from torch._dynamo.utils import counters
        return int(counters["stats"]["unique_graphs"])
    return _exports if _tool(system) == "export" else _jit


_DYNAMO_TIMERS = {"dynamo_s": "_compile.compile_inner", "bytecode_tracing_s": "bytecode_tracing",
                  "backend_compile_s": "OutputGraph.call_user_compiler",
                  "aot_s": "create_aot_dispatcher_function", "inductor_s": "compile_fx_inner"}


@contextlib.contextmanager
def first_call_events(system: str):
    """Yields a dict that, after the first call inside, holds the split the tool can tell:
    torch.compile: Dynamo's own timers (dynamo_s: whole capture+compile, bytecode_tracing_s,
    backend_compile_s, aot_s, inductor_s) and graph breaks; torch.export: export_s, unlift_s,
    first_run_s; torch.jit: trace_s (capture included in the call) or script_s (at prepare)."""
    global _sink
    events: dict = {}
    compiled = _tool(system) == "compile"
    if compiled:
        from torch._dynamo.utils import compilation_time_metrics, counters
        before = {k: sum(compilation_time_metrics.get(m, [])) for k, m in _DYNAMO_TIMERS.items()}
        breaks = sum(counters["unimplemented"].values())  # 2.13 counts graph breaks here
    _sink, outer = events, _sink
    try:
        yield events
    finally:
        _sink = outer
        if compiled:
            for key, metric in _DYNAMO_TIMERS.items():
                spent = sum(compilation_time_metrics.get(metric, [])) - before[key]
                if spent > 0:
                    events[key] = spent
            events["graph_breaks"] = sum(counters["unimplemented"].values()) - breaks
            events["backend"] = _compiled_with or COMPILE_BACKEND


def graph_report(fn, args, system: str) -> dict | None:
    """torch.compile: graphs, graph breaks and their reasons (torch._dynamo.explain). torch.export:
    the exported graph's size and its control-flow operators, given the PreparedFunction."""
    if _tool(system) == "export":
        ep = getattr(fn, "program", None)
        if ep is None:
            return None
        nodes = list(ep.graph.nodes)
        hops = sorted({str(n.target.__name__) for n in nodes if n.op == "call_function"
                       and isinstance(n.target, torch._ops.HigherOrderOperator)})
        return {"graphs": 1, "nodes": len(nodes), "control_flow_ops": hops}
    if _tool(system) != "compile":
        return None
    _dynamo_reset()
    report = torch._dynamo.explain(getattr(fn, "fn", fn))(*args)
    reasons = []
    for b in report.break_reasons:
        where = b.user_stack[-1] if getattr(b, "user_stack", None) else None
        text = str(b.reason).split("\n")[0]
        reasons.append(f"{text} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else text)
    # explain's graph_break_count is graph_count - 1 (torch 2.13): -1 where Dynamo made no graph at
    # all (inflexibility's compiled function only calls a compiler-disabled session), and no graph
    # has nothing that broke.
    return {"graphs": report.graph_count, "graph_breaks": max(report.graph_break_count, 0),
            "break_reasons": reasons[:10]}


def recompile_mark(system: str):
    """How many guard failures Dynamo has recorded per code object so far (torch.compile)."""
    if _tool(system) != "compile":
        return None
    from torch._dynamo.utils import guard_failures  # no public API for this in 2.13
    return {code: len(failed) for code, failed in guard_failures.items()}


def recompile_said(system: str, mark) -> list[str]:
    """Dynamo's own reason for each recompile since `mark`: the first guard that failed."""
    if mark is None:
        return []
    from torch._dynamo.utils import guard_failures
    return [str(failed[mark.get(code, 0)]).split("\n")[0]
            for code, failed in guard_failures.items() if len(failed) > mark.get(code, 0)]


def graph_runs(system: str) -> int | None:
    """Monotonic: compiled graphs run so far (torch.compile); None for the other tools."""
    return _graph_runs if _tool(system) == "compile" else None


def warnings_of(fn) -> list[dict]:
    """The warnings recorded so far: [{category, message, file, line, count}]; category is the
    warning class's name, or log:<logger> for a warning torch logged (e.g. the recompile limit)."""
    return [dict(w) for w in getattr(fn, "lab_warnings", [])]


def describe(system: str, how: str | None) -> dict:
    """What ran, in words and as data."""
    _check(system, how)
    tool = _tool(system)
    if how == "session":
        name = "torch.export" if tool == "export" else f"torch.jit.{tool}"
        return {"system": system, "how": how, "tool": name, "deprecated": tool != "export",
                "call": f"the session calls {name} on its model itself, again after each edit"}
    if tool == "compile":
        return {"system": system, "how": how, "tool": "torch.compile", "backend": backend_of(how),
                "fullgraph": how == "fullgraph",
                "call": f"torch.compile(fn, backend={backend_of(how)!r}, fullgraph={how == 'fullgraph'})"}
    if tool == "export":
        strict = how == "export-strict"
        return {"system": system, "how": how, "tool": "torch.export", "strict": strict,
                "dynamic_shapes": how == "export-dynamic",
                "call": f"torch.export.export(module, example_args, strict={strict}"
                        + (", dynamic_shapes=DYNAMIC_SHAPES)" if how == "export-dynamic" else ")")}
    return {"system": system, "how": how, "tool": f"torch.jit.{how}", "deprecated": True,
            "call": "torch.jit.trace(fn, example_args)" if how == "trace" else "torch.jit.script(fn)"}


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _leaves(item)]
    return [out]


def value_and_grad(fn, args, weights, system: str):
    """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(float args), by autograd through
    the compiled function, the exported program's module or the traced/scripted function.
    Raises where the system cannot differentiate (autograd's own error)."""
    args = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point()
            else a for a in args]
    floats = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor) and a.requires_grad]
    out = fn(*args)
    leaves = _leaves(out)
    terms = [(leaf * torch.as_tensor(w, device=leaf.device)).sum()
             for leaf, w in zip(leaves, weights) if w is not None and isinstance(leaf, torch.Tensor)
             and leaf.is_floating_point()]
    if not any(t.requires_grad for t in terms):
        raise RuntimeError(f"{system}: no output depends differentiably on the inputs")
    grads = torch.autograd.grad(sum(terms), [args[i] for i in floats], allow_unused=True)
    values = [leaf.detach().cpu().numpy() if isinstance(leaf, torch.Tensor) else np.asarray(leaf)
              for leaf in leaves]
    return values, [np.zeros(tuple(args[i].shape), np.float32) if g is None else g.cpu().numpy()
                    for i, g in zip(floats, grads)]
