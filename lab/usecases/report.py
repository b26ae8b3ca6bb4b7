"""`lab report`: every selected scenario run once (one worker per framework for all of them),
written as one folder: report.html (the web page), terminal.html (what `lab compare` prints,
recorded at projector width) and report.json (the documents), drawn by lab/views/export.py."""
from __future__ import annotations

from dataclasses import dataclass

from lab import atomic
from lab.selection import Selection

FILES = ("report.html", "terminal.html", "report.json")


@dataclass
class Written:
    exit_code: int
    folder: str          # where the files went: a folder of its own when the run was interrupted
    paths: list[str]
    interrupted: bool


def run(selection: Selection, out_dir: str, *, no_color: bool = False, on_progress=None) -> Written:
    """An interrupted run writes to a folder of its own: any earlier report stays as it was."""
    from lab import errors, session
    docs = session.run_many(selection.to_run(), on_progress=on_progress, **selection.run_kwargs())
    code = selection.fold(errors.worst([d.exit_code for d in docs]))
    interrupted = any(d.interrupted for d in docs)
    if interrupted:
        out_dir = atomic.partial_name(out_dir, folder=True)
    paths = write_report(docs, out_dir, no_color=no_color, skipped=selection.skipped, specs=selection.specs)
    return Written(code, out_dir, paths, interrupted)


def write_report(docs: list, out_dir: str, *, no_color: bool = False,
                 skipped: list[str] | None = None, specs: list = ()) -> list[str]:
    """The three files of a report from documents already run, rendered in memory and then put
    in place as one folder (lab/atomic.py): a failed write leaves the earlier report whole. The
    web page carries the claims scoreboard when this lab has a grader (lab.claims), graded with the
    specs already loaded."""
    from lab.views import export
    out = export.Output("report", docs=docs, con=export.terminal_view(docs, no_color=no_color),
                        claims=export.scoreboard(docs, specs), skipped=list(skipped or []))
    return atomic.replace_folder(out_dir, {name: export.render(name, out) for name in FILES})
