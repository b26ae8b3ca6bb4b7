"""`lab compare`: one scenario in every chosen system, side by side."""
from __future__ import annotations

from typing import TYPE_CHECKING

from lab.selection import Selection

if TYPE_CHECKING:
    from compare.results import CompareDoc


def code(spec, systems: list[str]) -> dict:
    """The implementation files as `lab compare` shows them before the run."""
    from lab import session
    return session.code_view(spec, systems)


def run(spec, selection: Selection, *, on_progress=None, warm: bool = False) -> "CompareDoc":
    """The typed document, with what the frameworks printed (`frameworks[fw].log`): the views
    and `--json` (`CompareDoc.to_dict`) decide whether to show it."""
    from lab import session
    return session.compare(spec, on_progress=on_progress, warm=warm, **selection.run_kwargs())
