"""numpy-bridge under jax.jit: the eager model as-is (naive), and jax.numpy only."""
import jax
import jax.numpy as jnp
import numpy as np


def from_numpy(a):
    return jax.device_put(a).block_until_ready()  # what jit does with a NumPy argument


def to_numpy(t):
    return np.asarray(t)


def address(t):
    return t.unsafe_buffer_pointer()


@jax.jit
def forward(x, W):
    h = x @ W
    scale = jnp.abs(h).max()  # traced: part of the compiled program
    return h / scale


@jax.jit
def naive(x, W):
    h = x @ W
    scale = np.abs(np.asarray(h)).max()  # BUG: a tracer has no value to convert
    return h / float(scale)
