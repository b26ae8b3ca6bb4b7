"""`lab compare`: one scenario in every chosen system, side by side."""
from __future__ import annotations

from lab.selection import Selection


def spec(name: str):
    """The scenario (its lesson is on screen first)."""
    from compare import discovery
    return discovery.get(name)


def code(name: str, systems: list[str]) -> dict:
    """The implementation files as `lab compare` shows them before the run."""
    from lab import session
    return session.code_view(spec(name), systems)


def run(name: str, selection: Selection, *, on_progress=None, warm: bool = False) -> dict:
    """The CompareDoc (as its dict, `lab compare --verbose --json`), worker logs included."""
    from lab import session
    return session.compare(name, on_progress=on_progress, warm=warm, **selection.run_kwargs())


def without_logs(doc: dict) -> dict:
    """What `lab compare --json` prints: the document without what the frameworks printed."""
    return dict(doc, frameworks={fw: {k: v for k, v in info.items() if k != "log"}
                                 for fw, info in doc["frameworks"].items()})
