"""variable-length under jax.jit: the eager loop as-is (naive), and buckets + mask + lax.scan."""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


def forward(xs, W, U):
    n = xs.shape[0]
    bucket = 1 << (n - 1).bit_length()  # next power of two: one compile per bucket, not per length
    xs = _pad(xs, [(0, bucket - n), (0, 0), (0, 0)])
    mask = np.arange(bucket) < n
    return _scan(xs, mask, W, U)


def _pad(a, widths):
    # On the host for concrete data: a jnp.pad would itself compile once per length. Under
    # jax.grad the data is traced, and jnp.pad keeps the padding differentiable.
    return jnp.pad(a, widths) if isinstance(a, jax.core.Tracer) else np.pad(np.asarray(a), widths)


@jax.jit
def _scan(xs, mask, W, U):
    def step(h, x_and_m):
        x, m = x_and_m
        return jnp.where(m, jnp.tanh(x @ W + h @ U), h), None  # padded steps keep h
    h, _ = lax.scan(step, jnp.zeros([xs.shape[1], U.shape[0]]), (xs, mask))
    return h


@jax.jit  # the Python loop unrolls at trace time: every length is a new program
def naive(xs, W, U):
    h = jnp.zeros([xs.shape[1], U.shape[0]])
    for x in xs:
        h = jnp.tanh(x @ W + h @ U)
    return h
