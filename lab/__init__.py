"""The static-vs-dynamic graph lab.

From Python (a notebook): `lab.compare(...)`, `lab.diff(...)`, `lab.claims(...)`, `lab.scenarios()`,
`lab.shutdown()` (ends the warm workers), and `%load_ext lab` for the `%lab` magic. They load on
first use (lab/api.py), so `import lab` imports nothing heavy: no rich, jinja2, numpy, and never a framework.
"""
import sys as _sys
import types as _types

__version__ = "0.1.0"

_API = ("compare", "diff", "claims", "scenarios", "shutdown", "load_ipython_extension")


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib.util
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # A submodule of the same name (lab/claims.py, the grader): importing it makes it callable.
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name == "load_ipython_extension":  # `%load_ext lab`
        from lab.magic import load_ipython_extension
        return load_ipython_extension
    from lab import api
    return getattr(api, name)


def __dir__():
    return sorted(set(globals()) | set(_API))


class _CallableModule(_types.ModuleType):
    """A submodule named like an API function (`lab.claims`): still the module, and calling it
    runs the function (`lab.claims(...)` is lab.api.claims)."""

    def __call__(self, *args, **kwargs):
        from lab import api
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        # The import system sets `lab.claims = <module>` when lab/claims.py is imported.
        if name in _API and type(value) is _types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
