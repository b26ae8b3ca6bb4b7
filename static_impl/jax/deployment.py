"""deployment under jax.jit: the jitted forward with its weights closed over, exported for any
batch size (a symbolic dimension) and serialized; op by op, what a user would try: a pickle."""
import pickle

import jax
import jax.numpy as jnp
from jax import lax


@jax.jit
def forward(x, W):
    h = jnp.tanh(x @ W)
    return lax.cond(jnp.sum(h) > 0, lambda: h @ W, lambda: h * 0.5)  # both branches in the graph


@jax.jit
def naive(x, W):
    h = jnp.tanh(x @ W)
    if jnp.sum(h) > 0:
        return h @ W
    return h * 0.5


def save(fn, W, x, path, how=None):
    if jax.config.jax_disable_jit:  # eager code: a pickle is what a user would try
        with open(path + ".pkl", "wb") as fh:
            pickle.dump((fn, W), fh)
        return [{"format": "pickle of (function, weights)", "path": path + ".pkl"}]
    spec = jax.ShapeDtypeStruct(jax.export.symbolic_shape(f"b, {W.shape[0]}"), jnp.float32)
    exported = jax.export.export(jax.jit(lambda x: fn(x, W)))(spec)  # W baked in as a constant
    with open(path + ".jax", "wb") as fh:
        fh.write(exported.serialize())
    return [{"format": "jax.export, serialized (StableHLO)", "path": path + ".jax"}]


def load(path):
    if path.endswith(".pkl"):
        import pickle
        with open(path, "rb") as fh:
            fn, W = pickle.load(fh)
        return lambda x: fn(x, W)
    from jax import export
    with open(path, "rb") as fh:
        return export.deserialize(bytearray(fh.read())).call
