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
    ("tensorflow", "naive"): {"status": "ok", "compiles": 1},  # AutoGraph converts if/while
    ("jax", "naive"): {"status": "error", "error_type": "TracerBoolConversionError"},
}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """Three inputs: both branches and different loop trip counts."""
    rng = np.random.default_rng(seed)
    return [(((rng.normal(size=8) + shift) * scale).astype(np.float32),)
            for shift, scale in ((1.0, 1.0), (-1.0, 3.0), (0.5, 10.0))]


def reference(x: np.ndarray):
    """The same computation in numpy (float32, like the implementations)."""
    if x.sum() > 0:
        y = np.sin(x) * np.float32(4.0)
    else:
        y = x * x
    n = 0
    while np.abs(y).max() > 1.0:
        y = y / np.float32(2.0)
        n += 1
    return y.astype(np.float32), np.int32(n)


def verdicts(doc: dict) -> list[str]:
    """What the run says about AutoGraph, inferred from this run's traces and results."""
    inputs = calls(doc.get("seed", 0))
    branches = {bool(x.sum() > 0) for (x,) in inputs}
    steps = {int(reference(x)[1]) for (x,) in inputs}
    out = []
    for run in doc["runs"]:
        if (run["framework"], run["variant"], run["status"]) == ("tensorflow", "naive", "ok") \
                and run["compiles"] == 1 and len(branches) == 2:
            out.append(f"The naive tf.function port works: a single trace served {len(inputs)} inputs "
                       f"that took both branches and {len(steps)} different loop counts, so AutoGraph "
                       "turned the Python if/while into graph control flow. The seed claim does not "
                       "hold for TensorFlow here.")
    return out
