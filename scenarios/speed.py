"""speed: what a compiled graph buys in run time, against the same code op by op, size by size."""
import math
import os

import numpy as np

from scenarios import _cells
from scenarios._readings import fmt_s, listed, plural, said, series

NAME = "speed"
ORDER = 10
SIDE = "buys"
TITLE = "A compiled graph against the same code op by op, across sizes"
CLAIM = "Static graphs exist for speed: a compiled graph runs faster than the same code op by op."

WIDTH = 32  # features of x, hidden units of the MLP
LR = 0.1
# The sweep: batch rows of x [rows, WIDTH]. 4 rows (128 floats) is all dispatch; 16384 rows
# (524,288 floats, 2 MiB per array; ~100 MFLOP per training step) is memory- and compute-bound.
SIZES = (4, 64, 1024, 16384)
SHORT_SIZES = (4, 1024)  # LAB_SWEEP=short: two sizes, the compiles still paid (for tests)
FASTER = 1.1  # a speed-up counts past 10 % either way; closer is "about the same" (timing noise)

LESSON = (
    "Two workloads, each run by every system that can take it: an elementwise chain of 8 ops "
    "(where fusing ops into one loop matters) and a small MLP training step (forward, backward, "
    f"SGD update: where the cost of dispatching each op from Python matters), on batches of "
    f"{', '.join(str(s) for s in SIZES)} rows of {WIDTH} floats. Per size the lab imports the "
    "implementation afresh, prepares it and times its first call (trace and compile included: "
    "what a program that runs at that size pays), then its steady state (median, synchronised). "
    "Each compiled system is set against its own framework's eager system: the speed-up, and "
    "after how many calls the compile has paid for itself (break-even). LAB_SWEEP=short runs two "
    "sizes only."
)
RTOL, ATOL = 1e-4, 1e-5

WORKLOADS = {"chain": "the 8-op elementwise chain", "mlp": "the MLP training step"}
# {label: (workload, how it is compiled, when the system's own name does not say it)}
LABELS = {"chain": ("chain", None), "mlp": ("mlp", None),
          "chain-xla": ("chain", "jit_compile=True, XLA"), "mlp-xla": ("mlp", "jit_compile=True, XLA")}
_PLAIN = {"chain": "chain", "mlp": "mlp"}
VARIANTS = {
    "tf1-graph": dict(_PLAIN), "tf-eager": dict(_PLAIN), "jax-jit": dict(_PLAIN), "jax-eager": dict(_PLAIN),
    "torch-eager": dict(_PLAIN),
    "tf-function": {"chain": "chain", "chain-xla": "chain_xla", "mlp": "mlp", "mlp-xla": "mlp_xla"},
    # inductor whatever LAB_TORCH_COMPILE_BACKEND says: it is what users compile with
    "torch-compile": {"chain": ("chain", "inductor"), "mlp": ("mlp", "inductor")},
    "torch-export": {"chain": ("chain", "export-dynamic"), "mlp": ("mlp", "export-dynamic")},
    "torch-jit-trace": {"chain": ("chain", "trace"), "mlp": ("mlp", "trace")},
    "torch-jit-script": {"chain": ("chain", "script"), "mlp": ("mlp", "script")},
}
# Measured (torch 2.13): none of these takes the training step as written. torch.export: "We found
# a fake tensor in the exported program constant's list" (autograd.grad inside the program);
# torch.jit.trace: "Cannot insert a Tensor that requires grad as a constant"; torch.jit.script:
# "python value of type 'float' cannot be used as a value. Perhaps it is a closed over global
# variable?" (the module's LR).
EXPECTED = {
    **{(system, label): {"status": "ok"} for system, table in VARIANTS.items() for label in table},
    ("torch-export", "mlp"): {"status": "error", "error_type": "RuntimeError"},
    ("torch-jit-trace", "mlp"): {"status": "error", "error_type": "RuntimeError"},
    ("torch-jit-script", "mlp"): {"status": "error", "error_type": "RuntimeError"},
}
EXTRAS = {"tf1-graph": ["run"], "tf-function": ["chain_xla", "mlp_xla"],
          "torch-export": ["DYNAMIC_SHAPES"], "torch-jit-trace": ["DYNAMIC_SHAPES"],
          "torch-jit-script": ["DYNAMIC_SHAPES"], "torch-compile": ["DYNAMIC_SHAPES"]}


