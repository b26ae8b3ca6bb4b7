"""variable-length: a tiny RNN over sequences whose length changes from call to call."""
import numpy as np

from scenarios._readings import index, plural, served, totals, who

NAME = "variable-length"
ORDER = 2
TITLE = "Inputs whose length changes call to call"
CLAIM = "Static graphs need inputs of fixed sizes."

BATCH, D_IN, D_H = 4, 8, 16
# Lengths up to 24 keep the naive JAX port's unrolled compiles to a few seconds on two cores.
N_CALLS, N_LENGTHS, MAX_LEN = 30, 12, 24
LESSON = (
    f"A tiny RNN cell, h = tanh(x_t W + h U), runs over {N_CALLS} sequences of {N_LENGTHS} "
    "different lengths. The eager loop put under @tf.function or @jax.jit specialises the "
    "program to each length: count the traces and compiles. TensorFlow drops the length from "
    "the program with a None dimension in input_signature (one trace); XLA wants every shape "
    "static, so the JAX version pads each sequence to a power-of-two bucket, masks the padded "
    "steps and runs lax.scan: one compile per bucket. PyTorch just loops over the real length."
)
RTOL, ATOL = 1e-5, 1e-5

# "compiles" is a number, or the name of a count that describe_calls() puts in every run
# ("distinct_lengths"): the expectation follows this seed's inputs instead of being a number
# copied from one run. The static variants' counts (1 trace; one compile per bucket) are asserted
# by tests/test_variable_length.py, in a fresh process where no cache is warm.
VARIANTS = {
    "tf-function": {"naive": "naive", "reduce_retracing": "naive_reduced", "static": "forward"},
    "torch-compile": {"compiled": ("naive", "compile"), "static": ("forward", "fullgraph")},
    "torch-export": {"naive": ("naive", "export"), "naive_dynamic": ("naive", "export-dynamic"),
                     "static": ("forward", "export-dynamic")},
}
EXPECTED = {
    ("tf-function", "naive"): {"status": "ok", "compiles": "distinct_lengths"},
    ("jax-jit", "naive"): {"status": "ok", "compiles": "distinct_lengths"},
    # reduce_retracing=True: a second trace relaxes the length to None, and serves the rest.
    ("tf-function", "reduce_retracing"): {"status": "ok", "compiles": 2},
    # A TF1 placeholder of the first length seen refuses the second length at feed time.
    ("tf1-graph", "naive"): {"status": "error", "error_type": "ValueError", "compiles": 1},
    # torch.export specialises the length it saw (a guard fails on the next length); asking for
    # a dynamic length while the Python loop fixes it is refused at export time.
    ("torch-export", "naive"): {"status": "error", "error_type": "AssertionError", "compiles": 1},
    ("torch-export", "naive_dynamic"): {"status": "error", "error_type": "UserError", "compiles": 0},
    ("torch-jit", "naive"): {"status": "error", "error_type": "RuntimeError", "compiles": 1},
}
# float32 gradients through up to 24 recurrent tanh steps drift ~1e-5 from float64 differences.
GRAD_TOL = (1e-4, 5e-5)
EXTRAS = {"tf-function": ["SEQ", "MAT", "naive_reduced"], "tf1-graph": ["run"], "torch-export": ["SEQ", "DYNAMIC_SHAPES"]}  # input_signature specs: TF-only, exempt from name parity


