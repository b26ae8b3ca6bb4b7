"""debug-bad-op in TF1 graph mode: a fixed lookup-then-project, and two planted bugs.

A variant builds a graph, returns (placeholders to feed, tensors to fetch), and runs in a Session."""
import tensorflow as tf

UNK = 0  # the embedding row that stands for out-of-vocabulary tokens


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _placeholders():  # the inputs are declared before any op: (vocab, dim), (dim, hidden), (batch,)
    return (tf.compat.v1.placeholder(tf.float32, [10, 4], name="table"),
            tf.compat.v1.placeholder(tf.float32, [4, 3], name="w"),
            tf.compat.v1.placeholder(tf.int32, [None], name="ids"))


def forward():
    table, w, ids = feeds = _placeholders()
    ids = tf.where(ids < tf.shape(table)[0], ids, UNK)  # out-of-vocabulary ids -> UNK
    e = tf.gather(table, ids)
    return feeds, tf.matmul(e, w)


def shape_bug():
    table, w, ids = feeds = _placeholders()
    ids = tf.where(ids < tf.shape(table)[0], ids, UNK)
    e = tf.gather(table, ids)
    return feeds, tf.matmul(e, tf.transpose(w))  # BUG: w is already (dim, hidden); w.T has the wrong inner dim


def value_bug():
    table, w, ids = feeds = _placeholders()
    e = tf.gather(table, ids)  # BUG: no vocabulary check; an id >= vocab size reads past the table
    return feeds, tf.matmul(e, w)


# TF's tool for run-time checks: check_numerics on what the same unchecked lookup read.
def value_bug_checked():
    table, w, ids = feeds = _placeholders()
    e = tf.gather(table, ids)  # BUG: the same lookup, no vocabulary check
    e = tf.debugging.check_numerics(e, "rows read by the lookup")
    return feeds, tf.matmul(e, w)
