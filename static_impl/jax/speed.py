"""speed under jax.jit: each workload traced and compiled by XLA into one executable; jax-eager
runs the same code op by op. Both workloads take the same inputs (x, y, W1, W2); the chain reads
x alone."""
import jax
import jax.numpy as jnp

LR = 0.1


@jax.jit
def chain(x, y, W1, W2):  # 8 elementwise ops: a compiler may fuse them into one loop
    h = x * 1.5 + 0.5
    h = jnp.tanh(h)
    h = h * h - 0.25
    h = jax.nn.sigmoid(h) * 2.0 - 1.0
    return h


def _loss(W1, W2, x, y):  # JAX differentiates a function, not a recording
    h = jnp.tanh(x @ W1)
    return jnp.mean((h @ W2 - y) ** 2)


@jax.jit
def mlp(x, y, W1, W2):  # one training step: forward, backward, SGD update
    loss, grads = jax.value_and_grad(_loss, argnums=(0, 1))(W1, W2, x, y)
    return W1 - LR * grads[0], W2 - LR * grads[1], loss
