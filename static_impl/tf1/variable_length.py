"""variable-length in TF1 graph mode: the eager loop with the length fixed (naive), and a
tf.while_loop over a placeholder whose length is left open.

A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def forward():
    xs = tf.compat.v1.placeholder(tf.float32, [None, None, None], name="xs")  # time left open
    W = tf.compat.v1.placeholder(tf.float32, [None, None], name="W")
    U = tf.compat.v1.placeholder(tf.float32, [None, None], name="U")
    h = tf.zeros([tf.shape(xs)[1], tf.shape(U)[0]])  # tf.shape: xs.shape[1] is None here
    _, h = tf.while_loop(lambda t, h: t < tf.shape(xs)[0],  # no Python loop over an unknown length
                         lambda t, h: (t + 1, tf.tanh(xs[t] @ W + h @ U)),
                         (0, h))
    return [xs, W, U], h


def naive():
    # A placeholder's shape is fixed when the graph is built: the length of the first batch.
    xs = tf.compat.v1.placeholder(tf.float32, [16, 4, 8], name="xs")
    W = tf.compat.v1.placeholder(tf.float32, [8, 16], name="W")
    U = tf.compat.v1.placeholder(tf.float32, [16, 16], name="U")
    h = tf.zeros([xs.shape[1], U.shape[0]])
    for x in tf.unstack(xs):  # a graph tensor is not iterable; unstack needs the static length
        h = tf.tanh(x @ W + h @ U)
    return [xs, W, U], h
