"""deployment in TF1 graph mode: the graph, its weights as a Variable, saved from a Session as a
SavedModel; the far side loads it into a Session of its own and feeds it."""
import tensorflow as tf


def run(sess, feeds, fetches, *values):  # TF1: every call is a Session.run with a feed_dict
    return sess.run(fetches, feed_dict=dict(zip(feeds, values)))


def _model(x, W):
    h = tf.tanh(x @ W)
    return tf.cond(tf.reduce_sum(h) > 0, lambda: h @ W, lambda: h * 0.5)  # both branches in the graph


def forward():
    x = tf.compat.v1.placeholder(tf.float32, [None, None], name="x")
    W = tf.compat.v1.placeholder(tf.float32, [None, None], name="W")
    return [x, W], _model(x, W)


def save(fn, W, x, path, how=None):
    graph = tf.Graph()
    with graph.as_default():
        x_in = tf.compat.v1.placeholder(tf.float32, [None, W.shape[0]], name="x")  # any batch size
        y = _model(x_in, tf.Variable(W))
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tf.compat.v1.saved_model.simple_save(sess, path, inputs={"x": x_in}, outputs={"y": y})
    return [{"format": "TF 1.x SavedModel (simple_save from a Session)", "path": path}]


def load(path):
    import tensorflow as tf
    graph = tf.Graph()
    sess = tf.compat.v1.Session(graph=graph)
    with graph.as_default():
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
    signature = meta.signature_def["serving_default"]
    x, y = signature.inputs["x"].name, signature.outputs["y"].name
    return lambda value: sess.run(y, feed_dict={x: value})


naive = forward
