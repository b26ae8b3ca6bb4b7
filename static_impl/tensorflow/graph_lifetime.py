"""graph-lifetime under tf.function: a GradientTape records the forward and is spent by one
gradient."""
import tensorflow as tf

RETAIN = "persistent=True"  # how to keep the tape for a second gradient
RECORD = "tf.GradientTape"  # what records the forward for a gradient


@tf.function
def forward(x, W):
    h = x
    for _ in range(8):
        h = tf.tanh(h @ W)
    return tf.reduce_sum(h * h)


def trainable(W):
    return tf.Variable(W)  # a tape watches variables by itself


def backward_twice(fn, x, W, retain):
    W = trainable(W)
    with tf.GradientTape(persistent=retain) as tape:
        loss = fn(x, W)  # the forward, recorded on the tape
    first = tape.gradient(loss, W)
    return first, tape.gradient(loss, W)  # the same tape again


def run_forward(fn, x, W, record):
    if not record:
        return fn(x, W).numpy()
    with tf.GradientTape():
        return fn(x, W).numpy()


naive = forward