def bucket(n: int) -> int:
    """The JAX version's padding rule (next power of two), for predicting its compile count."""
    return 1 << (int(n) - 1).bit_length()


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(xs [T, BATCH, D_IN], W, U) per call. Every length appears at least once and some recur,
    shuffled so that new lengths keep arriving late in the batch, as they do in serving."""
    rng = np.random.default_rng(seed)
    lengths = rng.choice(np.arange(2, MAX_LEN + 1), N_LENGTHS, replace=False)
    order = np.concatenate([lengths, rng.choice(lengths, N_CALLS - N_LENGTHS)])
    rng.shuffle(order)
    # Weights are inputs, drawn once: every framework gets the very same numbers.
    W = (rng.normal(size=(D_IN, D_H)) / np.sqrt(D_IN)).astype(np.float32)
    U = (rng.normal(size=(D_H, D_H)) * 0.9 / np.sqrt(D_H)).astype(np.float32)
    return [(rng.normal(size=(int(t), BATCH, D_IN)).astype(np.float32), W, U) for t in order]


def reference(xs: np.ndarray, W: np.ndarray, U: np.ndarray) -> np.ndarray:
    h = np.zeros((xs.shape[1], U.shape[0]), np.float32)
    for x in xs:
        h = np.tanh(x @ W + h @ U)
    return h


def describe_calls(inputs) -> dict:
    lengths = [int(xs.shape[0]) for xs, *_ in inputs]
    buckets = sorted({bucket(n) for n in lengths})
    return {"lengths": lengths, "distinct_lengths": len(set(lengths)),
            "buckets": buckets, "distinct_buckets": len(buckets)}


def _buckets_measured(run: dict, lengths: list[int]) -> list[int] | None:
    """The buckets this run's own per-call compiles show: one compile on exactly the calls whose
    length opened a new power-of-two bucket (one no earlier call used), none on the others. The
    bucket sizes, in the order the run compiled them, or None when the run's compiles do not line
    up with the buckets (then the verdict names no bucket and no padding cost)."""
    per_call = run.get("call_compiles") or []
    opened = [bucket(n) not in {bucket(m) for m in lengths[:i]} for i, n in enumerate(lengths)]
    if sum(per_call) != run.get("compiles") or [c == 1 for c in per_call] != opened or any(c not in (0, 1) for c in per_call):
        return None
    return [bucket(n) for n, c in zip(lengths, per_call) if c]


def verdicts(doc: dict) -> list[str]:
    """Compile counts against the number of distinct lengths and buckets, all from this run: the
    bucket sizes and the padding cost are stated only where the JAX run's per-call compiles show
    exactly one compile per new bucket."""
    lengths = doc["lengths"]
    distinct, n_calls = len(set(lengths)), len(lengths)
    runs = index(doc, lambda r: served(r, n_calls))
    out = []
    tf_naive, tf_static, tf_reduced = (runs.get(("tf-function", v)) for v in ("naive", "static", "reduce_retracing"))
    if tf_naive and tf_static:
        signature = "input_signature" in ((tf_static.get("code") or {}).get("constructs") or {})
        out.append(f"{who(tf_naive)} traced {plural(tf_naive['compiles'], 'time')} for {distinct} distinct "
                   f"lengths over {n_calls} calls; "
                   + ("with a None length in input_signature, " if signature else "the static version: ")
                   + f"{plural(tf_static['compiles'], 'trace')} served every call.")
    if tf_naive and tf_reduced:
        n, m = tf_reduced["compiles"], tf_naive["compiles"]
        out.append(f"{tf_reduced['mode_name']}(reduce_retracing=True) traced {plural(n, 'time')} over the same "
                   f"{n_calls} calls, against {m} for the naive port: "
                   + (f"relaxing the length to None after a second shape saved {m - n} traces." if n < m
                      else "it saved no trace here."))
    jax_naive, jax_static = runs.get(("jax-jit", "naive")), runs.get(("jax-jit", "static"))
    if jax_naive and jax_static:
        n_naive, n_static = jax_naive["compiles"], jax_static["compiles"]
        s = (f"{who(jax_naive)} compiled {plural(n_naive, 'time')} for {distinct} distinct lengths over "
             f"{n_calls} calls; {who(jax_static)} compiled {plural(n_static, 'time')}")
        measured = _buckets_measured(jax_static, lengths)
        if measured:
            padded, real = sum(bucket(n) for n in lengths), sum(lengths)
            s += (f", once on each call whose length opened a new power-of-two bucket "
                  f"({', '.join(map(str, sorted(measured)))}) and on no other call: padding to those buckets ")
            s += (f"cut the compiles from {n_naive} to {n_static}" if n_static < n_naive else
                  f"did not cut the compiles ({n_naive} either way)" if n_static == n_naive else
                  f"compiled more often, not less ({n_static} against {n_naive})")
            s += (f"; the padded sequences cost {padded / real:.2f}x the real steps "
                  f"({padded} padded steps for {real} real ones over these calls)")
        else:
            s += "; its compiles do not fall one per new power-of-two bucket, so this run does not show the buckets"
        out.append(s + ".")
    return out + totals(doc, f"{n_calls} calls")


def strategy(st, hnp):
    """`lab verify`'s inputs: any length from 1 to MAX_LEN, values with zeros and large
    magnitudes (tanh saturates), this scenario's weights."""
    _, W, U = calls(0)[0]
    elements = st.floats(-50, 50, width=32, allow_nan=False, allow_infinity=False)
    return st.integers(1, MAX_LEN).flatmap(
        lambda t: hnp.arrays(np.float32, (t, BATCH, D_IN), elements=elements)).map(lambda xs: (xs, W, U))


# --- lab claims ------------------------------------------------------------------------------
# Fixed sizes: the eager loop failing on a new length means the claim holds, unless a rewrite
# (shape [None], a dynamic dimension) then served every length: partly. The eager loop working
# but compiling once per distinct length is partly too.
# The causes the claim is about (lab/causes.py), read from each run's data.
CAUSES = {
    # torch 2.13: "torch._dynamo hit config.recompile_limit (8)", then new lengths run eagerly.
    "recompile-limit": {"words": "Dynamo hit its recompile limit and ran the calls with new lengths eagerly",
                        "signal": "eager-fallback"},
    "fixed-size": {"words": "the program was fixed to the first length it saw and refused a new one",
                   "error": r"shape|size|Expected \d+ elements|Constraints violated|specializ"},
    "new-shape": {"words": "each new length forced a new graph (a trace or compile per length)",
                  "recompiled": "distinct_lengths"},
}
CLAIM_RULE = {"kind": "naive-port", "rewrite": "partly"}  # the runs of the eager code as written
