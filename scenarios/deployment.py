"""deployment: save the model in each system's own format, load it where its source is not."""
import inspect
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings

import numpy as np

from scenarios import _cells
from scenarios._readings import fmt_bytes, fmt_s, series, tallied

NAME = "deployment"
ORDER = 11
SIDE = "buys"
TITLE = "Ship the model: save it, load it where its source is not"
CLAIM = "A static graph ships without Python: the road to production (TorchScript)."

BATCH, WIDTH, NEW_BATCH = 8, 8, 3
LESSON = (
    f"A small model: h = tanh(x @ W), then h @ W where the sum of h is positive and h * 0.5 where it "
    f"is not (a branch on the data), for any batch size. Each system saves it, weights included, in its own "
    "format (a TF 1.x SavedModel from a Session, tf.saved_model with an input_signature, a serialized "
    "jax.export, torch.export's .pt2 and an AOTInductor package, torch.jit.save; for eager code what a "
    "user would try: torch.save or a pickle). A fresh Python (python -I -S) that cannot import the lab's "
    "implementation files, and proves it, loads the file and runs it on the example, on a new batch "
    f"size ({NEW_BATCH} rows instead of {BATCH}) and on an input that takes the other branch."
)
RTOL, ATOL = 1e-5, 1e-5

VARIANTS = {
    "tf1-graph": {"static": "forward"},
    "tf-function": {"static": "forward"},
    "jax-jit": {"static": "forward"},
    "torch-compile": {"compiled": ("naive", "compile")},
    "torch-export": {"static": ("forward", "export"), "dynamic": ("forward", "export-dynamic")},
}
# In the process that wrote it, every version runs (measured: tensorflow 2.21, jax 0.10, torch 2.13).
EXPECTED = {("torch-export", "dynamic"): {"status": "ok"}, ("torch-jit-trace", "naive"): {"status": "ok"}}
EXTRAS = {"tf1-graph": ["run"], "tf-function": ["Model"], "torch-eager": ["Model"], "torch-export": ["COMPILERS", "DYNAMIC_SHAPES", "Model", "load_jit", "load_pickle",
                                                 "load_package"]}

# The lab's own packages: the far side must not be able to import any of them.
PROJECT_MODULES = ("static_impl", "dynamic_impl", "scenarios", "compare", "lab")
LOADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_loader.py")
LOADER_TIMEOUT_S = 300


def _branch(x, W) -> bool:
    return float(np.tanh(x @ W).sum()) > 0


def _positive(x, W):
    """x, or -x: an input that takes the positive branch (tanh is odd, so -x takes the other)."""
    return x if _branch(x, W) else -x


def calls(seed: int = 0) -> list[tuple[np.ndarray, ...]]:
    """(x, W) three times: one W, a new x of BATCH rows each call, all on the positive branch."""
    rng = np.random.default_rng(seed)
    W = (rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
    return [(_positive(rng.normal(size=(BATCH, WIDTH)).astype(np.float32), W), W) for _ in range(3)]


def reference(x, W):
    h = np.tanh(x @ W)
    return h @ W if h.sum() > 0 else h * np.float32(0.5)


def trip_inputs(x, W) -> dict:
    """What the far side runs: the example, a new batch size on the same branch, the other branch."""
    rng = np.random.default_rng(1)
    return {"example": x,
            "new_batch": _positive(rng.normal(size=(NEW_BATCH, WIDTH)).astype(np.float32), W),
            "other_branch": -x}


# --- the probe: save in the worker, load in a fresh Python ------------------------------------

def _said(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:300] if first else ''}"


def _host(a) -> np.ndarray:
    try:
        return np.asarray(a)
    except (TypeError, RuntimeError):  # a tensor on a GPU
        return np.asarray(a.cpu())


