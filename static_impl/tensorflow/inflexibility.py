"""inflexibility under tf.function: the weights are tf.Variables in a dict; an edit is the next call
of the traced model, the numbers passed as tensors (forward) or as Python numbers (naive)."""
import tensorflow as tf

from scenarios.inflexibility import EPS, H, checkpoint, config, report, same

_sessions: dict = {}  # per variant: the researcher's session, its weights set once


@tf.function  # a trace per distinct structure, and per distinct value of each Python number
def _mlp(w, x, norm, act, slope, scale):
    h = x @ w["w1"] + w["b1"]
    # tf.nn.leaky_relu's alpha is an op attribute, a Python float fixed in the graph: written out,
    # the slope can be a tensor.
    h = tf.nn.relu(h) if act == "relu" else tf.where(h > 0, h, slope * h)
    if norm:  # edit (a): a layer norm between the layers
        mean, var = tf.nn.moments(h, [-1], keepdims=True)
        h = tf.nn.batch_normalization(h, mean, var, w["beta"], w["gamma"], EPS)
    return (h @ w["w2"] + w["b2"]) * scale


def _step(session, numbers, x, edit):
    norm, act, slope, scale = config(edit.numpy())
    w, rebuilt = session.setdefault("w", {}), []
    if not w:  # session start: the trained weights
        w.update({k: tf.Variable(v) for k, v in checkpoint().items()})
    if norm and "gamma" not in w:  # the new layer's parameters
        w.update(gamma=tf.Variable(tf.ones(H)), beta=tf.Variable(tf.zeros(H)))
    out = _mlp(w, x, norm, act, *numbers(slope, scale))
    if session.get("last") != [norm, act, slope, scale]:
        session["last"] = [norm, act, slope, scale]
        report(rebuilt, kept=same({k: v.numpy() for k, v in w.items()}))
    return out


def forward(x, edit):  # tensors are not part of the trace key: one trace serves every slope and scale
    return _step(_sessions.setdefault("forward", {}),
                 lambda slope, scale: (tf.constant(slope), tf.constant(scale, tf.float32)), x, edit)


def naive(x, edit):
    return _step(_sessions.setdefault("naive", {}), lambda slope, scale: (slope, scale), x, edit)
