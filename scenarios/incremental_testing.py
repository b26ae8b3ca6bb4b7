"""incremental-testing: look inside a model while building it, the way a developer does."""
import re

import numpy as np

from scenarios._readings import listed, outcome, printed

NAME = "incremental-testing"
ORDER = 4
TITLE = "Printing, asserting and reading an intermediate"
CLAIM = "You cannot build and test a model piece by piece."
LESSON = (
    "A 3-layer MLP, and the first hidden activation h1 inspected six ways: Python print, the "
    "framework's print, calling the compiled layer alone and looking between calls, a Python "
    "assert on h1's shape and values, the framework's own assert, and reading h1 as a numpy "
    "value as a debugger would. Each runs on 3 inputs; count how many calls printed, and "
    "whether what printed was numbers or a symbolic placeholder."
)
RTOL, ATOL = 1e-5, 1e-5
STEADY_STATE = False  # time the working version only: printing inside a timing loop is noise

BATCH, D_IN, HIDDEN, D_OUT = 4, 5, 8, 3
MARKER = "h1:"  # every inspection prints one line starting with this
INSPECTIONS = ("with_print", "with_framework_print", "layer_alone", "with_assert",
               "with_framework_assert", "with_numpy")

VARIANTS = {
    "tf1-graph": {**{v: v for v in INSPECTIONS}, "static": "forward"},
    "tf-function": {**{v: v for v in INSPECTIONS}, "static": "forward"},
    "jax-jit": {**{v: v for v in INSPECTIONS}, "static": "forward"},
    "torch-eager": {**{v: v for v in INSPECTIONS}, "eager": "forward"},
}
# --modes all: the same inspections in each framework's other mode.
VARIANTS.update({
    "tf-eager": {"with_print_eager": "with_print", "with_assert_eager": "with_assert",
                   "with_numpy_eager": "with_numpy", "eager": "forward"},
    "jax-eager": {"with_print_eager": "with_print", "with_assert_eager": "with_assert",
            "with_numpy_eager": "with_numpy", "eager": "forward"},
    "torch-compile": {"with_print_compiled": ("with_print", "compile"),
                      "with_assert_compiled": ("with_assert", "compile"),
                      "with_numpy_compiled": ("with_numpy", "compile"), "compiled": ("forward", "compile")},
    # torch.export and torch.jit.trace: the same inspections, the eager functions as they are.
    **{system: {**{v: (v, how) for v in INSPECTIONS}, "static": ("forward", working)}
       for system, how, working in (("torch-export", "export", "export-dynamic"),
                                    ("torch-jit", "trace", "trace"))},
})

# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); `lab verify` reports drift.
EXTRAS = {"tf1-graph": ["run", "run_and_print_h1"], "torch-export": ["DYNAMIC_SHAPES"]}  # TF1: Session.run helpers
_SILENT = {"status": "ok", "print_counts": [0, 0, 0], "inspection": "none"}
_VALUES = {"status": "ok", "print_counts": [1, 1, 1], "inspection": "concrete"}
_TRACE_ONLY = {"status": "ok", "print_counts": [1, 0, 0], "inspection": "symbolic"}
EXPECTED = {
    # TF1: print runs once, at graph building; tf.print (under a control dependency) every run.
    ("tf1-graph", "with_print"): _TRACE_ONLY,
    ("tf1-graph", "with_framework_print"): _VALUES,
    ("tf1-graph", "layer_alone"): _VALUES,
    ("tf1-graph", "with_assert"): {"status": "error", "error_type": "OperatorNotAllowedInGraphError",
                                   "print_counts": [0], "inspection": "raised"},
    ("tf1-graph", "with_framework_assert"): _SILENT,
    # h1.eval() needs a default Session: there is none inside the graph builder.
    ("tf1-graph", "with_numpy"): {"status": "error", "error_type": "ValueError",
                                  "print_counts": [0], "inspection": "raised"},
    ("tf-function", "with_print"): _TRACE_ONLY,
    ("tf-function", "with_framework_print"): _VALUES,
    ("tf-function", "layer_alone"): _VALUES,
    # tf.function converts `assert` only with Feature.ASSERT_STATEMENTS, which is off by default.
    ("tf-function", "with_assert"): {"status": "error", "error_type": "OperatorNotAllowedInGraphError",
                                    "print_counts": [0], "inspection": "raised"},
    ("tf-function", "with_framework_assert"): _SILENT,
    ("tf-function", "with_numpy"): {"status": "error", "error_type": "AttributeError",
                                   "print_counts": [0], "inspection": "raised"},
    ("jax-jit", "with_print"): _TRACE_ONLY,
    ("jax-jit", "with_framework_print"): _VALUES,
    ("jax-jit", "layer_alone"): _VALUES,
    ("jax-jit", "with_assert"): {"status": "error", "error_type": "TracerBoolConversionError",
                             "print_counts": [0], "inspection": "raised"},
    ("jax-jit", "with_framework_assert"): _SILENT,
    ("jax-jit", "with_numpy"): {"status": "error", "error_type": "TracerArrayConversionError",
                            "print_counts": [0], "inspection": "raised"},
    **{("torch-eager", v): _VALUES for v in ("with_print", "with_framework_print", "layer_alone",
                                       "with_numpy")},
    ("torch-eager", "with_assert"): _SILENT,
    ("torch-eager", "with_framework_assert"): _SILENT,
    # torch.export: print runs once, while exporting, on a FakeTensor; asserts and .numpy() on
    # an intermediate cannot be captured.
    ("torch-export", "with_print"): _TRACE_ONLY,
    ("torch-export", "with_framework_print"): _TRACE_ONLY,
    **{("torch-export", v): {"status": "error", "error_type": t, "print_counts": [0], "inspection": "raised"}
       for v, t in (("layer_alone", "RuntimeError"), ("with_numpy", "RuntimeError"),
                    ("with_assert", "GuardOnDataDependentSymNode"),
                    ("with_framework_assert", "GuardOnDataDependentSymNode"))},
    # torch.jit.trace runs the Python once while tracing (and twice more to check the trace):
    # real values then, never again; asserts run at trace time only.
    **{("torch-jit", v): {"status": "ok", "print_counts": [3, 0, 0], "inspection": "concrete"}
       for v in ("with_print", "with_framework_print", "layer_alone", "with_numpy")},
    ("torch-jit", "with_assert"): _SILENT,
    ("torch-jit", "with_framework_assert"): _SILENT,
    # torch.jit.script compiles print into the program: values on every call; .numpy() does not
    # compile ("'Tensor' object has no attribute or method 'numpy'").
    ("torch-jit-script", "with_print"): _VALUES,
    ("torch-jit-script", "with_framework_print"): _VALUES,
    ("torch-jit-script", "layer_alone"): {"status": "error", "error_type": "RuntimeError"},
    ("torch-jit-script", "with_numpy"): {"status": "error", "error_type": "RuntimeError"},
    ("torch-jit-script", "with_assert"): _SILENT,
    ("torch-jit-script", "with_framework_assert"): _SILENT,
    # --modes all
    **{(fw, f"with_print_{m}"): _VALUES for fw, m in
       (("tf-eager", "eager"), ("jax-eager", "eager"), ("torch-compile", "compiled"))},
    **{(fw, f"with_numpy_{m}"): _VALUES for fw, m in
       (("tf-eager", "eager"), ("jax-eager", "eager"), ("torch-compile", "compiled"))},
    **{(fw, f"with_assert_{m}"): _SILENT for fw, m in
       (("tf-eager", "eager"), ("jax-eager", "eager"), ("torch-compile", "compiled"))},
}

