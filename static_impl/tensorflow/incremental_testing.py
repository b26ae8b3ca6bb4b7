"""incremental-testing under tf.function: a 3-layer MLP and the ways a developer looks inside it."""
import tensorflow as tf


@tf.function
def dense(x, w):  # one layer, a graph of its own: callable alone or inside the model
    return tf.nn.relu(x @ w)


@tf.function
def forward(x, w1, w2, w3):
    h1 = dense(x, w1)
    h2 = dense(h1, w2)
    return h2 @ w3


@tf.function
def with_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    print("h1:", h1)  # Python print: runs while tracing, on a symbolic tensor
    h2 = dense(h1, w2)
    return h2 @ w3


@tf.function
def with_framework_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    tf.print("h1:", h1)  # a print op in the graph: runs on every call
    h2 = dense(h1, w2)
    return h2 @ w3


def layer_alone(x, w1, w2, w3):  # no tf.function here: the layers are called one by one
    h1 = dense(x, w1)
    print("h1:", h1.numpy())  # between graphs, h1 is an ordinary eager tensor
    h2 = dense(h1, w2)
    return h2 @ w3


@tf.function
def with_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])  # static shapes are known while tracing
    assert tf.reduce_all(h1 >= 0)  # the value is not: a symbolic tensor has no truth value
    h2 = dense(h1, w2)
    return h2 @ w3


@tf.function
def with_framework_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])
    tf.debugging.assert_non_negative(h1)  # an assert op in the graph: checks every call
    h2 = dense(h1, w2)
    return h2 @ w3


@tf.function
def with_numpy(x, w1, w2, w3):
    h1 = dense(x, w1)
    h1_value = h1.numpy()  # what a debugger reads; a symbolic tensor has no value yet
    print("h1:", h1_value)
    h2 = dense(h1, w2)
    return h2 @ w3