def sizes() -> tuple[int, ...]:
    """The sweep: SIZES, or SHORT_SIZES when LAB_SWEEP=short (read per call, so a test's
    environment counts)."""
    return SHORT_SIZES if os.environ.get("LAB_SWEEP", "").strip().lower() == "short" else SIZES


def inputs(rows: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """(x [rows, WIDTH], y [rows, 1], W1 [WIDTH, WIDTH], W2 [WIDTH, 1]), seeded."""
    rng = np.random.default_rng(seed + rows)
    return (rng.normal(size=(rows, WIDTH)).astype(np.float32), rng.normal(size=(rows, 1)).astype(np.float32),
            (rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32),
            (rng.normal(size=(WIDTH, 1)) / np.sqrt(WIDTH)).astype(np.float32))


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """One call per size of the sweep, growing: one function meets every size in turn, so its
    recompiles (or their absence) per size are data."""
    return [inputs(rows, seed) for rows in sizes()]


def reference(*args):
    # The workloads return different things for the same inputs: each variant's result is checked
    # against its own workload's reference (REFERENCES) by the probe, size by size.
    return None


def chain_reference(x, y, W1, W2):
    h = x.astype(np.float64) * 1.5 + 0.5
    h = np.tanh(h)
    h = h * h - 0.25
    return 2.0 / (1.0 + np.exp(-h)) - 1.0


def mlp_reference(x, y, W1, W2):
    x, y, W1, W2 = (a.astype(np.float64) for a in (x, y, W1, W2))
    h = np.tanh(x @ W1)
    err = h @ W2 - y
    loss = np.mean(err ** 2)
    d_out = 2.0 * err / err.size
    g2 = h.T @ d_out
    g1 = x.T @ ((d_out @ W2.T) * (1.0 - h ** 2))
    return W1 - LR * g1, W2 - LR * g2, loss


REFERENCES = {"chain": chain_reference, "mlp": mlp_reference}


def describe_calls(call_inputs) -> dict:
    return {"sweep_rows": [int(c[0].shape[0]) for c in call_inputs],
            "sweep_elements": [int(c[0].size) for c in call_inputs]}


# --- the probe: each size's first call (freshly prepared) and steady state ---------------------

def _matches(outs: list, want) -> tuple[bool, float | None]:
    """(within RTOL/ATOL of the reference, max abs error); None where the shapes differ or a value
    is not finite (the JSON stays strict)."""
    want = [np.asarray(w) for w in (want if isinstance(want, tuple) else (want,))]
    if len(outs) != len(want) or any(np.shape(g) != w.shape for g, w in zip(outs, want)):
        return False, None
    worst, ok = 0.0, True
    for got, w in zip(outs, want):
        diff = np.abs(np.asarray(got, np.float64) - w)
        most = float(diff.max()) if diff.size else 0.0
        worst = most if not math.isfinite(most) else max(worst, most)  # NaN stays NaN, not 0
        ok = ok and bool(np.all(diff <= ATOL + RTOL * np.abs(w)))
    return ok, worst if math.isfinite(worst) else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200] if text else ''}"


