"""The one owner of the terminal, as hatch's Terminal is: results on stdout, progress, warnings
and errors on stderr, colour and width decided once per command.

rich is imported when something is first drawn, not when this module is: `--json`, warnings and
`lab list --json` never pay for it.
"""
from __future__ import annotations

import sys
from functools import cached_property


def console(stderr: bool = False, no_color: bool = False, record: bool = False,
            width: int | None = None, file=None):
    """A rich console. rich honours NO_COLOR by itself; --no-color is the flag form."""
    from rich.console import Console
    return Console(stderr=stderr, no_color=no_color or None, record=record, width=width,
                   highlight=False, soft_wrap=False, file=file)


def line(text: str, err: bool = True) -> None:
    """One plain line (no markup, no colour), looked up on sys.stdout/sys.stderr as they are now."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def warn(text: str) -> None:
    """Every warning of the lab, from either face: `lab: warning: ...` on stderr."""
    line(f"lab: warning: {text}")


def error(text: str) -> None:
    """The lab's one-line error: `lab: ...` on stderr."""
    line(f"lab: {text}")


class Display:
    """`out` draws the results (stdout; `record` keeps what it drew for a file export), `err`
    the progress board and notes (stderr)."""

    def __init__(self, *, no_color: bool = False, record: bool = False, width: int | None = None):
        self.no_color, self.record, self.width = no_color, record, width

    @cached_property
    def out(self):
        return console(no_color=self.no_color, record=self.record, width=self.width)

    @cached_property
    def err(self):
        return console(stderr=True, no_color=self.no_color)

    warn = staticmethod(warn)
    error = staticmethod(error)

    @staticmethod
    def say(text: str) -> None:
        """A plain line on stdout (`wrote PATH`)."""
        line(text, err=False)

    @staticmethod
    def json(data) -> None:
        """The `--json` document alone on stdout, returned before any table is built."""
        from lab.strict_json import dumps
        line(dumps(data), err=False)

    def show(self, *renderables) -> None:
        for renderable in renderables:
            self.out.print(renderable)

    def progress(self, frameworks: list[str]):
        """The live per-framework board on stderr (drawn only where stderr is a terminal)."""
        from lab.views.render import ProgressBoard
        return ProgressBoard(self.err, frameworks)

    def note(self, text: str, style: str = "yellow") -> None:
        """A line about the run on stderr (never markup: it may quote a path)."""
        self.err.print(text, style=style, markup=False, highlight=False)
