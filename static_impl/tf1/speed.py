"""speed in TF1 graph mode: each workload built once as a graph (tf.gradients adds the backward);
every call is a Session.run. Both workloads take the same inputs (x, y, W1, W2); the chain reads
x alone. A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a
Session."""
import tensorflow as tf

LR = 0.1


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _placeholders():  # x and y: any batch size; the weights' shapes are fixed
    return [tf.compat.v1.placeholder(tf.float32, shape, name=name) for name, shape in
            (("x", [None, 32]), ("y", [None, 1]), ("W1", [32, 32]), ("W2", [32, 1]))]


def chain():  # 8 elementwise ops: a compiler may fuse them into one loop
    x, y, W1, W2 = feeds = _placeholders()
    h = x * 1.5 + 0.5
    h = tf.tanh(h)
    h = h * h - 0.25
    h = tf.sigmoid(h) * 2.0 - 1.0
    return feeds, h


def mlp():  # one training step: forward, backward, SGD update
    x, y, W1, W2 = feeds = _placeholders()
    h = tf.tanh(x @ W1)
    loss = tf.reduce_mean((h @ W2 - y) ** 2)
    grads = tf.gradients(loss, [W1, W2])  # the backward, as ops in the graph
    return feeds, (W1 - LR * grads[0], W2 - LR * grads[1], loss)