_SYMBOLIC = re.compile(r'Tensor\("|Tracer|Traced<|ShapedArray|FakeTensor|Proxy\(')
_NUMBER = re.compile(r"\d")


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, w1, w2, w3) three times: the same seeded weights, a different x each call."""
    rng = np.random.default_rng(seed)
    dims = (D_IN, HIDDEN, HIDDEN, D_OUT)
    ws = [(rng.normal(size=(a, b)) / np.sqrt(a)).astype(np.float32) for a, b in zip(dims, dims[1:])]
    return [(rng.normal(size=(BATCH, D_IN)).astype(np.float32), *ws) for _ in range(3)]


def reference(x, w1, w2, w3):
    h1 = np.maximum(x @ w1, 0)
    h2 = np.maximum(h1 @ w2, 0)
    return h2 @ w3


def classify(block: list[str]) -> str:
    """'symbolic' for a placeholder (TF graph tensor, JAX tracer), 'concrete' for numbers."""
    text = " ".join(block)[len(MARKER):]
    if _SYMBOLIC.search(text):
        return "symbolic"
    return "concrete" if _NUMBER.search(text) else "other"


def _prints(lines: list[str]) -> list[list[str]]:
    """One block per print: a MARKER line and the lines that continue its array (indented or
    starting with a bracket, as numpy, torch, tf.print and TF's eager repr wrap them)."""
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith(MARKER):
            blocks.append([line])
        elif blocks and line[:1] in (" ", "[", "]"):
            blocks[-1].append(line)
    return blocks


def annotate(run: dict) -> dict:
    """Per call, how many inspections printed and what each showed. `inspection` sums up the
    attempt: concrete, symbolic, mixed, raised or none (an assert held silently)."""
    kinds = [[classify(block) for block in _prints(lines)] for lines in run["printed"]]
    seen = {k for per_call in kinds for k in per_call}
    if run["status"] == "error":
        inspection = "raised"
    elif not seen:
        inspection = "none"
    else:
        inspection = seen.pop() if len(seen) == 1 else "mixed"
    first = next((b[0] for lines in run["printed"] for b in _prints(lines)), None)
    return {"print_counts": [len(k) for k in kinds], "print_kinds": kinds,
            "inspection": inspection, "first_print": first}


_WHAT = {
    "with_print": "Python print of h1 inside the function",
    "with_framework_print": "The framework's print (tf.print, jax.debug.print; torch: print)",
    "layer_alone": "The compiled layer called alone, h1 printed between calls",
    "with_assert": "A Python assert on h1's shape and values",
    "with_framework_assert": "The framework's assert (tf.debugging.assert_non_negative, "
                             "checkify.check; torch: assert)",
    "with_numpy": "Reading h1 as a numpy value inside the function",
}


def _outcome(run: dict) -> str:
    who = run["mode_name"]
    if run["status"] not in ("ok", "wrong"):
        return outcome(run, who)
    n = len(run.get("call_times_s") or []) or run.get("calls", 0)
    result = "matching the reference" if run["status"] == "ok" else f"with a {run['status']} result"
    if not any(run.get("print_counts") or []):
        return f"{who} ran all {n} calls silently, {result}"
    symbolic = run.get("inspection") == "symbolic" and run.get("first_print")
    return printed(run, who, n, f": `{run['first_print'][:70]}`" if symbolic else "")


def verdicts(doc: dict) -> list[str]:
    """One sentence per inspection, across the frameworks that ran it; numbers from the run."""
    return [sentence for label in INSPECTIONS for sentence in listed(
        _WHAT[label], [_outcome(r) for r in doc["runs"] if r["variant"] == label and "print_counts" in r])]


def strategy(st, hnp):
    """`lab verify`'s inputs for `forward`: batches of 1-16 rows with zeros and large magnitudes,
    this scenario's weights. (Rows of zeros sit on ReLU's kink; verify compares their gradients
    pairwise only, as finite differences have no single answer there.)"""
    _, w1, w2, w3 = calls(0)[0]
    elements = st.floats(-100, 100, width=32, allow_nan=False, allow_infinity=False)
    return st.integers(1, 16).flatmap(
        lambda n: hnp.arrays(np.float32, (n, D_IN), elements=elements)).map(lambda x: (x, w1, w2, w3))


# --- lab claims ------------------------------------------------------------------------------
# Piece by piece: Python's own print shows h1's values on every call (does not hold), only the
# framework's print does (partly), or neither does (holds).
# The cause the claim is about (lab/causes.py): Python's print ran while the first call traced
# or compiled, and the calls after printed nothing (print_counts [n, 0, 0]).
CAUSES = {
    "print-at-trace": {"words": "Python's print ran only while the first call traced or compiled; the calls "
                                "after printed nothing", "fields": {"print_counts": r"^\[[1-9]\d*(, 0)+\]$"}},
}
CLAIM_RULE = {"kind": "inspection", "python_print": "with_print", "framework_print": "with_framework_print"}
