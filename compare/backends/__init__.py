"""One adapter per framework, with the same names in the same order (Keras-style backends).

Each is imported only inside that framework's worker process.
"""
import importlib

NAMES = ("tensorflow", "jax", "torch")


class DeviceUnavailable(RuntimeError):
    """The framework is installed but cannot use the device asked for."""


def load(framework: str):
    if framework not in NAMES:
        raise ValueError(f"unknown framework {framework!r}; valid: {', '.join(NAMES)}")
    return importlib.import_module(f"compare.backends.{framework}")


def start(request: dict, progress):
    """Import the request's framework and set it up for the device and threads asked for.

    Returns (backend, info); info["import_s"] is the import and set-up time."""
    import time
    progress("importing", request["framework"])
    began = time.perf_counter()
    backend = load(request["framework"])
    info = backend.setup(request["device"], request["threads"])
    info["import_s"] = time.perf_counter() - began
    return backend, info