class _Recorded(logging.Handler):
    """Warnings raised or logged while saving (torch.jit's deprecations, TF 1.x's simple_save)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.said: list[dict] = []

    def emit(self, record) -> None:
        self.said.append({"category": f"log:{record.name}", "message": record.getMessage(),
                          "file": record.pathname, "line": record.lineno, "count": 1})

    def __enter__(self):
        self._loggers = [logging.getLogger()] + [lg for lg in logging.root.manager.loggerDict.values()
                                                 if isinstance(lg, logging.Logger) and not lg.propagate]
        for lg in self._loggers:
            lg.addHandler(self)
        self._caught = warnings.catch_warnings(record=True)
        self._list = self._caught.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._caught.__exit__(*exc)
        for lg in self._loggers:
            lg.removeHandler(self)
        self.said += [{"category": w.category.__name__, "message": str(w.message), "file": w.filename,
                       "line": w.lineno, "count": 1} for w in self._list]


def _bytes(path: str) -> int:
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return os.path.getsize(path)


def _site() -> list[str]:
    """Where this interpreter's packages live: the only folders the far side may import from."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def _empty(fmt, error=None, save_s=None) -> dict:
    return {"format": fmt, "file": None, "bytes": None, "save_s": save_s, "load_s": None, "import_s": None,
            "fresh_process": None, "source_importable": None, "import_attempts": {}, "loaded": None,
            "error": error, "checks": {"matched": None, "new_batch_size": None, "both_branches": None},
            "tried": {}, "warnings": [], "deprecations": []}


def _ship(entry: dict, module, framework: str, trips: dict, W, save_s: float, folder: str) -> dict:
    """The artifact loaded and run in a fresh Python; its size, times, proof and checks."""
    art = _empty(entry["format"], entry.get("skipped"), save_s)
    if entry.get("skipped"):  # not made here (no C++ compiler): said in the data
        return {**art, "skipped": True}
    if entry.get("save_error"):
        return {**art, "error": f"save raised {entry['save_error']}", "save_error": entry["save_error"]}
    path = entry["path"]
    art.update(file=os.path.basename(path), bytes=_bytes(path))
    inputs, outputs = os.path.join(folder, "trip.npz"), f"{path}.out.npz"  # one per artifact
    np.savez(inputs, **trips)
    loader = entry.get("load", "load")
    request = {"site": _site(), "framework": framework, "path": path, "inputs": inputs, "outputs": outputs,
               "source_modules": list(dict.fromkeys([*PROJECT_MODULES, module.__name__])),
               "load_source": inspect.getsource(getattr(module, loader)), "load_name": loader}
    with open(os.path.join(folder, "request.json"), "w") as fh:
        json.dump(request, fh)
    done = None
    try:
        done = subprocess.run([sys.executable, "-I", "-S", LOADER, fh.name], capture_output=True, text=True,
                              timeout=LOADER_TIMEOUT_S, cwd=folder)
        far = json.loads(done.stdout.strip().splitlines()[-1])
    except Exception as exc:  # noqa: BLE001 - a loader that crashed or hung: said, not raised
        said = done.stderr.strip().splitlines()[-1] if done is not None and done.stderr.strip() else _said(exc)
        art.update(loaded=False, error=f"loader failed: {said[:300]}", loader_failed=True)
        return art
    art.update({k: far[k] for k in ("import_s", "load_s", "source_importable", "import_attempts", "loaded",
                                    "error", "warnings")},
               fresh_process=far["pid"] != os.getpid(), isolation=far["isolation"])
    if not far["loaded"]:
        return art
    got = np.load(outputs) if os.path.exists(outputs) else {}
    for name, x in trips.items():
        tried = {"batch": int(x.shape[0]), "branch": "positive" if _branch(x, W) else "negative"}
        if name in far["call_errors"]:
            tried.update(status="error", error=far["call_errors"][name])
        else:
            want, out = reference(x, W), np.asarray(got[name])
            ok = out.shape == want.shape and np.allclose(out, want, rtol=RTOL, atol=ATOL)
            tried.update(status="ok" if ok else "wrong",
                         max_abs_err=float(np.max(np.abs(out - want))) if out.shape == want.shape else None)
        art["tried"][name] = tried
    ok = {name: t["status"] == "ok" for name, t in art["tried"].items()}
    art["checks"] = {"matched": ok["example"], "new_batch_size": ok["new_batch"],
                     "both_branches": ok["example"] and ok["other_branch"]}
    return art


