"""What a backend is: the functions the worker's harness calls, declared once.

A backend (`compare/backends/<framework>.py`) is one framework, imported only in its own worker.
Where a framework has several systems (compare/systems.py), a function that depends on the mode
takes the system id; a system whose tool needs a module of its own (its registry entry's
`adapter`: tf1_graph, torch_static) is delegated to by its framework's backend, and that adapter
defines the functions it takes over with the same signatures as here.

Import-light (typing only): tests check every backend against it without the frameworks loaded in
the test process (tests/test_backends.py runs each check in that framework's own process).
"""
from __future__ import annotations

from typing import Any, ContextManager, Protocol, runtime_checkable


@runtime_checkable
class Backend(Protocol):
    """Every backend module meets this, function by function, in this order."""

    NAME: str             # the framework's name in the registry
    ACCOUNT_SOURCE: str   # who explains a recompile: "framework", or a named log (compare/retrace.py)

    def setup(self, device: str, threads: int) -> dict:
        """Size the thread pools and pick the device (DeviceUnavailable if it cannot); returns
        info: version, device_used, devices, threads."""

    def warm_up(self) -> None:
        """The library's own first-use costs, paid untimed before any variant runs."""

    def forget_conversions(self) -> None:
        """Drop caches keyed by code objects before an implementation module is imported afresh."""

    def to_input(self, value: Any, system: str) -> Any:
        """A numpy array (or Python value) as the system's input."""

    def to_numpy(self, out: Any) -> list:
        """An output's leaves as numpy arrays."""

    def sync(self, out: Any) -> None:
        """Wait until `out` is computed (what a user does to read it)."""

    def mode(self, system: str) -> ContextManager:
        """The system's execution mode, around every call of its variants."""

    def prepare(self, fn: Any, system: str, module: Any, how: str | None) -> Any:
        """The variant as the system calls it (`how`: the tool's way, from the registry's hows)."""

    def compile_count(self, module: Any, system: str) -> int | None:
        """The system's own compile counter so far (monotonic); None where it has none."""

    def first_call_split(self, fn: Any, args: list, system: str) -> dict | None:
        """Work done before the first call and timed apart (tf.function's trace); or None."""

    def first_call_events(self, system: str) -> ContextManager[dict]:
        """Yields a dict the first call inside fills with its named phases (results.PHASES)."""

    def unfiltered_tracebacks(self) -> ContextManager:
        """The framework's traceback filtering off, for the unfiltered length."""

    def graph_report(self, fn: Any, args: list, system: str) -> dict | None:
        """Graphs, breaks and their reasons, or an exported graph's size; None where none."""

    def recompile_mark(self, system: str) -> Any:
        """Where the framework's account of recompiles stands now (for recompile_said)."""

    def recompile_said(self, system: str, mark: Any) -> list[str]:
        """The framework's own reason for each recompile since `mark`."""

    def graph_runs(self, system: str) -> int | None:
        """Compiled graphs run so far (a call that ran none ran eagerly); None where not counted."""

    def warnings_of(self, fn: Any) -> list[dict]:
        """What the framework warned or logged while this variant ran: [{category, message, file,
        line, count}]."""

    def describe(self, system: str, how: str | None) -> dict | None:
        """How the system's tool took the variant, as data (the run's `capture`); or None."""

    def value_and_grad(self, fn: Any, args: list, weights: list, system: str) -> tuple[list, list]:
        """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(each floating-point input)."""


FUNCTIONS = tuple(name for name, value in vars(Backend).items()
                  if callable(value) and not name.startswith("_"))
ATTRIBUTES = tuple(Backend.__annotations__)
