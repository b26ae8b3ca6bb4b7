"""graph-lifetime under jax.jit: no graph is recorded; jax.vjp traces the forward and keeps what
the backward needs in a pullback you can call again."""
import jax
import jax.numpy as jnp

RETAIN = None           # nothing to retain: the pullback holds its residuals as long as it lives
RECORD = "jax.vjp"      # what records the forward for a backward


@jax.jit
def forward(x, W):
    h = x
    for _ in range(8):
        h = jnp.tanh(h @ W)
    return jnp.sum(h * h)


def trainable(W):
    return W


def backward_twice(fn, x, W, retain):
    loss, pullback = jax.vjp(fn, x, W)  # the forward, with its residuals
    first = pullback(jnp.ones_like(loss))[1]
    return first, pullback(jnp.ones_like(loss))[1]  # the same pullback again


def run_forward(fn, x, W, record):
    out = jax.vjp(fn, x, W)[0] if record else fn(x, W)
    return out.block_until_ready()


naive = forward
