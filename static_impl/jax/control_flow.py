"""control-flow under jax.jit: the eager code as-is (naive), and lax control flow."""
import jax
import jax.numpy as jnp
from jax import lax


@jax.jit
def forward(x):
    y = lax.cond(jnp.sum(x) > 0,
                 lambda: jnp.sin(x) * 4.0,
                 lambda: x * x)
    n = 0
    y, n = lax.while_loop(lambda c: jnp.max(jnp.abs(c[0])) > 1.0,
                          lambda c: (c[0] / 2.0, c[1] + 1),
                          (y, n))
    return y, n


@jax.jit
def naive(x):
    if jnp.sum(x) > 0:
        y = jnp.sin(x) * 4.0
    else:
        y = x * x
    n = 0
    while jnp.max(jnp.abs(y)) > 1.0:
        y = y / 2.0
        n += 1
    return y, n


MAX_STEPS = 64  # enough halvings for any float32 input


@jax.jit
def forward_fori(x):
    # A bounded loop can be reverse-differentiated; lax.while_loop cannot.
    y = lax.cond(jnp.sum(x) > 0,
                 lambda: jnp.sin(x) * 4.0,
                 lambda: x * x)

    def halve(i, c):
        y, n = c
        big = jnp.max(jnp.abs(y)) > 1.0
        return jnp.where(big, y / 2.0, y), n + big

    y, n = lax.fori_loop(0, MAX_STEPS, halve, (y, 0))
    return y, n
