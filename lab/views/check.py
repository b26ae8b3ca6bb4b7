"""`lab check`, `lab systems` and `lab list`: what a scenario or system author reads."""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # annotations only: `lab list` must not pay for importing compare.results
    from compare.results import CheckReport
    from lab.usecases.listing import ScenarioRow
    from lab.usecases.systems import SystemRow


def check_view(con: Console, report: CheckReport) -> None:
    """`lab check`: one row per check."""
    table = Table(title=f"lab check {report.scenario}", box=box.SIMPLE_HEAVY)
    for col in ("check", "status", "detail"):
        table.add_column(col, overflow="fold", no_wrap=col != "detail")
    styles = {"pass": "green", "warn": "yellow", "fail": "red"}
    for row in report.checks:
        table.add_row(row.check, f"[{styles[row.status]}]{row.status}[/]", escape(row.detail))
    con.print(table)
    con.print(f"exit code {report.exit_code}")


def systems_table(rows: list[SystemRow]) -> Table:
    """`lab systems`: the registry, in its display order."""
    table = Table(title="Systems (a framework in one mode), in display order", box=box.SIMPLE_HEAVY)
    for col in ("id", "label", "worker", "graph", "counts", "default"):
        table.add_column(col, no_wrap=col != "label", overflow="fold")
    for s in (r.system for r in rows):
        table.add_row(s.id, s.label, s.framework, "yes" if s.static else "no",
                      s.counter or "-", "yes" if s.in_default else "")
    return table


def scenarios_table(rows: list[ScenarioRow]) -> Table:
    """`lab list`: each scenario's name, title and claim (a spec's text, never markup nor emoji
    codes). Text throughout, so rich parses no markup: `lab list` skips loading its emoji table."""
    table = Table(title=Text("Scenarios", style="table.title"))
    for col in ("name", "title", "claim tested"):
        table.add_column(Text(col))
    for r in rows:
        table.add_row(Text(r.name), Text(r.title), Text(r.claim))
    return table
