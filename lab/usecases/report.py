"""`lab report`: every selected scenario run once, written as one folder (lab/report.py's files)."""
from __future__ import annotations

from dataclasses import dataclass

from lab.selection import Selection


@dataclass
class Written:
    exit_code: int
    folder: str          # where the files went: a folder of its own when the run was interrupted
    paths: list[str]
    interrupted: bool


def run(selection: Selection, out_dir: str, *, no_color: bool = False, on_progress=None) -> Written:
    """An interrupted run writes to a folder of its own: any earlier report stays as it was."""
    from lab import atomic, errors, session
    from lab.report import write_report
    docs = session.run_many(selection.scenarios, on_progress=on_progress, **selection.run_kwargs())
    code = selection.fold(errors.worst([d["exit_code"] for d in docs]))
    interrupted = any(d["interrupted"] for d in docs)
    if interrupted:
        out_dir = atomic.partial_name(out_dir, folder=True)
    paths = write_report(docs, out_dir, no_color=no_color, skipped=selection.skipped)
    return Written(code, out_dir, paths, interrupted)
