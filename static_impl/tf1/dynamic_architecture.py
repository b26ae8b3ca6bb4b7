"""dynamic-architecture in TF1 graph mode: recursion (naive), one graph per tree shape, and a
linearised loop over nodes that one graph serves for every tree.

A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session;
a builder's parameters are static Python data: one graph per distinct value."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _placeholders(n=None):  # feats: (nodes, 1, D_IN); the weights' shapes are fixed
    return [tf.compat.v1.placeholder(dtype, shape, name=name) for name, dtype, shape in
            (("left", tf.int32, [n]), ("right", tf.int32, [n]), ("feats", tf.float32, [n, 1, 8]),
             ("W_leaf", tf.float32, [8, 16]), ("W_l", tf.float32, [16, 16]),
             ("W_r", tf.float32, [16, 16]), ("b", tf.float32, [16]))]


def forward():  # one graph for every tree
    left, right, feats, W_leaf, W_l, W_r, b = feeds = _placeholders()
    n = tf.shape(left)[0]
    hs = tf.TensorArray(tf.float32, size=n, element_shape=[1, 16])  # node states by index

    def step(i, hs):  # children precede parents, so their states are already written
        h = tf.cond(left[i] < 0,
                    lambda: tf.tanh(feats[i] @ W_leaf),
                    lambda: tf.tanh(hs.read(left[i]) @ W_l + hs.read(right[i]) @ W_r + b))
        return i + 1, hs.write(i, h)
    _, hs = tf.while_loop(lambda i, hs: i < n, step, (0, hs))
    return feeds, hs.read(n - 1)


def per_shape(left, right):
    # Python tuples, baked into the graph: one graph per distinct tree structure.
    feats, W_leaf, W_l, W_r, b = feeds = _placeholders(len(left))[2:]  # left, right: not fed

    def node(i):
        if left[i] < 0:  # Python ints: an ordinary `if`, unrolled while building
            return tf.tanh(feats[i] @ W_leaf)
        return tf.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return feeds, node(len(left) - 1)


def naive():
    left, right, feats, W_leaf, W_l, W_r, b = feeds = _placeholders()

    def node(i):
        if left[i] < 0:  # BUG: a symbolic tensor has no truth value, and no AutoGraph converts it
            return tf.tanh(feats[i] @ W_leaf)
        return tf.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return feeds, node(tf.shape(left)[0] - 1)  # len() needs a static length
