"""debug-bad-op under tf.function: a fixed lookup-then-project, and two planted bugs."""
import tensorflow as tf

UNK = 0  # the embedding row that stands for out-of-vocabulary tokens


@tf.function
def forward(table, w, ids):
    ids = tf.where(ids < tf.shape(table)[0], ids, UNK)  # out-of-vocabulary ids -> UNK
    e = tf.gather(table, ids)
    return tf.matmul(e, w)


@tf.function
def shape_bug(table, w, ids):
    ids = tf.where(ids < tf.shape(table)[0], ids, UNK)
    e = tf.gather(table, ids)
    return tf.matmul(e, tf.transpose(w))  # BUG: w is already (dim, hidden); w.T has the wrong inner dim


@tf.function
def value_bug(table, w, ids):
    e = tf.gather(table, ids)  # BUG: no vocabulary check; an id >= vocab size reads past the table
    return tf.matmul(e, w)


# TF's tool for run-time checks: check_numerics on what the same unchecked lookup read.
@tf.function
def value_bug_checked(table, w, ids):
    e = tf.gather(table, ids)  # BUG: the same lookup, no vocabulary check
    e = tf.debugging.check_numerics(e, "rows read by the lookup")
    return tf.matmul(e, w)
