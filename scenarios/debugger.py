"""debugger: a breakpoint() inside the model, driven as a person would drive pdb."""
import re

import numpy as np

from scenarios import _cells
from scenarios._readings import as_written, listed, outcome, role, said, who

NAME = "debugger"
ORDER = 9
TITLE = "A breakpoint inside the model"
CLAIM = "You cannot stop a static graph in a debugger and look at its values."

BATCH, D_IN, D_OUT = 2, 3, 4
N_CALLS = 5  # enough calls for the per-call chart: the stops show in the call times
DEBUGGER_COMMANDS = ("p x", "p x.shape", "c")  # typed at every stop, as at a terminal
LESSON = (
    f"The model h = tanh(x @ W) has a breakpoint() before its return, and runs {N_CALLS} times. "
    "Each stop is a real pdb session whose commands are typed from a script: "
    f"{', '.join(DEBUGGER_COMMANDS)}. Per call: did it stop, where (your file, generated "
    "code, the framework's), and did `p x` print numbers or a symbolic placeholder? Then each "
    "framework's own way: jax.debug.breakpoint(), tf.config.run_functions_eagerly (tf-eager), "
    "torch.compile with and without fullgraph=True."
)
RTOL, ATOL = 1e-5, 1e-6

VARIANTS = {
    "jax-jit": {"naive": "naive", "framework": "with_framework_breakpoint", "static": "forward"},
    "jax-eager": {"eager": "naive", "framework_eager": "with_framework_breakpoint"},
}
EXTRAS = {"tf1-graph": ["run"], "jax-jit": ["with_framework_breakpoint"],
          "jax-eager": ["with_framework_breakpoint"]}

# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); drift is exit 4.
_EVERY_CALL = {"status": "ok", "stop_counts": [1] * N_CALLS, "inspection": "concrete"}
_AT_TRACE = {"status": "ok", "stop_counts": [1] + [0] * (N_CALLS - 1), "inspection": "symbolic"}
EXPECTED = {
    ("tf1-graph", "naive"): _AT_TRACE,
    ("tf-function", "naive"): _AT_TRACE,  # and in AutoGraph's generated file, not yours
    ("tf-eager", "eager"): _EVERY_CALL,
    ("jax-jit", "naive"): _AT_TRACE,
    ("jax-jit", "framework"): _EVERY_CALL,
    ("jax-eager", "eager"): _EVERY_CALL,
    ("jax-eager", "framework_eager"): _EVERY_CALL,
    ("torch-eager", "eager"): _EVERY_CALL,
    # Dynamo breaks the graph at breakpoint(): pdb stops on every call, but in Dynamo's own
    # frames (random.getstate, a guard), where `p x` is not the model's x.
    ("torch-compile", "compiled"): {"status": "ok", "stop_counts": [1] * N_CALLS, "inspection": "wrong-frame"},
    ("torch-compile", "fullgraph"): {"status": "error", "error_type": "Unsupported"},
    # Non-strict export runs the Python once, on FakeTensors.
    ("torch-export", "naive"): _AT_TRACE,
    # torch.jit.trace runs the Python three times while tracing (the trace and its check), then never.
    ("torch-jit-trace", "naive"): {"status": "ok", "stop_counts": [3] + [0] * (N_CALLS - 1),
                                 "inspection": "concrete"},
    # "Python builtin <built-in function breakpoint> is currently not supported in Torchscript"
    ("torch-jit-script", "scripted"): {"status": "error", "error_type": "RuntimeError"},
}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, W) per call: one W, a new x each call (small, so a printed x fits on a line or two)."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(D_IN, D_OUT)).astype(np.float32)
    return [(rng.normal(size=(BATCH, D_IN)).astype(np.float32), W) for _ in range(N_CALLS)]


def reference(x, W):
    return np.tanh(x @ W).sum(0)


# --- reading the transcript ------------------------------------------------------------------
_PROMPT = re.compile(r"^\((Pdb|jdb)\) ?(.*)$")
_WHERE = re.compile(r"^> (.*)\((\d+)\)(\S*)\(\)")
# A graph tensor, a tracer, a fake tensor: a placeholder for a value, not the value.
_SYMBOLIC = re.compile(r"Tracer|FakeTensor|ShapedArray|Proxy\(|Tensor\(\"|<tf\.Tensor '[^']*' shape=")


def _origin(file: str) -> str:
    if "__autograph_generated" in file:
        return "generated"
    if "static_impl/" in file or "dynamic_impl/" in file:
        return "user"
    return "framework"


def stops(lines: list[str]) -> list[dict]:
    """The pdb (or jdb) sessions in one call's output: where each stopped and what each command
    printed."""
    found: list[dict] = []
    current, command = None, None
    for line in lines:
        where = _WHERE.match(line)
        if where or line.startswith("Entering jdb"):
            current, command = {"debugger": "jdb" if not where else "pdb", "said": {}, "where": None,
                                "stopped_in": "framework"}, None
            if where:
                file, number, function = where.groups()
                current.update(where=f"{file.rsplit('/', 1)[-1]}:{number} in {function}",
                               stopped_in=_origin(file))
            else:  # jax.debug.breakpoint stops in the model's own frame
                current["stopped_in"] = "user"
            found.append(current)
            continue
        prompt = _PROMPT.match(line)
        if prompt and current is not None:
            command = prompt.group(2).strip()
            current["said"].setdefault(command, [])
        elif current is not None and command is not None:
            current["said"][command].append(line.rstrip())
    return found


