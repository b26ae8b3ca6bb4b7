"""dynamic-architecture: a recursive network (TreeRNN) whose shape is each input's parse tree."""
import re

import numpy as np

from scenarios._readings import as_written, counted, index, served, totals, who

NAME = "dynamic-architecture"
ORDER = 5
TITLE = "A network whose shape is the input's tree"
CLAIM = "Some models are impossible to express as a static graph."
LESSON = (
    "A TreeRNN combines a binary tree bottom-up: leaf h = tanh(x W_leaf), inner "
    "h = tanh(h_left W_l + h_right W_r + b), so the computation graph is the tree itself and "
    "changes from input to input. PyTorch recurses over each tree. Recursing on tensor indices "
    "under a graph compiler fails (look at how); passing the structure as static Python data works "
    "but compiles once per distinct shape; one compile for every tree needs the tree linearised: "
    "nodes in topological order, a loop over them, and a buffer of node states read by index "
    "(tf.while_loop + TensorArray, or lax.scan over nodes padded to a fixed count)."
)
RTOL, ATOL = 1e-5, 1e-5

D_IN, D_H = 8, 16
N_TREES, N_SHAPES, MAX_LEAVES = 14, 5, 12

VARIANTS = {
    "tf1-graph": {"naive": "naive", "per_shape": "per_shape", "static": "forward"},
    "tf-function": {"naive": "naive", "per_shape": "per_shape", "static": "forward"},
    "jax-jit": {"naive": "naive", "per_shape": "per_shape", "static": "forward"},
    "torch-eager": {"eager": "forward"},
}
VARIANTS.update({
    "torch-export": {"naive": ("naive", "export"), "static": ("forward", "export-dynamic")},
    "torch-jit": {"naive": ("naive", "trace"), "recursive_scripted": ("recursive", "script"),
                  "scripted": ("scriptable", "script")},
})
# "compiles" is a number, or the name of a count that describe_calls() puts in every run
# ("distinct_shapes"): the expectation follows this seed's inputs instead of one run's number.
# The static variants' single compile is asserted by tests/test_dynamic_architecture.py.
EXPECTED = {
    # TF1 has no AutoGraph: the tensor `if` raises while the graph is built.
    ("tf1-graph", "naive"): {"status": "error", "error_type": "OperatorNotAllowedInGraphError"},
    ("tf1-graph", "per_shape"): {"status": "ok", "compiles": "distinct_shapes"},
    # PyTorch's static paths: a graph break per `if` (an error with fullgraph=True), no guard on
    # a data-dependent branch for export, one recorded path for jit.trace (wrong on another tree,
    # then an index out of range), no nested functions for jit.script.
    ("torch-compile", "fullgraph"): {"status": "error", "error_type": "Unsupported"},
    ("torch-export", "naive"): {"status": "error", "error_type": "GuardOnDataDependentSymNode"},
    ("torch-jit", "naive"): {"status": "error", "error_type": "RuntimeError"},
    # jit.script of the recursion (the eager closure lifted to module level, which it needs):
    # "function '_node' is called recursively. Recursive calls are not supported".
    ("torch-jit", "recursive_scripted"): {"status": "error", "error_type": "RuntimeError"},
    # AutoGraph turns `if left[i] < 0` into tf.cond, which traces both branches: the recursion
    # has no base case at trace time and Python's stack overflows.
    ("tf-function", "naive"): {"status": "error", "error_type": "StagingError"},
    ("jax-jit", "naive"): {"status": "error", "error_type": "TracerBoolConversionError"},
    ("tf-function", "per_shape"): {"status": "ok", "compiles": "distinct_shapes"},
    ("jax-jit", "per_shape"): {"status": "ok", "compiles": "distinct_shapes"},
}
# Framework-only names, exempt from name parity: input_signature specs, the padding capacity.
# per_shape (the structure as static data: one program per tree shape) is not a variant of
# PyTorch's static paths, whose tools specialise on shapes by themselves.
EXTRAS = {"tf-function": ["IDX", "ROWS", "MAT", "VEC", "per_shape"], "jax-jit": ["MAX_NODES", "per_shape"],
          "tf1-graph": ["run", "per_shape"], "torch-eager": ["per_shape"],
          "torch-export": ["NODES", "DYNAMIC_SHAPES", "scriptable", "recursive"]}


