"""incremental-testing under jax.jit: a 3-layer MLP and the ways a developer looks inside it."""
import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify


@jax.jit
def dense(x, w):  # one layer, compiled on its own: callable alone or inside the model
    return jax.nn.relu(x @ w)


@jax.jit
def forward(x, w1, w2, w3):
    h1 = dense(x, w1)
    h2 = dense(h1, w2)
    return h2 @ w3


@jax.jit
def with_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    print("h1:", h1)  # Python print: runs while tracing, on a tracer
    h2 = dense(h1, w2)
    return h2 @ w3


@jax.jit
def with_framework_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    jax.debug.print("h1: {}", h1)  # a host callback in the program: runs on every call
    h2 = dense(h1, w2)
    return h2 @ w3


def layer_alone(x, w1, w2, w3):  # no jax.jit here: the layers are called one by one
    h1 = dense(x, w1)
    print("h1:", np.asarray(h1))  # between compiled calls, h1 is an ordinary array
    h2 = dense(h1, w2)
    return h2 @ w3


@jax.jit
def with_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])  # static shapes are known while tracing
    assert jnp.all(h1 >= 0)  # the value is not: a tracer has no truth value
    h2 = dense(h1, w2)
    return h2 @ w3


@jax.jit
@checkify.checkify
def _with_framework_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])
    checkify.check(jnp.all(h1 >= 0), "h1 has negative entries")  # a check in the program
    h2 = dense(h1, w2)
    return h2 @ w3


def with_framework_assert(x, w1, w2, w3):
    err, out = _with_framework_assert(x, w1, w2, w3)
    err.throw()  # checkify returns the error as a value; raising is up to the caller
    return out


@jax.jit
def with_numpy(x, w1, w2, w3):
    h1 = dense(x, w1)
    h1_value = np.asarray(h1)  # what a debugger reads; a tracer has no value yet
    print("h1:", h1_value)
    h2 = dense(h1, w2)
    return h2 @ w3
