"""debugger in TF1 graph mode: the model with a breakpoint() in its graph builder (naive), and
without it.
A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _placeholders():
    return (tf.compat.v1.placeholder(tf.float32, [None, 3], name="x"),
            tf.compat.v1.placeholder(tf.float32, [3, 4], name="W"))


def forward():
    x, W = feeds = _placeholders()
    h = tf.tanh(x @ W)
    return feeds, tf.reduce_sum(h, 0)


def naive():
    x, W = feeds = _placeholders()
    h = tf.tanh(x @ W)
    breakpoint()  # runs once, while the graph is built
    return feeds, tf.reduce_sum(h, 0)
