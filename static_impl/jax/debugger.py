"""debugger under jax.jit: the model with a breakpoint() (naive), with jax.debug.breakpoint(),
and without either."""
import jax
import jax.numpy as jnp


@jax.jit
def forward(x, W):
    h = jnp.tanh(x @ W)
    return h.sum(0)


@jax.jit
def naive(x, W):
    h = jnp.tanh(x @ W)
    breakpoint()  # runs while tracing, on tracers
    return h.sum(0)


@jax.jit
def with_framework_breakpoint(x, W):
    h = jnp.tanh(x @ W)
    jax.debug.breakpoint()  # a host callback in the program: stops on every call, with values
    return h.sum(0)
