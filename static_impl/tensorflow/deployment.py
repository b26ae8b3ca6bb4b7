"""deployment under tf.function: a tf.Module with its weights, its forward traced for any batch
size (input_signature), saved as a SavedModel; in eager mode, what a user would try: a pickle."""
import pickle

import tensorflow as tf


@tf.function
def forward(x, W):
    h = tf.tanh(x @ W)
    if tf.reduce_sum(h) > 0:  # AutoGraph makes it a tf.cond: both branches in the graph
        return h @ W
    return h * 0.5


class Model(tf.Module):
    def __init__(self, W):
        super().__init__()
        self.W = tf.Variable(W)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])  # any batch size
    def serve(self, x):
        return forward(x, self.W)


def save(fn, W, x, path, how=None):
    model = Model(W)
    if tf.config.functions_run_eagerly():  # eager code: a pickle is what a user would try
        with open(path + ".pkl", "wb") as fh:
            pickle.dump(model, fh)
        return [{"format": "pickle of the tf.Module", "path": path + ".pkl"}]
    tf.saved_model.save(model, path)
    return [{"format": "SavedModel (tf.saved_model.save, input_signature)", "path": path}]


def load(path):
    import tensorflow as tf
    if path.endswith(".pkl"):
        import pickle
        with open(path, "rb") as fh:
            model = pickle.load(fh)
    else:
        model = tf.saved_model.load(path)  # keep it: its variables live as long as it does
    return lambda x: model.serve(x).numpy()


naive = forward
