"""control-flow: a branch and a loop that both depend on tensor values."""
import numpy as np

from scenarios._readings import as_written, at, changed_lines, constructs, index, plural, series, served

NAME = "control-flow"
ORDER = 1
TITLE = "Data-dependent branch and loop"
CLAIM = "Control flow is awkward in static graphs."
LESSON = (
    "The function picks a branch by the sign of x.sum() and then halves y until max|y| <= 1, "
    "so both the branch and the number of loop steps depend on the data. Eager code writes them "
    "as a Python `if` and `while`; a graph needs tf.cond/tf.while_loop or "
    "lax.cond/lax.while_loop, unless a tool such as AutoGraph rewrites the Python for you."
)
RTOL, ATOL = 1e-5, 1e-6

# torch.jit.trace cannot return the Python int n of the eager code: `traceable` returns it as a
# tensor, and is then traced on the first input's path only.
VARIANTS = {"torch-export": {"naive": ("naive", "export"), "static": ("forward", "export-dynamic")},
            "torch-jit": {"naive": ("naive", "trace"), "traced": ("traceable", "trace"),
                          "scripted": ("naive", "script")}}

# The naive ports are expected to behave like this; `lab verify` reports drift when they don't.
EXPECTED = {
    ("tf-function", "naive"): {"status": "ok", "compiles": 1},  # AutoGraph converts if/while
    ("jax-jit", "naive"): {"status": "error", "error_type": "TracerBoolConversionError"},
    # TF 1.x had no AutoGraph: a Python `if` on a graph tensor has no truth value.
    ("tf1-graph", "naive"): {"status": "error", "error_type": "OperatorNotAllowedInGraphError"},
    # PyTorch's static paths meet the same wall (torch 2.13): Dynamo breaks the graph at the
    # `if` (an error with fullgraph=True), export cannot guard on the data-dependent branch.
    ("torch-compile", "fullgraph"): {"status": "error", "error_type": "Unsupported"},
    ("torch-export", "naive"): {"status": "error", "error_type": "GuardOnDataDependentSymNode"},
    # jit.trace cannot return the Python int n; returned as a tensor, the trace records one path
    # and silently returns wrong numbers for an input that takes the other branch.
    ("torch-jit", "naive"): {"status": "error", "error_type": "RuntimeError"},
    ("torch-jit", "traced"): {"status": "wrong"},
}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """Three inputs: both branches and different loop trip counts."""
    rng = np.random.default_rng(seed)
    return [(((rng.normal(size=8) + shift) * scale).astype(np.float32),)
            for shift, scale in ((1.0, 1.0), (-1.0, 3.0), (0.5, 10.0))]


def reference(x: np.ndarray):
    """The same computation in numpy, in the input's precision (float64 for gradient checks)."""
    if x.sum() > 0:
        y = np.sin(x) * 4.0
    else:
        y = x * x
    n = 0
    while np.abs(y).max() > 1.0:
        y = y / 2.0
        n += 1
    return y.astype(x.dtype), np.int32(n)


# Errors that mean "a Python `if` asked a traced/graph value for its truth value".
NO_TRUTH_VALUE = ("TracerBoolConversionError", "ConcretizationTypeError", "OperatorNotAllowedInGraphError")


def _statement_line(source: str | None, function: str, kind: str) -> int | None:
    """The line of the first `if` (kind "If") or `while` ("While") statement in `function` of
    `source`, read from the code the run ran; None when the source or the statement is missing."""
    import ast
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            hits = [n.lineno for n in ast.walk(node) if type(n).__name__ == kind]
            return min(hits) if hits else None
    return None


def _raised_at_the_if(run: dict, code: dict) -> bool:
    """The run raised a no-truth-value error whose innermost line of user code is the `if` of
    the function it ran, in the file it ran: what the JAX takeaway rests on."""
    e = run.get("error") or {}
    user = e.get("innermost_user") or {}
    line = _statement_line(code.get("source"), run["function"], "If")
    return (run["status"] == "error" and e.get("type") in NO_TRUTH_VALUE and line is not None
            and user.get("file") == run["file"] == code.get("file") and user.get("line") == line
            and user.get("code", "").lstrip().startswith("if "))


def _autograph_sentence(run: dict, inputs: list) -> str | None:
    """tf.function's naive port: what one trace serving every input shows, and no more."""
    n = len(inputs)
    if not (served(run, n) and run["compiles"] == 1 and len(run.get("call_errors") or []) == n):
        return None
    branches = {bool(x.sum() > 0) for (x,) in inputs}
    # The loop count is an output (n), compared with the reference's on every call: matched.
    steps = {int(reference(x)[1]) for (x,) in inputs}
    varied = {"the `if`": len(branches) > 1, "the `while`": len(steps) > 1}
    shown, unshown = [k for k, v in varied.items() if v], [k for k, v in varied.items() if not v]
    return (f"For this code, on these {n} inputs, the naive tf.function port works: one trace served all {n}, which "
            f"took {'both branches' if len(branches) > 1 else 'one branch'} and {plural(len(steps), 'different loop count')}"
            + (f", so AutoGraph turned {series(shown)} into graph control flow" if shown else "")
            + (f"; the inputs never exercised {series(unshown, 'or')} in more than one way, so this run does not show "
               f"what AutoGraph made of {'it' if len(unshown) == 1 else 'them'}" if unshown else
               ". On this evidence the seed claim does not hold for tf.function") + ".")