def probe(run: dict, module, fn, args, kit) -> dict:
    """Per size of the sweep: a fresh preparation's first call (first_s) and its steady state
    (steady_s), the result checked against the workload's reference; the growing-sizes call of
    the run itself (growing_s, and whether it compiled). break_even_calls is filled in across
    runs by relate()."""
    workload = LABELS[run["variant"]][0]
    out = {"workload": workload, "compiled_with": LABELS[run["variant"]][1], "sweep": []}
    if fn is None or run["status"] != "ok":
        return out  # the system could not take this workload: no timing is evidence of speed
    grown, compiled = run.get("call_times_s") or [], run.get("call_compiles") or []
    for k, rows in enumerate(sizes()):
        arrays = inputs(rows)
        entry = {"size": rows, "elements": int(arrays[0].size), "first_s": None, "steady_s": None,
                 "break_even_calls": None, "matched": None, "max_abs_err": None, "error": None,
                 "growing_s": grown[k] if k < len(grown) else None,
                 "growing_compiles": compiled[k] if k < len(compiled) else None}
        fresh = None
        try:
            fresh = kit.fresh()
            data = [kit.to_input(a) for a in arrays]
            entry["first_s"], result = kit.call(fresh, data)
            entry["matched"], entry["max_abs_err"] = _matches(kit.to_numpy(result), REFERENCES[workload](*arrays))
            entry["steady_s"] = kit.steady(fresh, data)["steady_median_s"]
        except Exception as exc:  # noqa: BLE001 - a size the system cannot take is a finding
            entry["error"] = _first_line(exc)
        finally:
            if fresh is not None:
                kit.close(fresh)
        out["sweep"].append(entry)
    return out


# --- across runs: each compiled run against its framework's eager run ------------------------

def break_even(first_c: float, steady_c: float, first_e: float, steady_e: float) -> int | None:
    """Calls after which n calls of the compiled system cost no more than n eager calls:
    first_c + (n-1)·steady_c <= first_e + (n-1)·steady_e. None when its steady state is not
    faster (the compile is never paid back)."""
    gain = steady_e - steady_c
    if gain <= 0:
        return None
    extra = first_c - first_e
    return 1 if extra <= 0 else 1 + math.ceil(extra / gain)


def baseline_of(run: dict, runs: list[dict]) -> dict | None:
    """The run of the same workload by the eager system of the run's framework (the registry's
    `static` flag, carried by every run as its mode)."""
    return next((r for r in runs if r["framework"] == run["framework"] and r["mode"] == "dynamic"
                 and r.get("workload") == run.get("workload") and r.get("sweep")), None)


def relate(doc: dict) -> dict:
    """{"system/variant": {sweep, baseline}}: each compiled run's sweep with its speed-up over its
    framework's eager run of the same workload, and the break-even, size by size."""
    out = {}
    for run in doc["runs"]:
        if not run.get("sweep") or run["mode"] == "dynamic":
            continue
        base = baseline_of(run, doc["runs"])
        by_size = {e["size"]: e for e in (base or {}).get("sweep") or []}
        sweep = []
        for entry in run["sweep"]:
            e = by_size.get(entry["size"], {})
            entry = dict(entry, speedup=None, faster=None, break_even_calls=None)
            if entry["steady_s"] and e.get("steady_s") and entry["first_s"] is not None and e.get("first_s") is not None:
                entry["speedup"] = ratio = e["steady_s"] / entry["steady_s"]
                # True faster, False slower, None within FASTER of 1 (about the same)
                entry["faster"] = True if ratio >= FASTER else False if ratio <= 1 / FASTER else None
                entry["break_even_calls"] = break_even(entry["first_s"], entry["steady_s"], e["first_s"], e["steady_s"])
            sweep.append(entry)
        out[f"{run['system']}/{run['variant']}"] = {
            "sweep": sweep, "baseline": base and f"{base['system']}/{base['variant']}"}
    return out


# --- what the run says -------------------------------------------------------------------------

def who(run: dict) -> str:
    """The system's display label, with how the variant compiles when the label does not say it."""
    how = LABELS.get(run["variant"], (None, None))[1]
    return f"{run['mode_name']} ({how})" if how else run["mode_name"]


def _x(ratio: float) -> str:
    return f"{ratio:.2g}×" if ratio < 10 else f"{ratio:.0f}×"


def _rows(n: int) -> str:
    return f"{n:,} rows"


def _measured(run: dict) -> list[dict]:
    return [e for e in run.get("sweep") or [] if e.get("speedup")]


