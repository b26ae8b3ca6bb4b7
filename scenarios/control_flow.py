"""control-flow: a branch and a loop that both depend on tensor values."""
import numpy as np

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

# The naive ports are expected to behave like this; `lab verify` reports drift when they don't.
EXPECTED = {
    ("tf-function", "naive"): {"status": "ok", "compiles": 1},  # AutoGraph converts if/while
    ("jax-jit", "naive"): {"status": "error", "error_type": "TracerBoolConversionError"},
    # TF 1.x had no AutoGraph: a Python `if` on a graph tensor has no truth value.
    ("tf1-graph", "naive"): {"status": "error", "error_type": "OperatorNotAllowedInGraphError"},
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


def verdicts(doc: dict) -> list[str]:
    """What the run says about AutoGraph, inferred from this run's traces and results."""
    inputs = calls(doc.get("seed", 0))
    branches = {bool(x.sum() > 0) for (x,) in inputs}
    steps = {int(reference(x)[1]) for (x,) in inputs}
    out = []
    for run in doc["runs"]:
        if (run["system"], run["variant"], run["status"]) == ("tf-function", "naive", "ok") \
                and run["compiles"] == 1 and len(branches) == 2:
            out.append(f"The naive tf.function port works: a single trace served {len(inputs)} inputs "
                       f"that took both branches and {len(steps)} different loop counts, so AutoGraph "
                       "turned the Python if/while into graph control flow. The seed claim does not "
                       "hold for TensorFlow here.")
        if (run["system"], run["variant"], run["status"]) == ("jax-jit", "naive", "error"):
            jax_code = doc.get("code", {}).get("jax-jit", {})
            fwd = jax_code.get("functions", {}).get("forward", {})
            changed = (jax_code.get("diff_vs_eager") or {}).get("functions", {}).get("forward", {}).get("changed")
            constructs = " and ".join(fwd.get("constructs", {})) or "lax control flow"
            out.append(f"jax.jit has no AutoGraph: the Python `if` on a traced value raised "
                       f"{run['error']['type']}, so the working version spells the branch and loop as "
                       f"{constructs}" + (f" ({changed} of its {fwd['lines']} lines differ from eager)"
                                         if changed is not None and fwd.get("lines") else "")
                       + ". The seed claim holds for JAX.")
    return out


# --- lab verify ------------------------------------------------------------------------------
# lax.while_loop has no reverse-mode rule: a finding, kept as data so that a JAX release that
# adds one shows up as drift. The bounded fori_loop version is differentiable and is verified.
NOT_DIFFERENTIABLE = {("jax-jit", "static"): "lax.while_loop does not support reverse-mode differentiation"}
VERIFY_VARIANTS = {"jax-jit": {"bounded": "forward_fori"}}
EXTRAS = {"jax-jit": ["forward_fori", "MAX_STEPS"], "tf1-graph": ["run"]}
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
