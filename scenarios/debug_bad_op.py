"""debug-bad-op: where does an error point when the code has a bug?"""
import re
from collections import Counter

import numpy as np

from scenarios._readings import at, index, on_call, outcome

NAME = "debug-bad-op"
ORDER = 3
TITLE = "A shape bug and an out-of-vocabulary id"
CLAIM = "Errors point into the framework instead of your code."
LESSON = (
    "An embedding lookup followed by a projection, with two planted bugs marked `# BUG`: "
    "shape_bug multiplies by w.T (wrong inner dimension) and fails on call 1; value_bug uses "
    "token ids without the out-of-vocabulary check, so only call 3 (an id >= vocab size) goes "
    "wrong. Look at where each traceback ends and whether its message names your line, and "
    "at the framework that raises nothing at all. value_bug_checked wraps the value bug in each "
    "framework's own run-time check (check_numerics, checkify, detect_anomaly): does it report it?"
)
RTOL, ATOL = 1e-5, 1e-5
STEADY_STATE = False  # time the working version only: the lesson is about errors

VOCAB, DIM, HIDDEN, BATCH, UNK = 10, 4, 3, 6, 0
OOV_ID = VOCAB + 2  # the bad token id planted in call 3

# The working variant runs first: on a GPU a failed bounds check can poison the device context.
VARIANTS = {
    "tf1-graph": {"static": "forward", "shape_bug": "shape_bug", "value_bug": "value_bug",
                  "value_bug_checked": "value_bug_checked"},
    "tf-function": {"static": "forward", "shape_bug": "shape_bug", "value_bug": "value_bug",
                   "value_bug_checked": "value_bug_checked"},
    "jax-jit": {"static": "forward", "shape_bug": "shape_bug", "value_bug": "value_bug",
            "value_bug_checked": "value_bug_checked"},
    "torch-eager": {"eager": "forward", "shape_bug": "shape_bug", "value_bug": "value_bug",
              "value_bug_checked": "value_bug_checked"},
}
# --modes all: the other mode is each static framework's own debugging advice (run eagerly).
VARIANTS.update({
    "tf-eager": {"eager": "forward", "shape_bug_eager": "shape_bug", "value_bug_eager": "value_bug"},
    "jax-eager": {"eager": "forward", "shape_bug_eager": "shape_bug", "value_bug_eager": "value_bug"},
    "torch-compile": {"compiled": ("forward", "compile"), "shape_bug_compiled": ("shape_bug", "compile"),
                      "value_bug_compiled": ("value_bug", "compile")},
    # torch.export and torch.jit.trace: the eager functions as they are.
    **{system: {"static": ("forward", working), "shape_bug": ("shape_bug", how),
                "value_bug": ("value_bug", how), "value_bug_checked": ("value_bug_checked", how)}
       for system, how, working in (("torch-export", "export", "export-dynamic"),
                                    ("torch-jit", "trace", "trace"))},
})
EXTRAS = {"tf1-graph": ["run"], "torch-export": ["DYNAMIC_SHAPES"]}  # TF1's Session.run helper; export's shapes
# Each framework's own run-time check around the value bug, and how its report is recognised.
TOOLS = {"tf1-graph": ("tf.debugging.check_numerics", "Tensor had"),
         "tf-function": ("tf.debugging.check_numerics", "Tensor had"),
         "jax-jit": ("checkify (index_checks)", "out-of-bounds"),
         "torch-eager": ("torch.autograd.detect_anomaly", "returned nan")}


def _raised(error_type, call, at_bug, message_names_bug):
    return {"status": "error", "error_type": error_type, "failed_call": call,
            "points_to_bug": at_bug, "message_points_to_bug": message_names_bug}


# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); `lab verify` reports drift.
# failed_call is 0-based: the shape bug fails on call 1, the value bug on call 3.
EXPECTED = {
    # TF1: the shape bug fails while building the graph, at the BUG line; the value bug fails in
    # Session.run, whose message names the line that built the op ("defined at").
    ("tf1-graph", "shape_bug"): _raised("ValueError", 0, True, False),
    ("tf1-graph", "value_bug"): _raised("InvalidArgumentError", 2, False, True),
    ("tf1-graph", "value_bug_checked"): _raised("InvalidArgumentError", 2, False, True),
    ("tf-function", "shape_bug"): _raised("ValueError", 0, False, True),  # AutoGraph frame + message
    ("tf-function", "value_bug"): _raised("InvalidArgumentError", 2, False, True),  # "defined at"
    ("jax-jit", "shape_bug"): _raised("TypeError", 0, True, False),
    ("jax-jit", "value_bug"): {"status": "wrong", "failed_call": 2},  # out-of-bounds gathers clamp
    ("jax-jit", "value_bug_checked"): _raised("JaxRuntimeError", 2, False, False),  # ends at err.throw()
    # On CPU the lookup itself raises before TF's or torch's check can look at anything.
    ("tf-function", "value_bug_checked"): _raised("InvalidArgumentError", 2, False, True),
    ("torch-eager", "value_bug_checked"): _raised("IndexError", 2, True, False),
    ("torch-eager", "shape_bug"): _raised("RuntimeError", 0, True, False),
    ("torch-eager", "value_bug"): _raised("IndexError", 2, True, False),
    # --modes all
    ("tf-eager", "shape_bug_eager"): _raised("InvalidArgumentError", 0, True, False),
    ("tf-eager", "value_bug_eager"): _raised("InvalidArgumentError", 2, True, False),
    ("jax-eager", "shape_bug_eager"): _raised("TypeError", 0, True, False),
    ("jax-eager", "value_bug_eager"): {"status": "wrong", "failed_call": 2},  # clamping is semantics
    ("torch-compile", "shape_bug_compiled"): _raised("TorchRuntimeError", 0, False, True),
    # aot_eager (the lab's default torch.compile backend) runs ATen's own indexing; Inductor's
    # generated check raises RuntimeError instead (LAB_TORCH_COMPILE_BACKEND=inductor).
    ("torch-compile", "value_bug_compiled"): _raised("IndexError", 2, False, False),
    # torch.export fails on the shape bug while exporting, at the BUG line; jit.trace while tracing.
    ("torch-export", "shape_bug"): _raised("RuntimeError", 0, True, False),
    ("torch-export", "value_bug"): _raised("IndexError", 2, False, False),
    ("torch-export", "value_bug_checked"): _raised("IndexError", 2, False, False),
    ("torch-jit", "shape_bug"): _raised("RuntimeError", 0, True, False),
    ("torch-jit", "value_bug"): _raised("RuntimeError", 2, False, False),
    ("torch-jit", "value_bug_checked"): _raised("RuntimeError", 2, False, False),
    # torch.jit.script compiles the source before any call: it refuses the module-level UNK
    # ("python value of type 'int' cannot be used as a value") and the checked version's keyword
    # arguments; value_bug compiles, and its error only names the BUG line in its message.
    ("torch-jit-script", "static"): {"status": "error", "error_type": "RuntimeError", "failed_call": None},
    ("torch-jit-script", "shape_bug"): {"status": "error", "error_type": "RuntimeError", "failed_call": None},
    ("torch-jit-script", "value_bug"): _raised("RuntimeError", 2, False, True),
    ("torch-jit-script", "value_bug_checked"): {"status": "error", "error_type": "NotSupportedError",
                                                "failed_call": None},
}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(table, w, ids) three times: the same weights, valid ids in calls 1-2, one OOV id in 3."""
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(VOCAB, DIM)).astype(np.float32)
    w = rng.normal(size=(DIM, HIDDEN)).astype(np.float32)
    out = []
    for index in range(3):
        ids = rng.integers(1, VOCAB - 1, size=BATCH).astype(np.int32)  # never UNK nor the last row
        if index == 2:
            ids[BATCH // 2] = OOV_ID
        out.append((table, w, ids))
    return out


def reference(table: np.ndarray, w: np.ndarray, ids: np.ndarray):
    """What the code should do: out-of-vocabulary ids read the UNK row."""
    ids = np.where(ids < table.shape[0], ids, UNK)
    return table[ids] @ w


def describe_calls(inputs) -> dict:
    """How many out-of-vocabulary ids each call holds."""
    return {"vocab": VOCAB, "oov_per_call": [int((ids >= VOCAB).sum()) for _, _, ids in inputs]}


def annotate(run: dict) -> dict:
    """The anatomy facts EXPECTED speaks of, lifted to the run's top level (flat data)."""
    error = run.get("error") or {}
    failed = error.get("call_index", (run.get("wrong") or {}).get("call_index"))
    return {"failed_call": failed, "points_to_bug": error.get("points_to_bug", False),
            "message_points_to_bug": error.get("message_points_to_bug", False)}


# What each tool checks, from its documentation: the tool sentences say this, not more.
CHECKS = {"tf.debugging.check_numerics": "checks a tensor's values for NaN and Inf, not indices",
          "checkify (index_checks)": "checks every indexing operation's indices against the bounds",
          "torch.autograd.detect_anomaly": "checks for NaN produced in the backward pass, not indices"}
