"""graph-lifetime: how long the graph that gradients need lives, and what recording it costs."""
import time

import numpy as np

from scenarios import _cells
from scenarios._readings import each, fmt_s, grouped, listed, per_system

NAME = "graph-lifetime"
ORDER = 8
TITLE = "A second backward on the same forward"
CLAIM = "The graph lives for one backward pass: a second backward on the same forward fails."

BATCH, WIDTH, DEPTH = 16, 32, 8
REPEATS = 30  # timed forwards per mode for the recording cost
LESSON = (
    f"A loss over {DEPTH} tanh layers, h = tanh(h @ W). After one forward, the gradient is asked "
    "for twice: loss.backward() twice in PyTorch (then with retain_graph=True), "
    "tape.gradient twice in TensorFlow (then with a persistent tape), the TF 1.x gradient ops "
    "run again in the same Session, the jax.vjp pullback called again. Then the cost of "
    "recording: the same forward with and without the machinery that records it for a backward "
    "(autograd's grad mode, a GradientTape, jax.vjp), set against the compiled replay."
)
RTOL, ATOL = 1e-4, 1e-4

# Measured on CPU (tensorflow 2.21, jax 0.10.2, torch 2.13); the probe's findings are asserted by
# tests/test_graph_lifetime.py. The forward needs no port: the eager code as-is works everywhere.
EXPECTED = {key: {"status": "ok"} for key in (
    ("tf1-graph", "naive"), ("tf-function", "naive"), ("jax-jit", "naive"),
    ("torch-compile", "fullgraph"), ("torch-export", "naive"), ("torch-jit-trace", "naive"))}
