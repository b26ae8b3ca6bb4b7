"""dynamic-architecture under jax.jit: recursion (naive), one compile per tree shape, and a
lax.scan over nodes padded to a fixed count that one compile serves for every tree."""
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

MAX_NODES = 32  # capacity: one padded shape, so one compile, for every tree up to this size


def forward(left, right, feats, W_leaf, W_l, W_r, b):
    n = len(left)
    pad = MAX_NODES - n  # padded on the host: a jnp.pad would compile once per size
    left = np.pad(np.asarray(left), (0, pad), constant_values=-1)  # padding nodes are leaves
    right = np.pad(np.asarray(right), (0, pad), constant_values=-1)
    feats = _pad(feats, [(0, pad), (0, 0), (0, 0)])
    return _scan(left, right, feats, W_leaf, W_l, W_r, b, n - 1)


def _pad(a, widths):
    # On the host for concrete data (no compile per size); traced, so differentiable, under jax.grad.
    return jnp.pad(a, widths) if isinstance(a, jax.core.Tracer) else np.pad(np.asarray(a), widths)


@jax.jit
def _scan(left, right, feats, W_leaf, W_l, W_r, b, root):
    def step(hs, i):  # children precede parents, so their states are already written
        h = lax.cond(left[i] < 0,
                     lambda: jnp.tanh(feats[i] @ W_leaf),
                     lambda: jnp.tanh(hs[left[i]] @ W_l + hs[right[i]] @ W_r + b))
        return hs.at[i].set(h), None
    hs, _ = lax.scan(step, jnp.zeros([len(left), 1, W_l.shape[0]]), jnp.arange(len(left)))
    return hs[root]


def per_shape(left, right, feats, W_leaf, W_l, W_r, b):
    # Static (hashable) arguments are part of the cache key: one compile per tree structure.
    return _per_shape(tuple(np.asarray(left).tolist()), tuple(np.asarray(right).tolist()),
                      feats, W_leaf, W_l, W_r, b)


@partial(jax.jit, static_argnums=(0, 1))
def _per_shape(left, right, feats, W_leaf, W_l, W_r, b):
    def node(i):
        if left[i] < 0:  # Python ints: an ordinary `if`, unrolled at trace time
            return jnp.tanh(feats[i] @ W_leaf)
        return jnp.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)


@jax.jit
def naive(left, right, feats, W_leaf, W_l, W_r, b):
    def node(i):
        if left[i] < 0:  # BUG: a traced value has no truth value at trace time
            return jnp.tanh(feats[i] @ W_leaf)
        return jnp.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)
