"""inflexibility: a trained MLP edited mid-session (an op inserted, the activation swapped, Python
numbers changed), run again after every edit."""
import json
import re

import numpy as np

from scenarios import _cells
from scenarios._readings import fmt_s, listed, outcome, who

NAME = "inflexibility"
ORDER = 6
TITLE = "Editing a trained model mid-session"
CLAIM = "Static graphs are inflexible: inserting an op or changing a setting means tearing the graph down and rebuilding it."

BATCH, D_IN, H, D_OUT = 4, 6, 8, 3
EPS = 1e-5  # the layer norm's epsilon (torch.nn.LayerNorm's default)
ACTS = ("relu", "leaky_relu")
# (what the researcher did, its kind, the model after it: norm, activation, slope, scale). Each
# call is one step of the session: call 0 loads the trained weights, call k applies edit k.
EDITS = (
    ("start: the trained MLP", "start", (False, "relu", 0.0, 1)),
    ("insert a layer norm between the layers", "insert-op", (True, "relu", 0.0, 1)),
    ("swap relu for leaky_relu(slope=0.1)", "swap-activation", (True, "leaky_relu", 0.1, 1)),
    ("slope 0.1 -> 0.2 (Python float)", "python-float", (True, "leaky_relu", 0.2, 1)),
    ("slope 0.2 -> 0.3 (Python float)", "python-float", (True, "leaky_relu", 0.3, 1)),
    ("scale 1 -> 2 (Python int)", "python-int", (True, "leaky_relu", 0.3, 2)),
    ("scale 2 -> 3 (Python int)", "python-int", (True, "leaky_relu", 0.3, 3)),
    ("scale 3 -> 1.5 (the int becomes a float)", "int-to-float", (True, "leaky_relu", 0.3, 1.5)),
)
LESSON = (
    "A 2-layer MLP whose weights are already set, then a researcher's edits, each run at once: a "
    "layer norm inserted between the layers (two new parameters), relu swapped for leaky_relu, the "
    "slope changed twice (a Python float), an output scale twice (a Python int) and once to a "
    "float. Per edit the run reports what had to be rebuilt (graph, Session, variables, traces, "
    "compiles, failed guards), the time from the edit to its first result, and whether the weights "
    "survived without extra code. TF1 shows both sides: ops added to a live graph, a finalized "
    "graph (as MonitoredSession leaves it) that refuses them, and the teardown it forces. "
    "tf.function naive passes the numbers as Python numbers, static as tensors; jax.jit naive makes "
    "them static arguments, static traces them; torch.compile gets Python numbers."
)
RTOL, ATOL = 1e-5, 1e-5
MARKER = "lab-edit:"  # what an implementation prints, once per call that changed the session

VARIANTS = {
    "tf1-graph": {"naive": "naive", "static": "forward", "rebuild": "rebuild"},
    "torch-compile": {"compiled": ("forward", "compile")},
    # naive: the eager session put through the tool; frozen: the session stays Python and
    # freezes its model with the tool, again after each edit (the frozen programs' own way).
    "torch-export": {"naive": ("naive", "export"), "frozen": ("frozen_export", "session")},
    "torch-jit-trace": {"naive": ("naive", "trace"), "frozen": ("frozen_trace", "session")},
    "torch-jit-script": {"scripted": ("naive", "script"), "frozen": ("frozen_script", "session")},
}
EXTRAS = {"tf1-graph": ["rebuild"], "torch-export": ["frozen_export", "frozen_trace", "frozen_script"]}

# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); `lab verify` reports drift.
# call_compiles: the system's own counter on each call (start, insert, swap, slope x2, scale x2, int -> float).
EXPECTED = {
    # The Session's graph is finalized at session start, as MonitoredSession does: the first edit
    # is refused. The live graph takes every edit; rebuilding loses the weights on the 2
    # structural edits (the numbers are fed through placeholders, so they rebuild nothing).
    ("tf1-graph", "naive"): {"status": "error", "error_type": "RuntimeError", "compiles": 1},
    ("tf1-graph", "static"): {"status": "ok", "compiles": 1, "weights_lost": 0},
    ("tf1-graph", "rebuild"): {"status": "ok", "compiles": 1, "weights_lost": 2},
    # tf.function keys its traces on Python values: every edit traces, the numbers included;
    # as tensors, the numbers trace nothing.
    ("tf-function", "naive"): {"status": "ok", "call_compiles": [1, 1, 1, 1, 1, 1, 1, 1]},
    ("tf-function", "static"): {"status": "ok", "call_compiles": [1, 1, 1, 0, 0, 0, 0, 0]},
    # jax.jit traces Python numbers as abstract values (only int -> float, a new dtype,
    # compiles again), unless they are static arguments (naive): then each value compiles.
    ("jax-jit", "naive"): {"status": "ok", "call_compiles": [1, 1, 1, 1, 1, 1, 1, 1]},
    ("jax-jit", "static"): {"status": "ok", "call_compiles": [1, 1, 1, 0, 0, 0, 0, 1]},
    # Dynamo guards on each Python number: the float slope feeds leaky_relu, whose slope is a
    # constant of the op, so each new slope recompiles; the int scale recompiles once, then is
    # dynamic; the int becoming a float fails a type guard.
    ("torch-compile", "compiled"): {"status": "ok", "call_compiles": [1, 1, 1, 1, 1, 1, 0, 1]},
    # None of the three takes the eager session: torch.export cannot read the edit (a
    # data-dependent .tolist()); torch.jit.trace refuses weights that are not parameters of a
    # module or inputs; torch.jit.script cannot compile the session's Python.
    ("torch-export", "naive"): {"status": "error", "error_type": "GuardOnDataDependentSymNode", "compiles": 0},
    ("torch-jit-trace", "naive"): {"status": "error", "error_type": "RuntimeError", "compiles": 0},
    ("torch-jit-script", "scripted"): {"status": "error", "error_type": "RuntimeError"},
    # Frozen the tools' own way, every edit (and the start) re-freezes the model from the live
    # weights, which the new program keeps.
    **{(system, "frozen"): {"status": "ok", "weights_lost": 0}
       for system in ("torch-export", "torch-jit-trace", "torch-jit-script")},
}
NOT_DIFFERENTIABLE = {
    ("tf1-graph", "static"): "lab verify differentiates the graph the builder returns, in a Session "
                             "of its own: this session loads its weights and adds its edits at run "
                             "time, so that graph has neither",
}


def checkpoint() -> dict[str, np.ndarray]:
    """The trained weights, as a checkpoint file holds them: the same numbers in every framework."""
    rng = np.random.default_rng(14)
    shapes = {"w1": (D_IN, H), "b1": (H,), "w2": (H, D_OUT), "b2": (D_OUT,)}
    return {k: (rng.normal(size=s) / np.sqrt(s[0] if len(s) == 2 else 4)).astype(np.float32)
            for k, s in shapes.items()}


def encode(norm: bool, act: str, slope: float, scale: int | float) -> np.ndarray:
    """[norm, activation, slope in thousandths, scale in thousandths, whether the scale is a float]."""
    return np.array([norm, ACTS.index(act), round(slope * 1000), round(scale * 1000),
                     isinstance(scale, float)], np.int32)


def config(edit) -> tuple[bool, str, float, int | float]:
    """An edit input as the session reads it: Python values (the slope a float, the scale an int
    or a float)."""
    norm, act, slope, scale, scale_is_float = np.asarray(edit).tolist()
    return bool(norm), ACTS[act], slope / 1000, scale / 1000 if scale_is_float else scale // 1000


def same(weights: dict) -> bool:
    """Are the model's weights (as numpy, read back from where the framework keeps them) the trained ones?"""
    return all(np.array_equal(np.asarray(weights[k]), v) for k, v in checkpoint().items())


def report(rebuilt: list[str], kept: bool | None = None, guards: list[str] | None = None,
           settings: dict | None = None) -> None:
    """The one line per call that the counters cannot give: what the session rebuilt by hand,
    whether the weights survived, and (torch.compile) the guards that failed and the settings
    that decide how Dynamo treats Python numbers."""
    record = {"rebuild_kinds": rebuilt, "state_kept": kept}
    record.update({k: v for k, v in (("guards", guards), ("settings", settings)) if v is not None})
    print(MARKER, json.dumps(record), flush=True)


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, edit) per step of the session: a fresh batch each time, the edit as a small int array."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(BATCH, D_IN)).astype(np.float32), encode(*model)) for _, _, model in EDITS]


