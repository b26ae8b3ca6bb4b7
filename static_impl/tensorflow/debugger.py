"""debugger under tf.function: the model with a breakpoint() (naive), and without it."""
import tensorflow as tf


@tf.function
def forward(x, W):
    h = tf.tanh(x @ W)
    return tf.reduce_sum(h, 0)


@tf.function
def naive(x, W):
    h = tf.tanh(x @ W)
    breakpoint()  # runs while tracing; tf.config.run_functions_eagerly(True) makes it run every call
    return tf.reduce_sum(h, 0)