def _faster(run: dict) -> tuple[list[dict], list[dict]]:
    points = _measured(run)
    return [e for e in points if e["faster"] is True], [e for e in points if e["faster"] is False]


def _paid(points: list[dict]) -> str:
    paid = [e for e in points if e.get("break_even_calls") is not None]
    if len(paid) > 1 and len({e["break_even_calls"] for e in paid}) == 1:
        return f"{plural(paid[0]['break_even_calls'], 'call')} at each of {_sizes(paid)}"
    return ", ".join(f"{plural(e['break_even_calls'], 'call')} at {_rows(e['size'])}" for e in paid)


def _sizes(points: list[dict]) -> str:
    """'4, 64 and 1,024 rows'."""
    return series(f"{e['size']:,}" for e in points) + " rows"


def _error(run: dict) -> str:
    """The run's error in its own words, to its first full stop, or its status."""
    return (said(run["error"]) if run.get("error") else run["status"]).split(". ")[0][:160]


def verdicts(doc: dict) -> list[str]:
    runs = [r for r in doc["runs"] if r.get("workload")]
    threads = (doc.get("environment") or {}).get("threads_requested")
    out = [s for workload, words in WORKLOADS.items() for s in listed(
        f"Steady-state speed-up of {words}, each system against its own framework's eager system"
        + (f" ({plural(threads, 'thread')} each)" if threads else ""),
        [_against(r, runs) for r in runs if r["workload"] == workload and r["mode"] == "static" and _measured(r)])]
    alone = list(dict.fromkeys(who(r) for r in runs if r["mode"] == "static" and r.get("sweep") and not r.get("baseline")))
    if alone:
        out.append(f"No speed-up to compute for {', '.join(alone)}: their framework's eager system did not "
                   "run (--systems all runs every system with its baseline).")
    out += listed("Slower than op by op", [f"{who(r)} on {r['workload']} at {_rows(e['size'])} ({_x(e['speedup'])}, "
                                           f"{fmt_s(e['steady_s'])} per call)" for r in runs for e in _faster(r)[1]])
    out += _growing(runs)
    out += listed("Could not run a workload, so no evidence for or against speed",
                  [f"{who(r)} on {r['workload']} ({_error(r)})" for r in runs if r["status"] == "error"])
    out += listed("Failed at a size (a fresh preparation's first call or steady state raised)",
                  [f"{who(r)} on {r['workload']} at {_rows(e['size'])} ({e['error'].split('. ')[0][:120]})"
                   for r in runs for e in r.get("sweep") or [] if e.get("error")])
    out += listed("Did not match the reference", [
        f"{who(r)} on {r['workload']} at {_rows(e['size'])}"
        + (f" (max abs error {e['max_abs_err']:.3g})" if e.get("max_abs_err") is not None else "")
        for r in runs for e in r.get("sweep") or [] if e.get("matched") is False])
    return out


def _against(run: dict, runs: list[dict]) -> str:
    """One compiled run against its baseline: the speed-up per size, and the break-even."""
    points = _measured(run)
    base = next(x for x in runs if f"{x['system']}/{x['variant']}" == run["baseline"])
    paid, never = _paid(points), [e for e in points if e.get("break_even_calls") is None]
    return (f"{who(run)} against {base['mode_name']}: " + ", ".join(f"{_x(e['speedup'])} at {_rows(e['size'])}" for e in points)
            + (f"; its first call is paid back after {paid}" if paid else "")
            + (f"; never at {_sizes(never)} (not faster there)" if never else ""))


