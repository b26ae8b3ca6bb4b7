"""The far side of a deployment: load one saved artifact in a fresh Python that has no project.

Run by scenarios/deployment.py's probe as `python -I -S _loader.py request.json`: -S skips
site-packages' .pth files, so the editable install's finder (which makes static_impl,
dynamic_impl and scenarios importable from anywhere) is never installed; -I drops PYTHONPATH,
the user site and the script's own folder. The request then puts back only the site-packages
folders, as plain paths, so the framework and numpy import and nothing of the project does.
The loader proves it: it tries to import the project's modules and records each failure.

It imports the stdlib, numpy and the framework the request names, nothing else. The load code
is the implementation file's own `load` function, sent as text (what the production side would
have written), executed here with none of that file's other names. The result is one JSON line.
"""
import importlib
import json
import logging
import os
import sys
import time
import traceback
import warnings


def _said(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:300] if first else ''}"


class _Logged(logging.Handler):
    def __init__(self, into: list):
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record) -> None:
        self.into.append({"category": f"log:{record.name}", "message": record.getMessage(),
                          "file": record.pathname, "line": record.lineno, "count": 1})


def main(request_file: str) -> dict:
    with open(request_file) as fh:
        request = json.load(fh)
    sys.path.extend(request["site"])
    out: dict = {"pid": os.getpid(), "isolation": {"no_site": bool(sys.flags.no_site),
                                                  "isolated": bool(sys.flags.isolated),
                                                  "path": list(sys.path)}}
    # The proof: none of the project's modules can be found here.
    tried = {}
    for name in request["source_modules"]:
        try:
            importlib.import_module(name)
            tried[name] = None
        except ImportError as exc:
            tried[name] = _said(exc)
    out["import_attempts"] = tried
    out["source_importable"] = any(v is None for v in tried.values())

    began = time.perf_counter()
    importlib.import_module(request["framework"])
    out["import_s"] = time.perf_counter() - began

    import numpy as np
    said: list = []
    handler = _Logged(said)
    logging.getLogger().addHandler(handler)
    for name, lg in list(logging.root.manager.loggerDict.items()):
        if isinstance(lg, logging.Logger) and not lg.propagate:
            lg.addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        began = time.perf_counter()
        try:
            scope: dict = {}
            exec(request["load_source"], scope)  # noqa: S102 - the user's own load code, as text
            model = scope[request["load_name"]](request["path"])
            out["loaded"], out["error"] = True, None
        except Exception as exc:  # noqa: BLE001 - a load that fails is the finding
            model, out["loaded"], out["error"] = None, False, _said(exc)
            out["error_frames"] = traceback.format_exception(exc)[-3:]
        out["load_s"] = time.perf_counter() - began
        outputs, errors = {}, {}
        if model is not None:
            inputs = np.load(request["inputs"])
            for name in inputs.files:
                try:
                    outputs[name] = np.asarray(model(inputs[name]))
                except Exception as exc:  # noqa: BLE001
                    errors[name] = _said(exc)
            np.savez(request["outputs"], **outputs)
        out["call_errors"] = errors
    out["warnings"] = said + [{"category": w.category.__name__, "message": str(w.message),
                               "file": w.filename, "line": w.lineno, "count": 1} for w in caught]
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
