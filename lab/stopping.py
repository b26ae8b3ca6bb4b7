"""How the lab stops: Ctrl-C, SIGTERM and SIGHUP all unwind as an interrupt (workers killed,
partial results kept, scratch folders removed), and the exit code says which signal it was:
130 SIGINT, 143 SIGTERM, 129 SIGHUP (128 + the signal's number, as shells report it)."""
from __future__ import annotations

import os
import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
stopped_by: int | None = None


def _on_signal(signum, frame) -> None:
    global stopped_by
    if stopped_by is not None:
        # A second signal while unwinding: end now, workers and scratch folders first.
        from lab.runner import stop_all
        stop_all()
        os._exit(128 + stopped_by)
    stopped_by = signum
    raise KeyboardInterrupt


def install() -> None:
    """The CLI's handlers (a notebook kernel keeps its own)."""
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)


def reason() -> str:
    return "Ctrl-C" if stopped_by in (None, signal.SIGINT) else signal.Signals(stopped_by).name


def exit_code(code: int) -> int:
    """An interrupted command's code, made to name the signal that stopped it."""
    return 128 + stopped_by if stopped_by is not None else code