def _growing(runs: list[dict]) -> list[str]:
    """One function called at every size in turn (the run's own calls): which systems compiled
    again for new sizes, what the framework said, and one-time start-up that a fresh preparation
    later in the same worker did not pay again."""
    again, once, said, start = [], [], [], []
    for r in runs:
        sweep = r.get("sweep") or []
        if r["mode"] != "static" or not sweep or r.get("compiles") is None:
            continue
        n = sum(1 for e in sweep[1:] if e.get("growing_compiles"))
        name = f"{who(r)} {r['workload']}"
        (again if n else once).append(name + (f" ({n} of {len(sweep) - 1} new sizes)" if 0 < n < len(sweep) - 1 else ""))
        said += [f"{name}: {x['said']}" for x in r.get("signals") or [] if x["kind"] in ("retracing", "recompile-limit")]
        first, fresh = sweep[0].get("growing_s"), sweep[0].get("first_s")
        if first is not None and fresh is not None and first > 3 * fresh and first - fresh > 1.0:
            start.append(f"{name} {fmt_s(first)}, then {fmt_s(fresh)}")
    return listed("One function called at each size in turn", [
        again and f"compiled again for new sizes: {', '.join(again)}", once and f"compiled once and ran every size: "
        f"{', '.join(once)}", said and f"the framework said: {'; '.join(said)}"]) + listed(
        "The worker's first compile paid a one-time start-up that a fresh preparation of the same size, later in "
        "the same worker, did not", start)


# --- lab claims --------------------------------------------------------------------------------

# What a holds/partly cell rests on, on this benefit row: the speed-up itself, measured (a run
# field, over the sizes the run was faster at). A refused workload is another cause: not counted.
CAUSES = {
    "faster": {"words": "the compiled graph measured faster per call than the same code op by op in its "
                        "framework (steady state, same sizes, same threads)",
               "fields": {"faster_at": "^[1-9]"}},
}


def claim_rule(doc: dict, system: str):
    """On this benefit row, holds means the speed-up was measured: faster than the framework's
    eager system at every size of every workload the system ran; partly: at some; does not hold:
    at none. An eager system is the baseline. A workload the system could not run is listed, not
    counted: it says nothing about speed."""
    runs = [r for r in doc["runs"] if r["system"] == system and r.get("workload")]
    if runs and all(r["mode"] == "dynamic" for r in runs):
        return ("not-applicable", f"the baseline: {runs[0]['mode_name']} is what its framework's compiled "
                                  "systems are measured against", [_cells.label(r) for r in runs])
    return _cells.rule(runs, {}, lambda r: r["status"] != "ok", _error, _decide, silent=_wrong, none=UNMEASURED)


UNMEASURED = "no workload ran to a measured speed-up (the framework's eager system, the baseline, must run too)"


def _wrong(run: dict) -> str | None:
    sizes = [_rows(e["size"]) for e in run.get("sweep") or [] if e.get("matched") is False]
    return f"returned a wrong result at {', '.join(sizes)}" if sizes and _measured(run) else None


def _decide(counted: list[dict]) -> tuple:
    """Faster at every measured size, some, or none; the cause is the speed-up itself, measured."""
    measured = [r for r in counted if _measured(r)]
    hits, points = sum(len(_faster(r)[0]) for r in measured), sum(len(_measured(r)) for r in measured)
    if not points:
        return "not-applicable", UNMEASURED
    return (_cells.share(hits, points), "; ".join(_speedups(r) for r in measured),
            *(("faster", CAUSES["faster"]["words"]) if hits else ()))


def _speedups(run: dict) -> str:
    """'mlp: faster at every size (up to 5.4× at 4 rows), paid back after 1 call at 4 rows'."""
    (faster, slower), points = _faster(run), _measured(run)
    how = LABELS[run["variant"]][1]
    s = f"{run['workload']}{f' ({how})' if how else ''}: "
    if faster:
        best, paid = max(faster, key=lambda e: e["speedup"]), _paid(faster)
        s += (f"faster at {'every size' if len(faster) == len(points) else _sizes(faster)} "
              f"(up to {_x(best['speedup'])} at {_rows(best['size'])})" + (f", paid back after {paid}" if paid else ""))
    else:
        s += "faster at no size"
    if slower:
        s += "; slower at " + ", ".join(f"{_rows(e['size'])} ({_x(e['speedup'])})" for e in slower)
    return s + ("; about the same elsewhere" if len(faster) + len(slower) < len(points) else "")


CLAIM_RULE = claim_rule
