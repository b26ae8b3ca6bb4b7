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