def reference(x: np.ndarray, edit: np.ndarray) -> np.ndarray:
    norm, act, slope, scale = config(edit)
    w = {k: v.astype(np.float64) for k, v in checkpoint().items()}
    h = x @ w["w1"] + w["b1"]
    h = np.maximum(h, 0) if act == "relu" else np.where(h > 0, h, h * slope)
    if norm:  # the new layer's scale and shift start at 1 and 0
        h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + EPS)
    return (h @ w["w2"] + w["b2"]) * scale


def describe_calls(inputs) -> dict:
    return {"edit_names": [name for name, _, _ in EDITS[:len(inputs)]]}


def counted_kind(run: dict) -> str | None:
    """What one count of the system's own counter (the registry's word, in the run) means here,
    as a rebuild kind: a graph built, a trace, a compile, an export; an op compile in a system
    that runs op by op."""
    counter = run.get("counter")
    if not counter:
        return None
    word = "graph built" if counter == "graphs" else counter[:-1]
    return word if run.get("mode") == "static" else f"op {word}"


STRUCTURAL = ("insert-op", "swap-activation")  # edits that change the model's ops, not a number
# Kinds that do not rebuild the model: JAX op by op compiles each new primitive once.
_NOT_A_REBUILD = {"op compile"}
# Kinds that tear the session down: a new graph and Session, the weights put back by hand; or a
# frozen program (exported, traced, scripted) thrown away and made again by hand from the model.
TEARDOWN = {"graph rebuilt", "new session", "weights put back by hand", "re-export", "re-trace", "re-script"}


def _records(lines: list[str]) -> dict:
    """Every MARKER line of one call, merged: kinds concatenated, weights kept only if all say so."""
    merged: dict = {"rebuild_kinds": [], "state_kept": None, "guards": [], "settings": {}}
    for line in lines:
        if line.startswith(MARKER):
            rec = json.loads(line[len(MARKER):])
            merged["rebuild_kinds"] += rec.get("rebuild_kinds") or []
            merged["settings"].update(rec.get("settings") or {})
            merged["guards"] += [re.sub(r"\b\d{9,}\b", "<id>", g) for g in rec.get("guards") or []]
            if rec.get("state_kept") is not None:
                merged["state_kept"] = rec["state_kept"] and merged["state_kept"] is not False
    return merged


def _correct(run: dict, k: int, err) -> bool | None:
    """The harness's verdict on call k: it records the first wrong call only, so after that call
    the strict bound (max abs error within ATOL) decides."""
    if err is None:
        return None
    first_wrong = (run.get("wrong") or {}).get("call_index")
    if first_wrong is None or k < first_wrong:
        return True
    return False if k == first_wrong else err <= ATOL


def annotate(run: dict) -> dict:
    """Per step of the session, from this run's own data: the counter's compiles on that call,
    what the implementation reported rebuilding by hand, the guards that failed, the call's time
    (edit to first result), whether the weights survived, and the error against the reference."""
    counted = counted_kind(run)
    steps, settings = [], {}
    for k, t in enumerate(run["call_times_s"]):
        rec = _records(run["printed"][k] if k < len(run["printed"]) else [])
        settings.update(rec["settings"])
        n = run["call_compiles"][k] if k < len(run["call_compiles"]) else 0
        kinds = [counted] * n + ["guard failure"] * len(rec["guards"]) + rec["rebuild_kinds"]
        err = run["call_errors"][k] if k < len(run["call_errors"]) else None
        name, kind, _ = EDITS[k] if k < len(EDITS) else (f"call {k + 1}", "other", None)
        steps.append({"edit": name, "kind": kind, "rebuilds": sum(1 for x in kinds if x not in _NOT_A_REBUILD),
                      "rebuild_kinds": kinds, "guards": rec["guards"], "time_to_result_s": t,
                      "state_kept": rec["state_kept"], "max_abs_err": err, "correct": _correct(run, k, err)})
    failed = None
    error = run.get("error") or {}
    if run["status"] == "error" and error.get("call_index") is not None:
        k = error["call_index"]
        name, kind, _ = EDITS[k] if k < len(EDITS) else (f"call {k + 1}", "other", None)
        failed = {"edit": name, "kind": kind, "raised": error.get("type"),
                  "message": (error.get("message") or "").split("\n")[0][:200]}
    return {"start": steps[0] if steps else None, "edits": steps[1:], "failed_edit": failed,
            "weights_lost": sum(1 for s in steps[1:] if s["state_kept"] is False), "settings": settings}


# --- takeaways -------------------------------------------------------------------------------

