"""dynamic-architecture under tf.function: recursion (naive), one trace per tree shape, and a
linearised loop over nodes that one trace serves for every tree."""
import tensorflow as tf

IDX = tf.TensorSpec([None], tf.int32)
ROWS = tf.TensorSpec([None, 1, None], tf.float32)
MAT = tf.TensorSpec([None, None], tf.float32)
VEC = tf.TensorSpec([None], tf.float32)


@tf.function(input_signature=[IDX, IDX, ROWS, MAT, MAT, MAT, VEC])  # one trace for every tree
def forward(left, right, feats, W_leaf, W_l, W_r, b):
    n = tf.shape(left)[0]
    hs = tf.TensorArray(tf.float32, size=n, element_shape=[1, None])  # node states by index

    def step(i, hs):  # children precede parents, so their states are already written
        h = tf.cond(left[i] < 0,
                    lambda: tf.tanh(feats[i] @ W_leaf),
                    lambda: tf.tanh(hs.read(left[i]) @ W_l + hs.read(right[i]) @ W_r + b))
        return i + 1, hs.write(i, h)
    _, hs = tf.while_loop(lambda i, hs: i < n, step, (0, hs))
    return hs.read(n - 1)


def per_shape(left, right, feats, W_leaf, W_l, W_r, b):
    # Python tuples are part of the trace key: one trace per distinct tree structure.
    return _per_shape(tuple(left.numpy().tolist()), tuple(right.numpy().tolist()),
                      feats, W_leaf, W_l, W_r, b)


@tf.function
def _per_shape(left, right, feats, W_leaf, W_l, W_r, b):
    def node(i):
        if left[i] < 0:  # Python ints: an ordinary `if`, unrolled at trace time
            return tf.tanh(feats[i] @ W_leaf)
        return tf.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)


@tf.function
def naive(left, right, feats, W_leaf, W_l, W_r, b):
    def node(i):
        if left[i] < 0:  # BUG: a tensor: AutoGraph makes it tf.cond, tracing both branches
            return tf.tanh(feats[i] @ W_leaf)
        return tf.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)
