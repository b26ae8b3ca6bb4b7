"""speed under tf.function: each workload traced into a graph, and again with XLA
(jit_compile=True), which compiles the graph into fused machine code. Both workloads take the
same inputs (x, y, W1, W2); the chain reads x alone."""
import tensorflow as tf

LR = 0.1


@tf.function
def chain(x, y, W1, W2):  # 8 elementwise ops: a compiler may fuse them into one loop
    h = x * 1.5 + 0.5
    h = tf.tanh(h)
    h = h * h - 0.25
    h = tf.sigmoid(h) * 2.0 - 1.0
    return h


@tf.function
def mlp(x, y, W1, W2):  # one training step: forward, backward, SGD update
    with tf.GradientTape() as tape:
        tape.watch([W1, W2])
        h = tf.tanh(x @ W1)
        loss = tf.reduce_mean((h @ W2 - y) ** 2)
    grads = tape.gradient(loss, [W1, W2])
    return W1 - LR * grads[0], W2 - LR * grads[1], loss


chain_xla = tf.function(chain.python_function, jit_compile=True)
mlp_xla = tf.function(mlp.python_function, jit_compile=True)
