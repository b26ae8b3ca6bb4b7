"""incremental-testing in TF1 graph mode: a 3-layer MLP and the ways a developer looks inside it.
A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _placeholders():  # x: any batch size; the weights' shapes are fixed
    return [tf.compat.v1.placeholder(tf.float32, shape, name=name) for name, shape in
            (("x", [None, 5]), ("w1", [5, 8]), ("w2", [8, 8]), ("w3", [8, 3]))]


def dense(x, w):  # one layer: adds its ops to whichever graph is being built
    return tf.nn.relu(x @ w)


def forward():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    h2 = dense(h1, w2)
    return feeds, h2 @ w3


def with_print():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    print("h1:", h1)  # Python print: runs once, while the graph is built, on a symbolic tensor
    h2 = dense(h1, w2)
    return feeds, h2 @ w3


def with_framework_print():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    with tf.control_dependencies([tf.print("h1:", h1)]):  # an op runs only if the fetch needs it
        h2 = dense(h1, w2)
    return feeds, h2 @ w3


def run_and_print_h1(sess, feeds, fetches, *values):  # between runs, h1 is a numpy array
    out, h1_value = sess.run(fetches, feed_dict=dict(zip(feeds, values)))
    print("h1:", h1_value)
    return out


def layer_alone():  # TF1's way to look inside: fetch the intermediate as well, print it after
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    h2 = dense(h1, w2)
    return feeds, (h2 @ w3, h1), run_and_print_h1


def with_assert():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])  # static shapes are known while building
    assert tf.reduce_all(h1 >= 0)  # the value is not: a symbolic tensor has no truth value
    h2 = dense(h1, w2)
    return feeds, h2 @ w3


def with_framework_assert():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])
    with tf.control_dependencies([tf.debugging.assert_non_negative(h1)]):  # or it never runs
        h2 = dense(h1, w2)
    return feeds, h2 @ w3


def with_numpy():
    x, w1, w2, w3 = feeds = _placeholders()
    h1 = dense(x, w1)
    h1_value = h1.eval()  # TF1's read: needs a Session, and none exists while the graph is built
    print("h1:", h1_value)
    h2 = dense(h1, w2)
    return feeds, h2 @ w3