def _random_shape(rng, leaves: int):
    """Nested pairs; None is a leaf."""
    if leaves == 1:
        return None
    k = int(rng.integers(1, leaves))
    return (_random_shape(rng, k), _random_shape(rng, leaves - k))


def _mirror(shape):
    return None if shape is None else (_mirror(shape[1]), _mirror(shape[0]))


def _flatten(shape) -> tuple[np.ndarray, np.ndarray]:
    """Post-order node arrays: children come before parents, the root is last."""
    left, right = [], []

    def visit(s):
        kids = (visit(s[0]), visit(s[1])) if s is not None else (-1, -1)
        left.append(kids[0])
        right.append(kids[1])
        return len(left) - 1
    visit(shape)
    return np.array(left, np.int32), np.array(right, np.int32)


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(left, right, feats [n, 1, D_IN], W_leaf, W_l, W_r, b) per tree.

    A few distinct shapes, each used at least once and some several times, with fresh leaf
    features every time. feats has a row per node so that `feats[i] @ W` is a matmul in all
    three frameworks (tf.matmul needs rank 2); inner nodes' rows are zero and unused. The weights
    are inputs, drawn once, so every framework and the reference use the same numbers."""
    rng = np.random.default_rng(seed)
    shapes: list = []
    while len(shapes) < N_SHAPES - 1:
        s = _random_shape(rng, int(rng.integers(2, MAX_LEAVES + 1)))
        if s not in shapes:
            shapes.append(s)
    # A mirror image: the same node count and tensor shapes, yet a different program.
    shapes.append(next(_mirror(s) for s in shapes if _mirror(s) not in shapes))
    picks = np.concatenate([np.arange(N_SHAPES), rng.integers(0, N_SHAPES, N_TREES - N_SHAPES)])
    rng.shuffle(picks)
    W_leaf = (rng.normal(size=(D_IN, D_H)) / np.sqrt(D_IN)).astype(np.float32)
    W_l = (rng.normal(size=(D_H, D_H)) / np.sqrt(2 * D_H)).astype(np.float32)
    W_r = (rng.normal(size=(D_H, D_H)) / np.sqrt(2 * D_H)).astype(np.float32)
    b = (rng.normal(size=D_H) * 0.1).astype(np.float32)
    out = []
    for k in picks:
        left, right = _flatten(shapes[k])
        feats = rng.normal(size=(len(left), 1, D_IN)).astype(np.float32)
        feats[left >= 0] = 0.0
        out.append((left, right, feats, W_leaf, W_l, W_r, b))
    return out


def reference(left, right, feats, W_leaf, W_l, W_r, b) -> np.ndarray:
    def node(i):
        if left[i] < 0:
            return np.tanh(feats[i] @ W_leaf)
        return np.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)


def _depth(left, right, i=None) -> int:
    i = len(left) - 1 if i is None else i
    return 0 if left[i] < 0 else 1 + max(_depth(left, right, left[i]), _depth(left, right, right[i]))


def describe_calls(inputs) -> dict:
    keys = [(tuple(left.tolist()), tuple(right.tolist())) for left, right, *_ in inputs]
    ids = {k: n for n, k in enumerate(dict.fromkeys(keys))}  # in order of first appearance
    return {"tree_sizes": [len(k[0]) for k in keys],
            "tree_depths": [_depth(left, right) for left, right, *_ in inputs],
            "shape_ids": [ids[k] for k in keys], "distinct_shapes": len(ids),
            "distinct_sizes": len({len(k[0]) for k in keys})}


def verdicts(doc: dict) -> list[str]:
    """Compiles against distinct tree shapes, what the naive recursion did, and batch times."""
    trees, shapes = len(doc["tree_sizes"]), doc["distinct_shapes"]
    runs = index(doc, lambda r: served(r, trees))
    out = [f"{per['mode_name']} with the structure as static Python data: {counted(per['compiles'], per['counter'])} "
           f"for {shapes} distinct shapes ({doc['distinct_sizes']} distinct node counts) over {trees} trees; "
           f"linearised into one loop over nodes: {counted(static['compiles'], static['counter'])} for all of them."
           for (system, label), per in runs.items()
           if label == "per_shape" and (static := runs.get((system, "static")))]
    for naive in doc["runs"]:
        e = naive.get("error") or {}
        if as_written(naive) and naive["status"] == "error" and naive.get("compiles") == 0 \
                and "RecursionError" in (e.get("type", "") + e.get("message", "")):
            # The explanation only where the message shows it: recursion inside a cond branch.
            branch = re.search(r"in (if_body|else_body)\b", e["message"])
            out.append(f"{who(naive)} never finished tracing "
                       + ("(RecursionError)" if e["type"] == "RecursionError" else
                          f"({e['type']} wrapping RecursionError)")
                       + (f": the recursion ran inside AutoGraph's generated {branch.group(1)}, so the "
                          "tensor `if` became a graph conditional that traces both branches, and the "
                          "recursion had no base case at trace time." if branch else "."))
    return out + totals(doc, f"{trees} trees (sizes {min(doc['tree_sizes'])}-{max(doc['tree_sizes'])} nodes)")


def strategy(st, hnp):
    """`lab verify`'s inputs: any tree from a single leaf up to MAX_NODES nodes (16 leaves), leaf
    features with zeros and large magnitudes, this scenario's weights."""
    W_leaf, W_l, W_r, b = calls(0)[0][3:]
    elements = st.floats(-50, 50, width=32, allow_nan=False, allow_infinity=False)

    def tree(args):
        seed, leaves = args
        left, right = _flatten(_random_shape(np.random.default_rng(seed), leaves))
        return st.just((left, right)) if leaves else None

    def with_feats(lr):
        left, right = lr
        return hnp.arrays(np.float32, (len(left), 1, D_IN), elements=elements).map(
            lambda f: (left, right, np.where((left >= 0)[:, None, None], 0, f).astype(np.float32),
                       W_leaf, W_l, W_r, b))
    return st.tuples(st.integers(0, 2**16), st.integers(1, 16)).flatmap(tree).flatmap(with_feats)


