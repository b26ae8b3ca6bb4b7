"""`lab claims`: every seed claim graded for every chosen system, from one run."""
from __future__ import annotations

from dataclasses import dataclass

from lab.scoreboard import Scoreboard
from lab.selection import Selection


@dataclass
class Scored:
    """The scoreboard (`board.to_dict()` is `lab claims --json`) and the CompareDocs it was graded from."""
    board: Scoreboard
    docs: list             # CompareDocs

    @property
    def exit_code(self) -> int:
        return self.board.exit_code

    @property
    def interrupted(self) -> bool:
        return any(d.interrupted for d in self.docs)


def grade(docs: list, selection: Selection | None = None) -> Scored:
    """Grade runs already made; a selection's skipped scenarios are named and fold into the exit
    code, and its specs, loaded once to check them, are the ones that grade."""
    from lab.claims import grade as grade_docs
    if selection is None:
        return Scored(grade_docs(docs), docs)
    board = grade_docs(docs, selection.specs)
    board.skipped, board.exit_code = selection.skipped, selection.fold(board.exit_code)
    return Scored(board, docs)


def run(selection: Selection, *, on_progress=None, warm: bool = False) -> Scored:
    """Every selected scenario in one worker per framework, then graded."""
    from lab import session
    docs = session.run_many(selection.to_run(), on_progress=on_progress, warm=warm, **selection.run_kwargs())
    return grade(docs, selection)
