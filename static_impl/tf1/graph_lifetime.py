"""graph-lifetime in TF1 graph mode: tf.gradients adds the backward ops to the graph once; a
Session runs them as often as asked.
A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf

RETAIN = None  # nothing to retain: the gradient ops are part of the graph
RECORD = None  # nothing is recorded per call


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def forward():
    x = tf.compat.v1.placeholder(tf.float32, [None, 32], name="x")
    W = tf.compat.v1.placeholder(tf.float32, [32, 32], name="W")
    h = x
    for _ in range(8):
        h = tf.tanh(h @ W)
    return [x, W], tf.reduce_sum(h * h)


def trainable(W):
    return W


def backward_twice(fn, x, W, retain):
    graph = tf.Graph()
    with graph.as_default():
        feeds, loss = forward()
        (dW,) = tf.gradients(loss, [feeds[1]])  # the backward, as ops in the graph
    with tf.compat.v1.Session(graph=graph) as sess:
        first = run(sess, feeds, dW, x, W)
        return first, run(sess, feeds, dW, x, W)  # the gradient ops run again


def run_forward(fn, x, W, record):
    return fn(x, W)


naive = forward