# A message that says an index was out of bounds (TF: "indices[3] = 12 is not in [0, 10)").
INDEX_ERROR = re.compile(r"out[- ]of[- ](?:bounds|range)|is not in \[", re.IGNORECASE)
LOOKUP = re.compile(r"\[ids\]|gather\(")  # the code of the table lookup, in every framework


def _sources(doc: dict) -> dict[str, list[str]]:
    """Each implementation file the run shows, as its lines (from the run's code view)."""
    return {c["file"]: c["source"].splitlines() for c in (doc.get("code") or {}).values()
            if c and c.get("file") and c.get("source")}


def _source_line(sources: dict, file: str, line) -> str:
    lines = sources.get(file) or []
    return lines[line - 1] if isinstance(line, int) and 0 < line <= len(lines) else ""


def _bug_site(e: dict, sources: dict) -> tuple[dict, str] | None:
    """The `# BUG` line an error cites, and how: its traceback's innermost user line, else a line
    its message names. None when it cites no BUG line."""
    if e.get("points_to_bug") and e.get("innermost_user"):
        return e["innermost_user"], "traceback"
    return next(((loc, "message") for loc in e.get("message_locations") or []
                 if "# BUG" in _source_line(sources, loc["file"], loc["line"])), None)


def _below(e: dict) -> str:
    """The frames below the innermost user line, by origin: '3 framework frames'."""
    frames = e.get("frames") or []
    last_user = max((i for i, f in enumerate(frames) if f["origin"] == "user"), default=None)
    counts = Counter(f["origin"] for f in frames[last_user + 1:]) if last_user is not None else {}  # frames' order
    n = sum(counts.values())
    return " and ".join(f"{v} {k}" for k, v in counts.items()) + f" frame{'' if n == 1 else 's'}" if n else ""


def _where(run: dict, sources: dict) -> str:
    """Where one run's failure shows, in words, from its anatomy."""
    s = outcome(run, run["mode_name"], lambda r, who: f"{who} raised nothing and matched the reference on every call")
    e = run.get("error")
    if run["status"] != "error" or not e:
        return s
    user, frames, site = e.get("innermost_user"), e.get("frames") or [], _bug_site(e, sources)
    if run["mode"] == "static" and run.get("compiles") == 0:
        s += " before its first trace or compile finished (its counter read 0)"
    if site and site[1] == "traceback":
        below = _below(e)
        s += (f"; its traceback reaches your BUG line ({at(user)})"
              + (f" with {below} below it" if below else " as its last frame"))
    elif user:
        s += (f"; the innermost line of yours in its traceback is {at(user)} (`{_code(user)}`), "
              f"{e['frames_before_user']} frames from the end, not the BUG line")
    else:
        s += f"; none of its {len(frames)} frames is yours" + (
            f" (it ends in {frames[-1]['origin']} code, {frames[-1]['file'].rsplit('/', 1)[-1]}:{frames[-1]['function']})"
            if frames else "")
    return s + (f", but its message names the BUG line ({at(site[0])})" if site and site[1] == "message" else "")


def _code(frame: dict) -> str:
    return frame["code"].split("#")[0].strip()


def verdicts(doc: dict) -> list[str]:
    """Where each bug shows in each framework; for JAX's silent one, what the wrong numbers are;
    what each framework's own check reported. Every sentence rests on the run's anatomy."""
    runs = index(doc, lambda r: "failed_call" in r)
    sources = _sources(doc)
    inputs = calls(doc.get("seed", 0))
    out = []
    for bug, what in (("shape_bug", "The shape bug (w.T)"), ("value_bug", "The out-of-vocabulary id")):
        out.extend(f"{what}: {_where(r, sources)}." for (_, label), r in runs.items()
                   if label.startswith(bug) and label != f"{bug}_checked")
    jax_run = runs.get(("jax-jit", "value_bug"))
    if jax_run and jax_run["status"] == "wrong" and jax_run.get("failed_call") is not None \
            and len(jax_run.get("call_errors") or []) > jax_run["failed_call"]:
        bad = jax_run["failed_call"]
        table, w, ids = inputs[bad]
        clamped = float(np.abs(table[np.clip(ids, 0, VOCAB - 1)] @ w - reference(table, w, ids)).max())
        got = jax_run["call_errors"][bad]
        same = abs(got - clamped) <= ATOL + RTOL * clamped
        out.append(f"{jax_run['mode_name']}'s error on call {bad + 1} ({got:.4g}) "
                   + (f"equals the error of reading row {VOCAB - 1} for id {int(ids.max())} ({clamped:.4g}): "
                      "the out-of-range gather was clamped to the last row, silently." if same else
                      f"differs from the error of reading row {VOCAB - 1} ({clamped:.4g}): not a clamp."))
    oob_call = next((i for i, (_, _, ids) in enumerate(inputs) if ids.max() >= VOCAB), None)
    return out + [_tool_sentence(tool, marker, runs[(system, "value_bug_checked")], oob_call, sources)
                  for system, (tool, marker) in TOOLS.items() if (system, "value_bug_checked") in runs and oob_call is not None]