# --- lab claims ------------------------------------------------------------------------------
# The causes the claim is about (lab/causes.py), read from each run's data.
CAUSES = {
    "truth-value": {"words": "the structure's data was asked for its truth value while tracing (a Python `if` "
                             "on a tensor)",
                    "error": "TracerBoolConversionError|ConcretizationTypeError|OperatorNotAllowedInGraphError"
                             "|GuardOnDataDependentSymNode|[Dd]ata-dependent branching"},
    # tf 2.21: AutoGraph's tf.cond traces both branches, so the recursion has no base case.
    "both-branches": {"words": "AutoGraph turned the `if` on the structure's data into tf.cond, which traced both "
                               "branches: the recursion had no base case while tracing",
                      "error": "StagingError.*(RecursionError|maximum recursion)|StagingError"},
    # torch.jit.trace 2.13 warns at each `if` it records, then replays that one tree.
    "baked-structure": {"words": "the trace recorded one tree's structure and replayed it for another",
                        "warning": "to a Python boolean"},
    "graph-break": {"words": "the graph broke at each data-dependent `if` and Python ran the recursion",
                    "signal": "graph-break"},
    "per-shape": {"words": "each new tree shape forced a new graph", "recompiled": "distinct_shapes"},
    # torch 2.13: "function '_node' is called recursively. Recursive calls are not supported".
    "no-recursion": {"words": "the tool cannot express the recursion over the tree", "error": "Recursive calls are not supported"},
}
# "Impossible": the recursion failing with no rewrite that works means the claim holds; failing
# but expressible once linearised is partly; the recursion running as written does not hold.
CLAIM_RULE = {"kind": "naive-port", "also": ["recursive_scripted"], "rewrite": "partly"}
