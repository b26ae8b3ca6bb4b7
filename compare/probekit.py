"""What a spec's probe may use from the worker (its optional fifth parameter, `kit`).

A spec imports numpy only, so it cannot prepare a variant, make a framework's input, synchronise a
device or time a call the lab's way by itself. The kit does it with the running system's backend:
the same preparation, conversion, synchronisation (`block_until_ready`, `.numpy()`,
`torch.cuda.synchronize`) and timing policy (compare/timing.py) as the harness's own calls.
Runs inside a worker process; imports no framework itself.
"""
from __future__ import annotations

from compare import timing


class ProbeKit:
    def __init__(self, backend, reimport, system: str, attr: str, how: str | None, repeats: int):
        self.backend, self.reimport, self.system = backend, reimport, system
        self.attr, self.how, self.repeats = attr, how, repeats

    def fresh(self):
        """The variant prepared anew from a new import of its implementation file, with the
        framework's conversion and compile caches forgotten: its first call traces and compiles
        as the first call in a new process would (the library's one-time start-up aside)."""
        self.backend.forget_conversions()
        module = self.reimport()
        return self.backend.prepare(getattr(module, self.attr), self.system, module, self.how)

    def to_input(self, value):
        """A numpy array as the system takes it (a tensor on the run's device; numpy for TF 1.x)."""
        return self.backend.to_input(value, self.system)

    def to_numpy(self, out) -> list:
        return self.backend.to_numpy(out)

    def call(self, fn, args) -> tuple[float, object]:
        """(seconds, output) of one call, the framework's synchronisation included."""
        return timing.time_once(lambda: self._synced(fn, args))

    def steady(self, fn, args) -> dict:
        """The lab's steady state (warm-up, auto-ranged blocks, `repeats` samples, synchronised):
        {steady_median_s, steady_iqr_s, block_calls, ...}, of what the tool made called directly
        (a backend's `bare`: without the lab's per-call bookkeeping) once a first call has run."""
        fn = getattr(fn, "bare", None) or fn
        return timing.steady_state(lambda: self._synced(fn, args), self.repeats)

    def close(self, fn) -> None:
        """Let go of what a prepared variant holds (TF 1.x Sessions)."""
        closing = getattr(fn, "close", None)
        if callable(closing):
            closing()

    def _synced(self, fn, args):
        out = fn(*args)
        self.backend.sync(out)
        return out