def _gist(message: str) -> str:
    """The line that says what went wrong (TF wraps it in a stack of where ops were defined)."""
    skip = ("File ", "Detected at", "Graph execution error", "[[")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return next((line for line in lines if not line.startswith(skip)), lines[0] if lines else "")


def _tool_sentence(tool: str, marker: str, run: dict, oob_call: int, sources: dict) -> str:
    """What the framework's own check did with the bad id: reported it (its marker in the message,
    on the bad id's call), or something else raised first, and then only what the anatomy shows.
    Each sentence starts with what the tool checks, so none implies it looks for what it doesn't."""
    head, e = f"{tool} {CHECKS[tool]}" if CHECKS.get(tool) else tool, run.get("error")
    if not e and run["status"] in ("ok", "wrong"):
        err = run.get("max_abs_err")
        return (f"{head}; it raised nothing: value_bug_checked "
                + ("matched the reference on every call." if run["status"] == "ok" else
                   f"returned a wrong result on call {run['failed_call'] + 1}"
                   + (f" (max abs err {err:.3g})." if err is not None else ".")))
    if not e:
        return f"{head}; value_bug_checked did not run to an outcome (status {run['status']})."
    gist, user, site = _gist(e["message"]), e.get("innermost_user"), _bug_site(e, sources)
    when = on_call(e.get("call_index"), " before any call finished").lstrip()
    reported = marker.lower() in e["message"].lower()
    if reported and e.get("call_index") != oob_call:
        return f"{head}; it reported {e['type']} {when}, not on the bad id's call {oob_call + 1} (\"{gist[:120]}\")."
    if reported:
        return (f"{head}, and it reported the bad id: value_bug_checked raised {e['type']} {when}, the bad id's call "
                f"(\"{gist}\")" + (f"; the innermost line of yours in its traceback is `{_code(user)}` ({at(user)}), "
                                    f"{e['frames_before_user']} frames from the end, "
                                    f"{'' if e.get('points_to_bug') else 'not '}the BUG line" if user else "") + ".")
    if INDEX_ERROR.search(e["message"]) and site and LOOKUP.search(_source_line(sources, site[0]["file"], site[0]["line"])):
        how = "the innermost line of yours in its traceback is" if site[1] == "traceback" else "its message names"
        return (f"{head}; its report is not in the message: the unchecked lookup itself raised {e['type']} {when} "
                f"(\"{gist[:120]}\"), and {how} the lookup's BUG line ({at(site[0])}).")
    return f"{head}; its report is not in the message: value_bug_checked raised {e['type']} {when} (\"{gist[:120]}\")."


def strategy(st, hnp):
    """`lab verify`'s inputs for the fixed `forward`: any batch of 1-16 ids, out-of-vocabulary
    ones included (they must read the UNK row), tables with zeros and large magnitudes."""
    elements = st.floats(-100, 100, width=32, allow_nan=False, allow_infinity=False)
    return st.tuples(
        hnp.arrays(np.float32, (VOCAB, DIM), elements=elements),
        hnp.arrays(np.float32, (DIM, HIDDEN), elements=elements),
        hnp.arrays(np.int32, st.integers(1, 16), elements=st.integers(0, 2 * VOCAB)))


# --- lab claims ------------------------------------------------------------------------------
# Where each planted bug's report points: at your BUG line (the claim does not hold), only in
# the message, or nowhere (it holds). The *_checked variants test the tools, not the claim.
# The cause the claim is about (lab/causes.py): the planted bug's own error, raised by a call,
# whose traceback does not reach the BUG line. An error before any call (the tool refused the
# code) is another cause; a bug that raised nothing is silent: neither points anywhere.
CAUSES = {
    "report-elsewhere": {"words": "the planted bug's error ends in framework or generated code, not at the BUG line",
                         "called": True, "points_to_bug": False},
}
CLAIM_RULE = {"kind": "error-location", "bugs": ["shape_bug", "value_bug"]}