EXTRAS = {"tf1-graph": ["run"]}


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, W) three times: one W, a new x each call."""
    rng = np.random.default_rng(seed)
    W = (rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
    return [(rng.normal(size=(BATCH, WIDTH)).astype(np.float32), W) for _ in range(3)]


def reference(x, W):
    h = x
    for _ in range(DEPTH):
        h = np.tanh(h @ W)
    return np.sum(h * h, dtype=np.float32)


def reference_grad(x, W) -> np.ndarray:
    """d loss / dW by hand (backpropagation in NumPy), to check the gradients the probe gets."""
    hs = [x.astype(np.float64)]
    for _ in range(DEPTH):
        hs.append(np.tanh(hs[-1] @ W))
    g, dW = 2 * hs[-1], np.zeros_like(W, np.float64)
    for k in range(DEPTH, 0, -1):
        g = g * (1 - hs[k] ** 2)
        dW += hs[k - 1].T @ g
        g = g @ W.T
    return dW


# --- the probe: the implementation file's backward_twice and run_forward ------------------------

def _attempt(do) -> tuple[str, str | None, object]:
    try:
        return "ok", None, do()
    except Exception as exc:  # noqa: BLE001 - the exception is the finding
        first = str(exc).strip().splitlines()
        return "error", f"{type(exc).__name__}: {first[0][:200] if first else ''}", None


def _median_s(do) -> float:
    do()
    do()  # warm: a compiler may specialise on the recording mode (Dynamo guards on grad mode)
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        do()
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def _host(a) -> np.ndarray:
    try:
        return np.asarray(a)
    except (TypeError, RuntimeError):  # a tensor on a GPU
        return np.asarray(a.cpu())


def probe(run: dict, module, fn, args) -> dict:
    if fn is None:  # the system could not take the function at all
        return {"lifetime": None}
    x, W = args
    want = reference_grad(*[_host(a) for a in args])
    plain, plain_error, grads = _attempt(lambda: module.backward_twice(fn, x, W, False))
    out = {"second_backward": plain, "second_backward_error": plain_error,
           "retain_option": module.RETAIN, "retain_graph": "n/a", "retain_graph_error": None,
           "same_gradient_twice": None, "record_tool": module.RECORD,
           "forward_s": None, "recording_s": None, "record_cost_s": None}
    if plain == "ok":
        out["same_gradient_twice"] = all(np.allclose(np.asarray(g), want, rtol=1e-3, atol=1e-3) for g in grads)
    if module.RETAIN is not None:
        out["retain_graph"], out["retain_graph_error"], kept = _attempt(lambda: module.backward_twice(fn, x, W, True))
        if kept is not None:
            out["same_gradient_twice"] = all(np.allclose(np.asarray(g), want, rtol=1e-3, atol=1e-3) for g in kept)
    if module.RECORD is not None:
        W = module.trainable(W)
        out["forward_s"] = _median_s(lambda: module.run_forward(fn, x, W, False))
        out["recording_s"] = _median_s(lambda: module.run_forward(fn, x, W, True))
        out["record_cost_s"] = out["recording_s"] - out["forward_s"]
    return {"lifetime": out}


# --- what the run says -----------------------------------------------------------------------

def _raised(status: str, error: str | None) -> str:
    """'ran', or 'raised Type: first sentence' of the error line (the rest is the framework's advice)."""
    return "ran" if status == "ok" else f"raised {(error or '').split('. ')[0].split(' (')[0]}"


def _lifetime_outcome(life: dict) -> str:
    if life["second_backward"] == "ok":
        same = life.get("same_gradient_twice")
        return "the second backward on the same forward ran" + (
            "" if same is None else " and gave the same gradient" if same else " but gave a different gradient")
    return f"the second backward {_raised('error', life['second_backward_error'])}" + (
        f"; with {life['retain_option']} it {_raised(life['retain_graph'], life['retain_graph_error'])}"
        if life["retain_graph"] in ("ok", "error") else "")


def verdicts(doc: dict) -> list[str]:
    runs = [r for r in doc["runs"] if r.get("lifetime")]
    out = listed("A second backward on one forward", grouped(runs, lambda r: _lifetime_outcome(r["lifetime"])))
    replays = [r for r in per_system([r for r in doc["runs"] if r["mode"] == "static" and r["status"] == "ok"
                                      and r["variant"] in ("static", "scripted")])
               if (r.get("timing") or {}).get("steady_median_s")]
    timed = [f"{r['mode_name']} {fmt_s(r['lifetime']['forward_s'])} without {r['lifetime']['record_tool']}, "
             f"{fmt_s(r['lifetime']['recording_s'])} with it"
             for r in per_system(runs) if r["lifetime"].get("record_cost_s") is not None]
    out += listed(f"The forward, median of {REPEATS} calls", timed + [
        timed and replays and "against the compiled replay of the same forward (steady state, nothing recorded): "
        + "; ".join(f"{r['mode_name']} {fmt_s(r['timing']['steady_median_s'])}" for r in replays)])
    return out + [s + "." for s in grouped([r for r in runs if r["lifetime"].get("record_tool") is None],
                                           lambda r: "nothing is recorded per call; the gradient ops are part "
                                                     "of the graph, built once")]


# --- lab claims ------------------------------------------------------------------------------
# The cause the claim is about (lab/causes.py's conditions, over the run's `lifetime`): the first
# backward freed what the second needed. Measured (torch 2.13, tensorflow 2.21): PyTorch says
# "Trying to backward through the graph a second time", a GradientTape "A non-persistent
# GradientTape can only be used to compute one set of gradients". A second backward that raised
# anything else is another cause; one that ran and returned another gradient is silent.
CAUSES = {
    "freed": {"words": "the first backward freed the recorded graph (its saved tensors, a non-persistent tape), "
                       "so a second backward on the same forward raised",
              "fields": {"second_backward_error": "backward through the graph a second time"
                                                  "|non-persistent GradientTape can only be used"}},
}


# Holds where a second backward on the same forward raised because the graph was freed; does not
# hold where it ran. Partly where the runs of one system disagree. A second backward that failed
# for another cause is listed, not counted.
def _decide(counted: list[dict]) -> tuple[str, str]:
    freed = [r for r in counted if r["lifetime"]["second_backward"] == "error"]
    return _cells.share(len(freed), len(counted)), each(counted, lambda r: _lifetime_outcome(r["lifetime"]))


CLAIM_RULE = claim_rule = _cells.claim(
    lambda r: r.get("lifetime"), CAUSES, lambda r: r["lifetime"]["second_backward"] == "error",
    lambda r: r["lifetime"]["second_backward_error"], _decide, facts=lambda r: r["lifetime"],
    none="no second backward reached the claim", silent=lambda r: r["lifetime"].get("same_gradient_twice") is False
    and "ran the second backward and returned another gradient, silently")