def probe(run: dict, module, fn, args) -> dict:
    if fn is None:  # the system could not take the function at all
        return {"artifact": None, "more_artifacts": []}
    x, W = (_host(a) for a in args)
    how = (run.get("capture") or {}).get("how")
    folder = tempfile.mkdtemp(prefix="deployment-")
    try:
        with _Recorded() as recorded:
            began = time.perf_counter()
            try:  # the implementation's own function, put through the system's tool by its own save
                saved = module.save(getattr(module, run["function"]), W, x, os.path.join(folder, "model"), how)
            except Exception as exc:  # noqa: BLE001 - a save that fails is the finding
                return {"artifact": {**_empty(None, f"save raised {_said(exc)}", time.perf_counter() - began),
                                     "save_error": _said(exc)}, "more_artifacts": []}
        made = [(time.perf_counter() - began, recorded.said)]
        for entry in saved[1:]:  # an extra artifact made from the first (AOTInductor's package)
            with _Recorded() as recorded:
                began = time.perf_counter()
                try:
                    if entry.get("make"):
                        entry["make"]()
                except Exception as exc:  # noqa: BLE001 - said in its artifact
                    entry["save_error"] = _said(exc)
            made.append((time.perf_counter() - began, recorded.said))
        trips = trip_inputs(x, W)
        arts = []
        for entry, (save_s, said) in zip(saved, made):
            art = _ship(entry, module, run["framework"], trips, W, save_s, folder)
            art["warnings"] = _counted([dict(w, where="save") for w in said]
                                       + [dict(w, where="load") for w in art["warnings"]])
            art["deprecations"] = _deprecations(art["warnings"])
            arts.append(art)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"artifact": arts[0], "more_artifacts": arts[1:]}


def _counted(warned: list[dict]) -> list[dict]:
    """One entry per (where, category, message), with how many times it was said."""
    out: dict = {}
    for w in warned:
        key = (w["where"], w["category"], w["message"])
        if key in out:
            out[key]["count"] += w.get("count", 1)
        else:
            out[key] = dict(w)
    return list(out.values())


def _deprecations(warned: list[dict]) -> list[str]:
    """What saving or loading said is deprecated: torch.jit's DeprecationWarnings, TensorFlow's
    logged "X (from module) is deprecated and will be removed", once each, without TF's
    "From <file>:<line>: " prefix."""
    out = []
    for w in warned:
        text = w["message"].strip().splitlines()[0] if w["message"].strip() else ""
        if w["category"] == "DeprecationWarning" or re.search(r"is deprecated and will be removed", text):
            text = re.sub(r"^From \S+: ", "", text)
            if text not in out:
                out.append(text)
    return out


# --- what the run says -----------------------------------------------------------------------

def artifacts(run: dict) -> list[dict]:
    """The run's artifacts: its system's format first, then any extra (AOTInductor's package)."""
    first = run.get("artifact")
    return [first, *(run.get("more_artifacts") or [])] if first else []


def made(run: dict) -> list[dict]:
    """Its artifacts less those not made here (AOTInductor's package without a C++ compiler)."""
    return [a for a in artifacts(run) if not a.get("skipped")]


def shipped(art: dict) -> bool:
    """Loaded without the source and passed every check."""
    return bool(art.get("loaded")) and all(art["checks"].get(k) for k in art["checks"])


def survived(art: dict) -> str:
    """What survived the trip, in words, from the artifact's own data."""
    if art.get("loaded") is None and not art.get("bytes"):
        return f"nothing was shipped: the {art['error']}" if art.get("error") else "nothing was shipped"
    if not art.get("loaded"):
        return f"it did not load: {art['error']}"
    tried = art["tried"]
    if not art["checks"]["matched"]:
        return f"it loaded but the example did not match ({tried['example'].get('error') or 'a wrong result'})"
    return series(["it loaded and matched"] + [said[tried[trip]["status"]].format(**tried[trip])
                                               for trip, said in TRIPS.items()])


# What each far-side trip did, by its status (ok, error, or a wrong result), in words.
TRIPS = {"new_batch": {"ok": "took a batch of {batch}", "error": "refused a batch of {batch} ({error})",
                       "wrong": "returned a wrong result for a batch of {batch}"},
         "other_branch": {"ok": "kept both branches", "error": "failed on the other branch ({error})",
                          "wrong": "lost the other branch (a wrong result there, without an error)"}}


def _name(run: dict, doc: dict) -> str:
    """The system's display label, and the variant where the system ran more than one."""
    # Here the labels say what differs (torch.export's static and dynamic shapes), not a role.
    several = sum(1 for r in doc["runs"] if r["system"] == run["system"]) > 1
    return f"{run['mode_name']}, {run['variant']}" if several else run["mode_name"]


