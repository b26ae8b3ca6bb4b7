"""The lesson panel, the first thing `lab compare` prints: its own module so that it draws
before the rest of lab/views/render.py (tables, charts, tracebacks) is imported."""
from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.text import Text


def lesson(con, scenario) -> None:
    """A loaded spec's lesson."""
    panel(con, scenario.name, scenario.title, scenario.claim, scenario.lesson)


def panel(con, name: str, title: str, claim: str, text: str) -> None:
    """The lesson as a document carries it too (a report draws it from the run, loading no spec)."""
    # A spec's text is never markup: a TITLE with `[/]` must not crash, nor `x[i]` turn italic.
    con.print(Panel(Text(text), title=f"[bold]{escape(name)}[/]: {escape(title)}",
                    subtitle=f"claim tested: {escape(claim)}", border_style="cyan"))
