"""numpy-bridge: tensors to NumPy and back, outside the model and inside it."""
import time

import numpy as np

from scenarios._readings import as_written, at, fmt_s, grouped, listed, plural, who

NAME = "numpy-bridge"
ORDER = 7
TITLE = "NumPy in and out of the model"
CLAIM = "Inside a static graph a tensor is no NumPy array: calling NumPy on an intermediate fails."

BATCH, D_IN, D_OUT = 4, 6, 5
N_CALLS = 3
ALIGN = 64      # bytes: the NumPy buffers are placed on this boundary (JAX aliases aligned ones)
SIZE_MB = 8     # the array timed for the cost per MB
LESSON = (
    "Outside the model: a NumPy array goes in (torch.from_numpy, tf.convert_to_tensor, "
    "jax.device_put, a TF1 tf.constant) and comes back (.numpy(), np.asarray, Session.run). "
    "Mutating one side and reading the other, and comparing the buffer addresses, shows whether "
    f"the two share memory; the buffers are {ALIGN}-byte aligned, and once more misaligned by 4 "
    f"bytes. Inside the model: h = x @ W is read as NumPy (.numpy(), np.asarray) to scale it by "
    f"its largest magnitude, over {N_CALLS} calls with different x. It works, raises, or "
    "freezes the first call's value into the program."
)
RTOL, ATOL = 1e-5, 1e-6

# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); drift is exit 4.
EXPECTED = {
    # A graph tensor has no value while the graph is built: no .numpy(), no __array__.
    ("tf1-graph", "naive"): {"status": "error", "error_type": "AttributeError"},
    ("tf-function", "naive"): {"status": "error", "error_type": "AttributeError"},
    ("jax-jit", "naive"): {"status": "error", "error_type": "TracerArrayConversionError"},
    # Dynamo traces NumPy calls into the graph (torch._numpy): even fullgraph=True compiles it.
    ("torch-compile", "fullgraph"): {"status": "ok"},
    ("torch-export", "naive"): {"status": "error", "error_type": "RuntimeError"},
    # torch.jit.trace records the NumPy result as a constant: later calls reuse the first scale.
    ("torch-jit-trace", "naive"): {"status": "wrong"},
    # torch.jit.script refuses np.abs before it reads the line: it cannot weak-reference a ufunc.
    ("torch-jit-script", "scripted"): {"status": "error", "error_type": "TypeError"},
}
EXTRAS = {"tf1-graph": ["run"]}
# `lab verify`: the eager model is not differentiable as written (measured, torch 2.13).
NOT_DIFFERENTIABLE = {("torch-eager", "eager"): "h.numpy() refuses a tensor that requires grad "
                      "(RuntimeError: Can't call numpy() on Tensor that requires grad)"}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, W) per call: one W, a new x each call, so a scale frozen at capture is wrong later."""
    rng = np.random.default_rng(seed)
    W = (rng.normal(size=(D_IN, D_OUT)) / np.sqrt(D_IN)).astype(np.float32)
    return [(rng.normal(size=(BATCH, D_IN)).astype(np.float32) * (k + 1), W) for k in range(N_CALLS)]


def reference(x, W):
    h = x @ W
    return h / np.abs(h).max()


# --- outside the model: the implementation file's from_numpy, to_numpy and address ------------

def aligned(n: int, offset: int = 0) -> np.ndarray:
    """n float32 zeros whose buffer starts `offset` bytes past an ALIGN-byte boundary."""
    buf = np.zeros(n * 4 + 2 * ALIGN, np.uint8)
    start = (-buf.ctypes.data) % ALIGN + offset
    return buf[start:start + n * 4].view(np.float32)


def _from_numpy(module, offset: int) -> dict:
    a = aligned(1024, offset)
    a[:] = 1.0
    t = module.from_numpy(a)
    address = module.address(t)
    a[0] = -1.0  # mutate the NumPy side, read the framework side
    seen = float(module.to_numpy(t)[0])
    return {"shared": seen == -1.0, "same_address": None if address is None else address == a.ctypes.data}


def _to_numpy(module) -> dict:
    a = aligned(1024)
    a[:] = 1.0
    t = module.from_numpy(a.copy())
    n = module.to_numpy(t)
    address = module.address(t)
    out = {"writeable": bool(n.flags.writeable),
           "same_address": None if address is None else address == n.ctypes.data, "shared": False}
    if n.flags.writeable:  # mutate the NumPy side, read the framework side afresh
        n[0] = -2.0
        out["shared"] = float(module.to_numpy(t)[0]) == -2.0
    return out


def _seconds_per_mb(convert, value) -> float:
    times = []
    for _ in range(5):
        began = time.perf_counter()
        convert(value)
        times.append(time.perf_counter() - began)
    return float(np.median(times)) / SIZE_MB


def outside(module) -> dict:
    into, misaligned, back = _from_numpy(module, 0), _from_numpy(module, 4), _to_numpy(module)
    big = aligned(SIZE_MB * 2 ** 18)
    big[:] = 1.0
    t = module.from_numpy(big.copy())
    return {"via": module.from_numpy.__module__,  # the file whose conversions were measured
            "from_numpy": "shared" if into["shared"] else "copy",
            "from_numpy_same_address": into["same_address"],
            "from_numpy_misaligned": "shared" if misaligned["shared"] else "copy",
            "alignment_bytes": ALIGN,
            "to_numpy": "read-only" if not back["writeable"] else "shared" if back["shared"] else "copy",
            "to_numpy_same_address": back["same_address"],
            "from_numpy_s_per_mb": _seconds_per_mb(module.from_numpy, big),
            "to_numpy_s_per_mb": _seconds_per_mb(module.to_numpy, t)}


def inside(run: dict) -> dict:
    """This run's own outcome: the model read an intermediate as NumPy."""
    status = run["status"]
    error = run.get("error") or {}
    out = {"in_graph": status if status in ("ok", "error", "wrong") else None, "in_graph_error": None}
    if status == "error":
        where = error.get("innermost_user") or {}
        message = (error.get("message") or "").strip().splitlines()
        out["in_graph_error"] = f"{error.get('type')}: {message[-1][:160] if message else ''}"
        out["in_graph_error_at"] = at(where) if where else None
        out["in_graph_points_to_bug"] = bool(error.get("points_to_bug"))
        out["in_graph_message_points_to_bug"] = bool(error.get("message_points_to_bug"))
    if status == "wrong":
        out["in_graph_wrong_call"] = (run.get("wrong") or {}).get("call_index")
    return out


