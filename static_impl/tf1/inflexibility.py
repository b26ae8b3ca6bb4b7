"""inflexibility in TF1 graph mode: the weights are tf.Variables that live in the Session. An edit
adds ops to the live graph (forward), is refused by a finalized graph as MonitoredSession leaves it
(naive), or tears the graph and Session down to build them again (rebuild)."""
import functools

import tensorflow as tf

from scenarios.inflexibility import D_IN, EPS, H, checkpoint, config, report, same


def _mlp(w, x, norm, act, slope, scale):  # adds the model's ops to the default graph
    h = x @ w["w1"] + w["b1"]
    # tf.nn.leaky_relu's alpha is an op attribute, fixed in the graph: written out, it can be fed.
    h = tf.nn.relu(h) if act == "relu" else tf.where(h > 0, h, slope * h)
    if norm:  # edit (a): a layer norm between the layers
        mean, var = tf.nn.moments(h, [-1], keepdims=True)
        h = tf.nn.batch_normalization(h, mean, var, w["beta"], w["gamma"], EPS)
    return (h @ w["w2"] + w["b2"]) * scale


def _extend(g, norm, act):  # the model for (norm, act) into the graph; returns the variables it made
    new = []
    if norm and "gamma" not in g["w"]:
        new = [tf.compat.v1.get_variable("gamma", [H], initializer=tf.compat.v1.ones_initializer()),
               tf.compat.v1.get_variable("beta", [H], initializer=tf.compat.v1.zeros_initializer())]
        g["w"].update(gamma=new[0], beta=new[1])
    g["outs"][norm, act] = _mlp(g["w"], g["x"], norm, act, g["slope"], g["scale"])
    return new


def _graph(norm, act):  # placeholders (the numbers are fed), variables at TF's random initial values
    p = tf.compat.v1.placeholder
    g = {"x": p(tf.float32, [None, D_IN]), "edit": p(tf.int32, [5]),  # the edit: read by Python, not the graph
         "slope": p(tf.float32, []), "scale": p(tf.float32, []), "outs": {},
         "w": {k: tf.compat.v1.get_variable(k, v.shape) for k, v in checkpoint().items()}}
    _extend(g, norm, act)
    g["init"] = tf.compat.v1.global_variables_initializer()
    return g


def _load(sess, w, values):  # through each variable's initializer: no new op, so a finalized graph allows it
    sess.run([w[k].initializer for k in values], {w[k].initial_value: v for k, v in values.items()})


def _step(s, finalize, rebuild, sess, feeds, fetches, x, edit):  # the run function: one step of the session
    sess = s.setdefault("sess", sess)
    with sess.graph.as_default():  # outside a graph's context TF2 runs eagerly
        norm, act, slope, scale = config(edit)
        g, rebuilt = s["g"], []
        if "last" not in s:  # session start (the adapter made the Session): the trained weights
            _load(sess, g["w"], checkpoint())
            rebuilt = ["new session", "variables initialised", "weights loaded"]
            if finalize:
                sess.graph.finalize()
        if rebuild and (norm, act) not in g["outs"]:  # tear down and build again
            saved = sess.run(g["w"])  # out of the Session first: closing it frees them
            sess.close()
            with tf.Graph().as_default() as graph:
                g = s["g"] = _graph(norm, act)
                sess = s["sess"] = tf.compat.v1.Session(graph=graph)
                sess.run(g["init"])
                s["lost"] = not same(sess.run(g["w"]))
                _load(sess, g["w"], {k: v for k, v in saved.items() if k in g["w"]})
            graph.finalize()
            rebuilt += ["graph rebuilt", "new session", "variables initialised", "weights put back by hand"]
        if (norm, act) not in g["outs"]:  # the live graph grows (a finalized one raises here)
            new = _extend(g, norm, act)
            if new:  # not global_variables_initializer(): that would reset the trained weights
                sess.run(tf.compat.v1.variables_initializer(new))
            rebuilt += ["variables initialised"] * bool(new) + ["ops added to the live graph"]
        out = sess.run(g["outs"][norm, act], {g["x"]: x, g["slope"]: slope, g["scale"]: scale})
        if s.get("last") != [norm, act, slope, scale]:
            s["last"] = [norm, act, slope, scale]
            report(rebuilt, kept=not s.pop("lost", False) and same(sess.run(g["w"])))
        return out


def _session(finalize, rebuild):
    s = {"g": _graph(False, "relu")}
    return [s["g"]["x"], s["g"]["edit"]], s["g"]["outs"][False, "relu"], functools.partial(_step, s, finalize, rebuild)


def forward():
    return _session(finalize=False, rebuild=False)


def naive():
    return _session(finalize=True, rebuild=False)


def rebuild():
    return _session(finalize=True, rebuild=True)