def seen(printed: list[str], stopped_in: str) -> str:
    """What `p x` showed: concrete values, a symbolic placeholder, wrong-frame (the stop was in
    the framework's code, where `x` is not the model's, if it exists at all), or error."""
    text = " ".join(printed)
    if stopped_in == "framework":
        return "wrong-frame"
    if text.startswith("***"):
        return "error"
    return "symbolic" if _SYMBOLIC.search(text) else "concrete"


def annotate(run: dict) -> dict:
    per_call, kinds = [], []
    for index, lines in enumerate(run["printed"]):
        found = stops(lines)
        entry = {"call": index, "stopped": bool(found), "stops": len(found), "seen": None, "repr": None,
                 "where": None, "stopped_in": None}
        if found:
            first = found[0]
            printed = first["said"].get(DEBUGGER_COMMANDS[0], [])
            entry.update(seen=seen(printed, first["stopped_in"]), repr="\n".join(printed)[:300] or None,
                         where=first["where"], stopped_in=first["stopped_in"], debugger=first["debugger"],
                         shape="\n".join(first["said"].get(DEBUGGER_COMMANDS[1], []))[:100] or None)
            kinds.extend(seen(s["said"].get(DEBUGGER_COMMANDS[0], []), s["stopped_in"]) for s in found)
        per_call.append(entry)
    distinct = set(kinds)
    inspection = "none" if not distinct else distinct.pop() if len(distinct) == 1 else "mixed"
    return {"breakpoints": per_call, "stop_counts": [e["stops"] for e in per_call], "inspection": inspection}


# --- what the run says -----------------------------------------------------------------------

def _outcome(r: dict) -> str:
    if r["status"] == "error":
        return outcome(r, who(r)) + " before any stop"
    marks = r.get("breakpoints") or []
    stopped = [m for m in marks if m["stopped"]]
    if not stopped:
        return f"{who(r)} never stopped in {len(marks)} calls"
    first, stops = stopped[0], sum(m["stops"] for m in stopped)
    shown = (first.get("repr") or "").splitlines()[0][:60] if first.get("repr") else ""
    return (f"{who(r)} stopped on call{'s' if len(stopped) > 1 else ''} {', '.join(str(m['call'] + 1) for m in stopped)}"
            f" of {len(marks)}" + (f" ({stops} stops)" if stops > len(stopped) else "") + f", {_PLACES[first['stopped_in']]}"
            + (f" ({first['where']})" if first.get("where") and first["stopped_in"] != "user" else "")
            + f"; `p x` {_SEEN[first['seen']]}" + (f": `{shown}`" if shown else ""))


_PLACES = {"user": "in your code", "generated": "in generated code", "framework": "in the framework's code"}
_SEEN = {"concrete": "showed concrete values", "symbolic": "showed a symbolic placeholder",
         "wrong-frame": "did not reach the model's x", "error": "raised"}


def verdicts(doc: dict) -> list[str]:
    # A ported version has no breakpoint in it: only the code as written and the framework's own ways.
    return listed("A breakpoint() in the model, p x at each stop",
                  [_outcome(r) for r in doc["runs"] if role(r) != "ported"
                   and (r.get("breakpoints") is not None or r["status"] == "error")])


# --- lab claims ------------------------------------------------------------------------------
# The causes the claim is about (lab/causes.py's conditions, over the run's data). Measured
# (tensorflow 2.21, jax 0.10.2, torch 2.13): the graph builders stop once, while tracing, on a
# placeholder; torch.jit.trace stops three times while tracing, then never; torch.compile stops
# every call in Dynamo's frames; fullgraph=True and torch.jit.script refuse breakpoint() itself.
# An error that is not about the breakpoint is another cause: listed, not counted.
CAUSES = {
    "stopped-while-tracing": {"words": "the breakpoint stopped only while the program was traced or built, "
                                       "never on the calls that ran it",
                              "fields": {"stop_counts": r"^\[[1-9]\d*(, 0)+\]$"}},
    "symbolic": {"words": "`p x` showed a symbolic placeholder (a graph tensor, a tracer, a FakeTensor), "
                          "not the call's values", "fields": {"inspection": "^symbolic$"}},
    "framework-frames": {"words": "the debugger stopped in the framework's own frames, where `p x` does not "
                                  "reach the model's x", "fields": {"inspection": "^wrong-frame$"}},
    "breakpoint-refused": {"words": "the compiler refused breakpoint() itself", "error": "breakpoint"},
}


def _every_call(r: dict) -> bool:
    """Stopped on every call, in your code, where `p x` showed the call's values."""
    marks = r.get("breakpoints") or []
    return r["status"] == "ok" and bool(marks) and all(
        m["stopped"] and m["seen"] == "concrete" and m["stopped_in"] == "user" for m in marks)


def _decide(counted: list[dict]) -> tuple[str, str]:
    plain = [r for r in counted if as_written(r)]
    verdict = ("does-not-hold" if plain and all(_every_call(r) for r in plain) else
               "partly" if any(_every_call(r) for r in counted) else "holds")
    return verdict, "; ".join(_outcome(r) for r in counted)


# Does not hold where a breakpoint stopped on every call in your code with concrete values;
# partly where some run of the system did (e.g. only with the framework's own breakpoint); holds
# where none did, for one of the claim's causes. A run that failed for another cause is listed,
# not counted.
CLAIM_RULE = claim_rule = _cells.claim(
    lambda r: r.get("breakpoints") and any(m["stopped"] for m in r["breakpoints"]) or r["status"] == "error",
    CAUSES, lambda r: not _every_call(r), lambda r: said(r["error"]) if r.get("error") else _outcome(r), _decide,
    none="no breakpoint reached the claim")
