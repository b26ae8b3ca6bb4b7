"""The lesson panel, the first thing `lab compare` prints: its own module so that it draws
before the rest of lab/views/render.py (tables, charts, tracebacks) is imported."""
from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.text import Text


def lesson(con, scenario) -> None:
    # A spec's text is never markup: a TITLE with `[/]` must not crash, nor `x[i]` turn italic.
    con.print(Panel(Text(scenario.lesson), title=f"[bold]{escape(scenario.name)}[/]: {escape(scenario.title)}",
                    subtitle=f"claim tested: {escape(scenario.claim)}", border_style="cyan"))