def _sentence(name: str, art: dict) -> str:
    if art.get("format") is None:
        return f"{name}: {survived(art)}."
    return (f"{name}: {art['format']}"
            + (f", {fmt_bytes(art['bytes'])}, saved in {fmt_s(art['save_s'])}" if art.get("bytes") is not None else "")
            + (f", loaded in {fmt_s(art['load_s'])} (after {fmt_s(art['import_s'])} importing the framework)"
               if art.get("load_s") is not None else "") + f"; {survived(art)}"
            + ("; on the way it was told: " + "; ".join(f'"{d.rstrip(".")}"' for d in art["deprecations"])
               if art.get("deprecations") else "") + ".")


def verdicts(doc: dict) -> list[str]:
    runs = [r for r in doc["runs"] if artifacts(r)]
    out = [_sentence(_name(r, doc), a) for r in runs for a in artifacts(r)]
    every = [a for r in runs for a in artifacts(r) if a.get("fresh_process")]
    if every:
        leaked = [r["mode_name"] for r in runs for a in artifacts(r) if a.get("source_importable")]
        out.append(f"Every artifact was loaded in a fresh Python ({len(every)} processes, python -I -S) "
                   + (f"that could not import the lab's source ({', '.join(PROJECT_MODULES)}: ModuleNotFoundError)."
                      if not leaked else f"but the source was importable for {', '.join(leaked)}."))
    said = tallied(runs, _kept, lambda r: _name(r, doc), KEPT)
    return out + (["; ".join(said) + "."] if said else [])


KEPT = ("shipped (loaded without the source, every check passed)", "loaded, but not every check passed",
        "did not load without the source", "wrote nothing to ship")


def _kept(run: dict) -> str:
    """How far the run's artifacts got, one of KEPT."""
    arts = made(run)
    return (KEPT[3] if not any(a.get("bytes") for a in arts) else KEPT[0] if all(shipped(a) for a in arts)
            else KEPT[1] if any(a.get("loaded") for a in arts) else KEPT[2])


# --- lab claims ------------------------------------------------------------------------------
# On this benefit row the claim holds where the benefit was measured: the artifact loaded in a
# fresh Python without the source and passed every check. The causes say why it fell short.
# Measured (torch 2.13): unpickling a module whose source is gone says "No module named
# 'dynamic_impl'"; a .pt2 exported with static shapes says "Guard failed: x.size()[0] == 8".
CAUSES = {
    "needs-source": {"words": "the artifact is a pickle that names the model's code, which the far side "
                              "cannot import", "fields": {"load_error": "No module named|Can't get attribute"}},
    "no-artifact": {"words": "the system wrote no artifact", "fields": {"save_error": "."}},
    "baked-branch": {"words": "the artifact kept one branch of the model", "fields": {"both_branches": "False"}},
    "fixed-shape": {"words": "the artifact takes only the batch size it was saved with",
                    "fields": {"new_batch_size": "False"}},
}


def _facts(run: dict) -> dict:
    arts = made(run)
    first_error = next((a["error"] for a in arts if a.get("loaded") is False), None)
    loaded = [a for a in arts if a.get("loaded")]
    # "" where there is none: a cause's regex reads str(value), and str(None) is "None".
    return {"load_error": first_error or "", "save_error": next((a["save_error"] for a in arts if a.get("save_error")), ""),
            "both_branches": str(all(a["checks"]["both_branches"] for a in loaded)) if loaded else None,
            "new_batch_size": str(all(a["checks"]["new_batch_size"] for a in loaded)) if loaded else None}


# Holds where every artifact of the system loaded without the source and passed every check;
# partly where one loaded and matched but not everything survived; does not hold where none
# loaded. A loader that crashed is another cause: listed, not counted.
def _decide(counted: list[dict]) -> tuple[str, str]:
    ok = [r for r in counted if all(shipped(a) for a in made(r))]
    some = [r for r in counted if (r["artifact"].get("checks") or {}).get("matched")]
    return (_cells.share(len(ok), len(counted), some),
            "; ".join(f"{r['variant']}: {a['format'] or 'no artifact'}, {survived(a)}" for r in counted for a in artifacts(r)))


CLAIM_RULE = claim_rule = _cells.claim(
    lambda r: r.get("artifact"), CAUSES, lambda r: not all(shipped(a) for a in made(r)),
    lambda r: next((a["error"] for a in artifacts(r) if a.get("error")), None) or "not every check passed",
    _decide, facts=_facts, none="no artifact reached the far side")