def _kinds(step: dict) -> str:
    """What one step rebuilt, in words: 'nothing', or each kind with its count."""
    kinds = [k for k in step["rebuild_kinds"] if k not in _NOT_A_REBUILD]
    if not kinds:
        return "nothing rebuilt"
    return " + ".join(f"{k} x{kinds.count(k)}" if kinds.count(k) > 1 else k for k in dict.fromkeys(kinds))


def _done(run: dict) -> bool:
    """A run that applied every edit and checked each result against the reference."""
    edits = run.get("edits") or []
    return run["status"] in ("ok", "wrong") and len(edits) == len(EDITS) - 1


def _numbers(run: dict) -> list[dict]:
    """The edits that changed only a Python number."""
    return [e for e in run.get("edits") or [] if e["kind"] not in STRUCTURAL]


def _session_sentence(run: dict) -> str:
    edits = run["edits"]
    parts = [f"{e['edit']}: {_kinds(e)}, {fmt_s(e['time_to_result_s'])}"
             + ("" if e["correct"] else ", WRONG result") for e in edits if e["kind"] in STRUCTURAL]
    numbers = _numbers(run)
    rebuilt = [e for e in numbers if e["rebuilds"]]
    calm = [e["time_to_result_s"] for e in numbers if not e["rebuilds"]]
    times = ", ".join(fmt_s(e["time_to_result_s"]) for e in rebuilt)
    said = f"the {len(numbers)} number edits: " + (f"{len(rebuilt)} rebuilt ({times})" if rebuilt else "none rebuilt anything")
    parts.append(said + (f", {'the others' if rebuilt else 'each'} {fmt_s(max(calm))} at most" if calm else ""))
    lost = [e for e in edits if e["state_kept"] is False]
    unknown = [e for e in edits if e["state_kept"] is None]
    weights = ("the weights survived every edit" if not lost and not unknown else
               f"the weights were lost on {len(lost)} of {len(edits)} edits" + (
                   " and put back by hand" if all("weights put back by hand" in e["rebuild_kinds"] for e in lost) else "")
               if lost else f"whether the weights survived was not reported on {len(unknown)} edits")
    return f"{who(run)}: " + "; ".join(parts) + f"; {weights}."


def _pattern(steps: list[dict]) -> str:
    """How a run of edits to one number rebuilt: on each value, on the first change only, or never."""
    flags = [bool(s["rebuilds"]) for s in steps]
    if not any(flags):
        return "rebuilt nothing"
    if all(flags):
        return "rebuilt" if len(flags) == 1 else "rebuilt on each new value"
    if flags[0] and not any(flags[1:]):
        return "rebuilt on the first change only"
    return "rebuilt on " + ", ".join(s["edit"].split(" (")[0] for s, f in zip(steps, flags) if f)


def _numbers_sentence(run: dict) -> str:
    edits = run["edits"]
    groups = [("the float slope (0.1 -> 0.2 -> 0.3)", "python-float"), ("the int scale (1 -> 2 -> 3)", "python-int"),
              ("the int scale becoming a float (3 -> 1.5)", "int-to-float")]
    parts = []
    for words, kind in groups:
        steps = [e for e in edits if e["kind"] == kind]
        if steps:
            guards = [g for s in steps for g in s["guards"]]
            parts.append(f"{words} {_pattern(steps)}" + (f" (failed guards: {'; '.join(guards)})" if guards else ""))
    settings = ", ".join(f"{k}={v}" for k, v in (run.get("settings") or {}).items())
    return f"Python numbers, {who(run)}: " + "; ".join(parts) + (f" (with {settings})" if settings else "") + "."


def verdicts(doc: dict) -> list[str]:
    """Per completed session: what each edit rebuilt, how long it took, whether the weights
    survived; then what the Python numbers did; then the edits that were refused. All from the
    runs' `edits` fields."""
    done = [r for r in doc["runs"] if _done(r)]
    out = [_session_sentence(r) for r in done]
    numbers = [r for r in done if _numbers(r)]
    out += [_numbers_sentence(r) for r in numbers if any(e["rebuilds"] for e in _numbers(r))]
    out += listed("Python numbers rebuilt nothing in", [who(r) for r in numbers if not any(e["rebuilds"] for e in _numbers(r))], ", ")
    for run in doc["runs"]:
        failed = run.get("failed_edit")
        if run["status"] == "error" and failed:
            at = ("before any edit, at the session's start" if failed["kind"] == "start"
                  else f"at the edit '{failed['edit']}'")
            message = (failed.get("message") or "").rstrip(".")
            out.append(f"{who(run)} raised {failed['raised']} {at}" + (f": {message}" if message else "") + ".")
    return out


