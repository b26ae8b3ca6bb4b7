"""One adapter per framework, with the same names in the same order (Keras-style backends).

Each is imported only inside that framework's worker process. A backend function takes the
system id (a framework in one mode, see compare/systems.py) where the mode matters.
"""
import importlib
import os
import sys
import tempfile
import time

from compare import systems


class DeviceUnavailable(RuntimeError):
    """The framework is installed but cannot use the device asked for."""


def isolate(framework: str) -> None:
    """Make the other frameworks unimportable in this process. TensorFlow 2.21 imports jax when
    it is installed (tensorflow/lite/python/util.py, inside try/except ImportError), so without
    this the TensorFlow worker would pay jax's import and hang with a broken jax."""
    for other in systems.FRAMEWORKS:
        if other.name != framework:
            for module in other.modules:
                if module not in sys.modules:
                    sys.modules[module] = None  # `import module` now raises ImportError


def foreign_modules(framework: str) -> list[str]:
    """Top-level modules of the other frameworks actually loaded here (should be none)."""
    own = set(systems.FRAMEWORK_BY_NAME[framework].modules)
    theirs = {m for f in systems.FRAMEWORKS for m in f.modules} - own
    return sorted(m for m in theirs if sys.modules.get(m) is not None)


def load(framework: str):
    if framework not in systems.FRAMEWORK_NAMES:
        raise ValueError(f"unknown framework {framework!r}; valid: {', '.join(systems.FRAMEWORK_NAMES)}")
    return importlib.import_module(f"compare.backends.{framework}")


def scratch(request: dict) -> None:
    """Temporary files go into the run's own folder, which the lab removes: AutoGraph writes each
    converted function's source to tempfile and deletes it only at interpreter exit, which a
    worker skips (os._exit), so without this every TF run left 3 files in /tmp."""
    if request.get("result"):
        folder = os.path.join(os.path.dirname(request["result"]), f"{request['framework']}.tmp")
        os.makedirs(folder, exist_ok=True)
        tempfile.tempdir = folder


def start(request: dict, progress):
    """Import the request's framework (and no other), set it up for the device and threads asked
    for, and warm it up untimed.

    Returns (backend, info); info["import_s"] is the import and set-up time, info["warmup_s"] the
    library's own first use, which no variant's first call is charged for."""
    progress("importing", request["framework"])
    isolate(request["framework"])
    scratch(request)
    began = time.perf_counter()
    backend = load(request["framework"])
    info = backend.setup(request["device"], request["threads"])
    info["import_s"] = time.perf_counter() - began
    began = time.perf_counter()
    backend.warm_up()
    info["warmup_s"] = time.perf_counter() - began
    info["foreign_modules"] = foreign_modules(request["framework"])
    info["pid"] = os.getpid()  # one process per framework per command: the same pid throughout
    return backend, info