def verdicts(doc: dict) -> list[str]:
    """What the run says about each naive port, each sentence gated on the data it cites: the
    status, the trace count, the inputs' branches and loop counts, the error's type and line."""
    code = doc.get("code", {})
    tf_naive = index(doc).get(("tf-function", "naive"))  # AutoGraph's: tf.function's alone
    out = [s for s in [tf_naive and _autograph_sentence(tf_naive, calls(doc.get("seed", 0)))] if s]
    for run in doc["runs"]:
        functions = (code.get(run["system"]) or {}).get("functions") or {}
        if not as_written(run) or run["mode"] != "static" or not _raised_at_the_if(run, code.get(run["system"]) or {}):
            continue
        user = run["error"]["innermost_user"]
        # The same system's working version, if one ran and matched, and what it had to use.
        working = next((r for r in doc["runs"] if r["system"] == run["system"] and r is not run
                        and r.get("expect_ok") and r["status"] == "ok"
                        and (functions.get(r["function"]) or {}).get("constructs")), None)
        fn = functions.get(working["function"], {}) if working else {}
        changed = working and changed_lines(doc, working)
        out.append(f"{run['mode_name']} did not convert the Python `if`: in naive, `{user['code'].strip()}` "
                   f"({at(user)}) asked a symbolic value for its truth value and raised "
                   f"{run['error']['type']}" + (
                       f"; the working version ({working['function']}, which matched on all "
                       f"{len(working.get('call_times_s') or [])} inputs) uses "
                       + constructs(fn.get("constructs") or {}, " and ")
                       + (f", {changed} of its {fn['lines']} lines differing from eager"
                          if changed is not None and fn.get("lines") else "")
                       + f". For this code, the seed claim holds for {run['mode_name']}" if working else "") + ".")
    return out


# --- lab verify ------------------------------------------------------------------------------
# lax.while_loop has no reverse-mode rule: a finding, kept as data so that a JAX release that
# adds one shows up as drift. The bounded fori_loop version is differentiable and is verified.
NOT_DIFFERENTIABLE = {
    ("jax-jit", "static"): "lax.while_loop does not support reverse-mode differentiation",
    # Measured (torch 2.13, eager and compiled alike): when the loop runs zero times,
    # torch.while_loop's gradient is half the true one (d sum(4 sin x)/dx came out as 2 cos x).
    ("torch-compile", "static"): "torch.while_loop's gradient is wrong when the loop runs zero times",
    ("torch-export", "static"): "torch.while_loop's gradient is wrong when the loop runs zero times",
}
VERIFY_VARIANTS = {"jax-jit": {"bounded": "forward_fori"}}
EXTRAS = {"jax-jit": ["forward_fori", "MAX_STEPS"], "tf1-graph": ["run"], "torch-jit": ["traceable"], "torch-export": ["DYNAMIC_SHAPES"]}
GRAD_TOL = (1e-4, 1e-5)


def _smooth(x: np.ndarray) -> bool:
    """Away from the branch boundary (sum 0) and from the loop's thresholds (|y| = 2^k), where
    float32 rounding in one framework could take the other path than the reference."""
    if abs(float(x.sum())) <= 1e-3 * (1.0 + float(np.abs(x).sum())):
        return False
    y = np.abs(np.sin(x) * 4.0 if x.sum() > 0 else x * x).max()
    if y == 0:
        return True
    return abs(np.log2(y) - np.round(np.log2(y))) > 1e-4


def strategy(st, hnp):
    """Vectors of 1-16 float32s in [-30, 30], zeros and integers included, then kept smooth."""
    elements = st.floats(-30, 30, width=32, allow_nan=False, allow_infinity=False)
    return hnp.arrays(np.float32, st.integers(1, 16), elements=elements) \
        .filter(_smooth).map(lambda x: (x,))


# --- lab claims ------------------------------------------------------------------------------
# The claim holds for a system when the eager code, put through it as it is, fails (a working
# rewrite with lax/tf/torch control flow does not make it less awkward); it does not hold when
# the eager code runs and matches. torch-jit's "scripted" is jit.script of the eager code.
# The causes the claim is about (lab/causes.py), read from each run's data. Any other failure
# (jit.trace cannot return the Python int n) is listed in the cell as unrelated and not counted.
CAUSES = {
    "truth-value": {"words": "a traced or graph value was asked for its truth value (the Python `if`/`while` "
                             "on a tensor)",
                    "error": "TracerBoolConversionError|ConcretizationTypeError|OperatorNotAllowedInGraphError"
                             "|GuardOnDataDependentSymNode|[Dd]ata-dependent branching"},
    # torch.jit.trace 2.13 warns "Converting a tensor to a Python boolean might cause the trace to
    # be incorrect" at the `if`, then replays the branch it took.
    "baked-branch": {"words": "the trace baked in one branch and silently returned its result for an input "
                              "that takes the other", "silent": True, "warning": "to a Python boolean"},
    "graph-break": {"words": "the graph broke at the data-dependent branch and Python ran it",
                    "signal": "graph-break"},
}
CLAIM_RULE = {"kind": "naive-port", "also": ["traced"], "rewrite": "holds"}  # as written, and the traceable port
