"""control-flow in TF1 graph mode: the eager code transliterated (naive), and explicit graph ops.

A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def forward():
    x = tf.compat.v1.placeholder(tf.float32, [None], name="x")  # None: any length
    y = tf.cond(tf.reduce_sum(x) > 0,
                lambda: tf.sin(x) * 4.0,
                lambda: x * x)
    n = tf.constant(0)
    y, n = tf.while_loop(lambda y, n: tf.reduce_max(tf.abs(y)) > 1.0,
                         lambda y, n: (y / 2.0, n + 1),
                         (y, n))
    return [x], (y, n)


def naive():
    x = tf.compat.v1.placeholder(tf.float32, [8], name="x")
    if tf.reduce_sum(x) > 0:  # no AutoGraph here: a symbolic tensor has no truth value
        y = tf.sin(x) * 4.0
    else:
        y = x * x
    n = 0
    while tf.reduce_max(tf.abs(y)) > 1.0:
        y = y / 2.0
        n += 1
    return [x], (y, n)
