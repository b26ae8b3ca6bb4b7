"""`lab report`: every scenario run once (one worker per framework for all of them), written as
report.html (the web page), terminal.html (what `lab compare` prints, recorded at projector
width) and report.json (the documents). The formats themselves live in lab/views/export.py."""
from __future__ import annotations

import io

from compare.discovery import get
from lab import atomic
from lab.views import export, render

FILES = ("report.html", "terminal.html", "report.json")


def terminal_view(docs: list[dict], *, no_color: bool = False, width: int = 160):
    """A recording console holding what `lab compare` shows for each document (whole tracebacks),
    then the environment; nothing reaches the terminal."""
    con = render.console(no_color=no_color, record=True, width=width, file=io.StringIO())
    for doc in docs:
        con.rule(f"[bold]{doc['scenario']}[/]")
        render.lesson(con, get(doc["scenario"]))
        render.code(con, doc["code"])
        render.results(con, doc, full_traceback=True)
    if docs:
        con.rule("[bold]Environment[/]")
        con.print_json(data=docs[0]["environment"])
    return con


def write_report(docs: list[dict], out_dir: str, *, no_color: bool = False,
                 skipped: list[str] | None = None) -> list[str]:
    """The three files of a report from documents already run, rendered in memory and then put
    in place as one folder (lab/atomic.py): a failed write leaves the earlier report whole. The
    web page carries the claims scoreboard when this lab has a grader (lab.claims)."""
    out = export.Output("report", docs=docs, con=terminal_view(docs, no_color=no_color),
                        claims=export.scoreboard(docs), skipped=list(skipped or []))
    return atomic.replace_folder(out_dir, {name: export.render(name, out) for name in FILES})
