"""debug-bad-op under jax.jit: a fixed lookup-then-project, two planted bugs, and checkify."""
import functools

import jax
import jax.numpy as jnp
from jax.experimental import checkify

UNK = 0  # the embedding row that stands for out-of-vocabulary tokens


@jax.jit
def forward(table, w, ids):
    ids = jnp.where(ids < table.shape[0], ids, UNK)  # out-of-vocabulary ids -> UNK
    e = table[ids]
    return e @ w


@jax.jit
def shape_bug(table, w, ids):
    ids = jnp.where(ids < table.shape[0], ids, UNK)
    e = table[ids]
    return e @ w.T  # BUG: w is already (dim, hidden); w.T has the wrong inner dim


@jax.jit
def value_bug(table, w, ids):
    e = table[ids]  # BUG: no vocabulary check; an id >= vocab size reads past the table
    return e @ w


# JAX's tool for run-time checks: checkify adds a bounds check to every gather of the same code.
@jax.jit
@functools.partial(checkify.checkify, errors=checkify.index_checks)
def _checked(table, w, ids):
    return value_bug(table, w, ids)


def value_bug_checked(table, w, ids):
    err, out = _checked(table, w, ids)
    err.throw()  # the check ran on the device; raising happens here, on the host
    return out
