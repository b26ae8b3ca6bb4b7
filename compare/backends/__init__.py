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
