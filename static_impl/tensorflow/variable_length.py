"""variable-length under tf.function: the eager loop as-is (naive), and a length-free signature."""
import tensorflow as tf

SEQ = tf.TensorSpec([None, None, None], tf.float32)  # [time, batch, features]: time left open
MAT = tf.TensorSpec([None, None], tf.float32)


@tf.function(input_signature=[SEQ, MAT, MAT])  # one trace whatever the length
def forward(xs, W, U):
    h = tf.zeros([tf.shape(xs)[1], tf.shape(U)[0]])  # tf.shape: xs.shape[1] is None here
    for x in xs:  # AutoGraph: a tf.while_loop over the run-time length
        h = tf.tanh(x @ W + h @ U)
    return h


@tf.function  # traces are keyed on input shapes: a new length means a new trace
def naive(xs, W, U):
    h = tf.zeros([xs.shape[1], U.shape[0]])
    for x in xs:
        h = tf.tanh(x @ W + h @ U)
    return h


# TensorFlow's own answer to retracing: after a second shape, one trace with the length relaxed
# to None serves the lengths that follow.
naive_reduced = tf.function(naive.python_function, reduce_retracing=True)
