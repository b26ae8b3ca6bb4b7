"""numpy-bridge in TF1 graph mode: the model with NumPy inside (naive), and TF ops only.
A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import numpy as np
import tensorflow as tf

_graph = tf.Graph()  # the conversions outside the model: constants in a graph of their own
_sess = tf.compat.v1.Session(graph=_graph)


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def from_numpy(a):
    with _graph.as_default():
        return tf.constant(a)  # the array's bytes go into the graph definition


def to_numpy(t):
    return _sess.run(t)


def address(t):
    return None  # a graph tensor has no buffer until a Session runs it


def _placeholders():
    return (tf.compat.v1.placeholder(tf.float32, [None, 6], name="x"),
            tf.compat.v1.placeholder(tf.float32, [6, 5], name="W"))


def forward():
    x, W = feeds = _placeholders()
    h = x @ W
    scale = tf.reduce_max(tf.abs(h))  # a graph op: computed on every Session.run
    return feeds, h / scale


def naive():
    x, W = feeds = _placeholders()
    h = x @ W
    scale = np.abs(h.numpy()).max()  # BUG: a graph tensor has no value while it is built
    return feeds, h / float(scale)
