"""`lab demo`'s screens: the headings of the walk-through's steps, its prompt and its closing
scoreboard (the lesson, code and results are compare's own views, lab/views/render.py)."""
from __future__ import annotations

from lab.scoreboard import Scoreboard

STEPS = {
    1: "[bold cyan]1. The lesson[/]",
    2: "[bold cyan]2. The code, side by side[/] (lines that differ from eager highlighted)",
    3: "[bold cyan]3. The live run[/]",
    4: "[bold cyan]4. The results[/]",
    5: "[bold cyan]5. Takeaway[/]",
}


def scenario_heading(con, number: int, total: int, name: str) -> None:
    con.rule(f"[bold]{number}/{total}  {name}[/]")


def step(con, number: int) -> None:
    con.print(STEPS[number])


def prompt(con, next_step: str) -> None:
    con.print(f"[dim]Enter: {next_step}[/]", end="")


def closing_scoreboard(con, board: Scoreboard) -> None:
    """A full demo closes on the scoreboard, graded from the runs just shown."""
    from lab.views.claims import scoreboard
    con.rule("[bold]The scoreboard: does each claim hold?[/]")
    scoreboard(con, board, evidence=False)