def probe(run: dict, module, fn, args) -> dict:
    return {"bridge": {**outside(module), **inside(run)}}


# --- what the run says -----------------------------------------------------------------------

def _outside(r: dict) -> str:
    b = r["bridge"]
    s = f"from NumPy {'shares the buffer' if b['from_numpy'] == 'shared' else 'copies'}"
    if b.get("from_numpy_same_address") is not None:
        s += f" (same address: {'yes' if b['from_numpy_same_address'] else 'no'})"
    if b["from_numpy_misaligned"] != b["from_numpy"]:
        s += (f" when it is {b['alignment_bytes']}-byte aligned, and "
              f"{'shares' if b['from_numpy_misaligned'] == 'shared' else 'copies'} when it is not")
    s += {"shared": "; back to NumPy shares it, writeable", "read-only": "; back to NumPy gives a read-only array",
          "copy": "; back to NumPy copies"}[b["to_numpy"]]
    if b["to_numpy"] == "read-only" and b.get("to_numpy_same_address"):
        s += " over the same buffer"
    return s + f"; {fmt_s(b['from_numpy_s_per_mb'])} per MB in, {fmt_s(b['to_numpy_s_per_mb'])} per MB out."


def _inside(r: dict) -> str:
    """The model's own NumPy call, as the bridge recorded it."""
    b, call = r["bridge"], r["bridge"].get("in_graph_wrong_call")
    later = [x for x in r.get("retrace_reasons") or [] if x["call"] > 0]
    if b.get("in_graph") == "ok":
        return f"{who(r)} ran it on every call" + (
            f", compiling again on {plural(len(later), 'later call')} ({', '.join(sorted({x['category'] for x in later}))})"
            if later else "")
    if b.get("in_graph") == "wrong":
        return (f"{who(r)} raised nothing and went wrong"
                + (f" from call {call + 1}: the first call's NumPy value was kept" if call else ""))
    if b.get("in_graph") == "error":
        return f"{who(r)} raised {b['in_graph_error'].split(':')[0]} " + (
            "at the line that called NumPy" if b.get("in_graph_points_to_bug") else "whose message names the line "
            "that called NumPy" if b.get("in_graph_message_points_to_bug") else "pointing at no line of yours")
    return f"{who(r)} did not run ({r['status']})"


def verdicts(doc: dict) -> list[str]:
    runs = [r for r in doc["runs"] if r.get("bridge")]
    # What a conversion does depends on the file that made it: systems sharing one read as one.
    key = lambda r: tuple(r["bridge"][k] for k in ("via", "from_numpy", "from_numpy_misaligned", "to_numpy"))  # noqa: E731
    return grouped([r for r in runs if "from_numpy" in r["bridge"]], _outside, key) + listed(
        "NumPy called on an intermediate inside the model",
        [_inside(r) for r in runs if as_written(r) and r["bridge"].get("in_graph")])


# --- lab claims ------------------------------------------------------------------------------
# The eager code put through each system (naive-port, lab/claims.py). The causes the claim is
# about (lab/causes.py), measured (tensorflow 2.21, jax 0.10.2, torch 2.13): a graph tensor, a
# tracer, an export's FakeTensor have no NumPy value to give; the trace keeps the first call's
# NumPy value (TracerWarning: "Converting a tensor to a NumPy array might cause the trace to be
# incorrect"); torch.jit.script cannot take np.abs ("cannot create weak reference to
# 'numpy.ufunc' object"); without fullgraph, Dynamo traces the NumPy calls but breaks the graph
# where their result becomes a Python float ("Data dependent operator"). Any other failure is
# another cause: listed, not counted.
CAUSES = {
    "no-value": {"words": "a graph or traced value has no NumPy value while the program is captured "
                          "(no .numpy(), no __array__)",
                 "error": r"TracerArrayConversionError|has no attribute 'numpy'|\.numpy\(\) is not supported"},
    "frozen-value": {"words": "the trace recorded the first call's NumPy value as a constant and returned results "
                              "computed with it on later calls, silently",
                     "silent": True, "warning": "to a NumPy array"},
    "numpy-refused": {"words": "the compiler refused the NumPy function itself (np.abs, a ufunc) before any call",
                      "error": r"numpy\.ufunc", "called": False},
    "graph-break": {"words": "the graph broke where the NumPy result became a Python number, and Python ran "
                             "that step between graphs", "signal": "graph-break"},
}
CLAIM_RULE = {"kind": "naive-port"}  # the runs of the eager code as written