# --- lab claims ------------------------------------------------------------------------------

def _started(run: dict) -> bool:
    """Did the session get past its start? A run that failed there tried no edit: the lab's port
    failed for another cause than the claim's."""
    failed = run.get("failed_edit")
    return not (run["status"] == "error" and (not failed or failed["kind"] == "start"))


def _rebuilt(edits: list[dict]) -> list[str]:
    """The kinds of rebuild the edits made, sorted (JAX's op compiles are no rebuild)."""
    return sorted({k for e in edits for k in e["rebuild_kinds"] if k not in _NOT_A_REBUILD})


def _decide(counted: list[dict]) -> tuple:
    good = [r for r in counted if _done(r) and all(e["correct"] and e["state_kept"] for e in r["edits"])]
    calm = [r for r in good if not any(e["rebuilds"] for e in r["edits"])]
    said = "; ".join(_outcome(r) for r in (calm or good) + [r for r in counted if r not in good])
    kinds = _rebuilt([e for r in good for e in r["edits"]])
    teardown = [r for r in good if any(TEARDOWN & set(e["rebuild_kinds"]) for e in r["edits"])]
    if calm:
        return "does-not-hold", said
    if good and len(teardown) < len(good):
        return "partly", said, "rebuilt", f"each edit made the framework rebuild the program ({', '.join(kinds)})"
    if teardown:
        return ("holds", said, "teardown", "an edit meant tearing the program down and rebuilding it by hand "
                f"({', '.join(sorted(TEARDOWN & set(kinds)))})")
    return "holds", said, "refused", "the running program refused or lost an edit"


def _outcome(run: dict) -> str:
    if run["status"] == "error":
        return outcome(run, run["variant"], call=lambda k: " before its first call" if k is None else
                       " at the session's start" if k == 0 else f" at '{EDITS[k][0]}'")
    edits = run.get("edits") or []
    rebuilt = [e for e in edits if e["rebuilds"]]
    times = sorted(e["time_to_result_s"] for e in rebuilt)
    ops = sum(k in _NOT_A_REBUILD for e in edits for k in e["rebuild_kinds"])
    lost = sum(1 for e in edits if e["state_kept"] is False)
    return (f"{run['variant']}: {sum(1 for e in edits if e['correct'] is not False)} of {len(edits)} edits correct"
            + (f", {len(rebuilt)} rebuilt ({', '.join(_rebuilt(rebuilt))}; {fmt_s(times[0])} to {fmt_s(times[-1])} "
               "from edit to result)" if rebuilt else ", nothing rebuilt")
            + (f" (XLA compiled {ops} new primitives on the way)" if ops else "")
            + (f", weights lost on {lost}" if lost else ", weights kept"))


# Inflexible means an edit cannot reach the running model without a teardown. A session that took
# every edit correctly with its weights, rebuilding nothing: does not hold; one that took them all
# but rebuilt its program (traces, compiles): partly; one whose edits were refused, ignored, or paid
# for with a new graph and Session or a program frozen again by hand: holds. A session that never
# started (the port failed before any edit) is another cause: listed, not counted.
CLAIM_RULE = claim_rule = _cells.claim(
    lambda r: r["status"] in ("ok", "error", "wrong"), {}, lambda r: not _started(r),
    lambda r: f"the session never started ({_outcome(r).split(' ', 1)[1]})", _decide,
    silent=lambda r: r["status"] == "wrong" and "returned a wrong result without raising",
    none=lambda runs: "no session got past its start: " + "; ".join(_outcome(r) for r in runs))


def strategy(st, hnp):
    """`lab verify`'s inputs: batches of 1-8 rows, and any model the edits can reach (a session
    that also removes the norm, and slopes and scales this session never used)."""
    rows = st.integers(1, 8).flatmap(lambda n: hnp.arrays(
        np.float32, (n, D_IN), elements=st.floats(-10, 10, width=32, allow_nan=False, allow_infinity=False)))
    scale = st.one_of(st.integers(1, 4), st.sampled_from([0.5, 1.5, 2.5]))
    model = st.tuples(st.booleans(), st.sampled_from(ACTS), st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3]), scale)
    return st.tuples(rows, model.map(lambda m: encode(*m)))
