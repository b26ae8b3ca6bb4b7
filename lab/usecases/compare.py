"""`lab compare`: one scenario in every chosen system, side by side."""
from __future__ import annotations

from lab.selection import Selection


def code(spec, systems: list[str]) -> dict:
    """The implementation files as `lab compare` shows them before the run."""
    from lab import session
    return session.code_view(spec, systems)


def run(spec, selection: Selection, *, on_progress=None, warm: bool = False, with_logs: bool = True) -> dict:
    """The CompareDoc as its dict, built once: with what the frameworks printed (`--verbose`, the
    terminal) or without it (`--json`, the API)."""
    from lab import session
    return session.compare(spec, on_progress=on_progress, warm=warm, with_logs=with_logs,
                           **selection.run_kwargs())
