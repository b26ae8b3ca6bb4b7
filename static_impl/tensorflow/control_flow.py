"""control-flow under tf.function: the eager code as-is (naive), and explicit graph ops."""
import tensorflow as tf


@tf.function
def forward(x):
    y = tf.cond(tf.reduce_sum(x) > 0,
                lambda: tf.sin(x) * 4.0,
                lambda: x * x)
    n = tf.constant(0)
    y, n = tf.while_loop(lambda y, n: tf.reduce_max(tf.abs(y)) > 1.0,
                         lambda y, n: (y / 2.0, n + 1),
                         (y, n))
    return y, n


@tf.function
def naive(x):
    if tf.reduce_sum(x) > 0:
        y = tf.sin(x) * 4.0
    else:
        y = x * x
    n = 0
    while tf.reduce_max(tf.abs(y)) > 1.0:
        y = y / 2.0
        n += 1
    return y, n
