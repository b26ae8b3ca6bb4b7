"""`lab claims`: the scoreboard as a rich table that fits 80 columns, then each cell's evidence."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lab.scoreboard import ClaimRow, Scoreboard, Side

# A glyph and a colour per verdict; the legend under the table spells them out.
GLYPH = {"holds": ("●", "red"), "partly": ("◐", "yellow"), "does-not-hold": ("○", "green"),
         "not-applicable": ("·", "dim"), "unavailable": ("?", "magenta"), "error": ("✗", "bold red")}
# On a row about what static graphs buy, a claim that holds is good news: the colours swap.
BUYS = {**GLYPH, "holds": ("●", "green"), "does-not-hold": ("○", "red")}


def _glyphs(side: str | None) -> dict:
    return BUYS if side == "buys" else GLYPH


def _groups(board: Scoreboard) -> list[tuple[Side, list[tuple[int, ClaimRow]]]]:
    """[(side, [(row number, row)])]: the rows under the side of the trade they speak for."""
    numbered = list(enumerate(board.claims, 1))
    sides = board.sides or [Side(None, "", "", "")]
    return [(side, [(n, row) for n, row in numbered if row.side == side.side]) for side in sides]


def _table(board: Scoreboard, label_key: str, words: bool) -> Table:
    # Numbered rows are for 80 columns: no padding at the table's edges, so row 10 and on fit too.
    table = Table(title="Does the claim hold? (this run)", box=box.SIMPLE_HEAVY,
                  padding=(0, 1) if label_key == "scenario" else (0, 1, 0, 0), show_edge=label_key == "scenario")
    table.add_column("claim" if label_key == "scenario" else "#", no_wrap=True)
    for s in board.systems:
        table.add_column(s.short, justify="center", no_wrap=True, min_width=len(s.short))
    for k, (side, rows) in enumerate(_groups(board)):
        if k:
            table.add_section()  # a rule between the sides
        if side.title and label_key == "scenario":  # numbered: the list under the table says
            table.add_row(f"[bold]{escape(side.title)}[/]", *[""] * len(board.systems))
        for n, row in rows:
            cells = []
            for s in board.systems:
                c = row.cells[s.id]
                glyph, style = _glyphs(row.side)[c.verdict]
                text = f"{glyph} {c.verdict}" if words else glyph
                cells.append(f"[{style}]{escape(text)}[/]" + ("[red]![/]" if c.drift else ""))
            table.add_row(row.scenario if label_key == "scenario" else str(n), *cells)
    return table


def scoreboard(con: Console, board: Scoreboard, evidence: bool = True) -> None:
    from lab.views.render import _natural_width
    for label_key in ("scenario", "number"):
        table = _table(board, label_key, words=False)
        if _natural_width(table) <= con.width:
            break
    con.print(table)
    if label_key == "number":
        for side, rows in _groups(board):
            if side.title:
                con.print(f"[bold]{escape(side.title)}[/]")
            for n, row in rows:
                con.print(f"[dim]{n}[/] {escape(row.scenario)}: {escape(row.claim)}")
    shown = {c.verdict for c in board.cells()}
    graded = ("holds", "partly", "does-not-hold")
    for side, _ in _groups(board):  # "holds" means what the claim says was measured, cost or benefit
        if side.title:
            glyphs = _glyphs(side.side)
            con.print(f"{escape(side.rows)}: " + " ".join(
                f"[{glyphs[v][1]}]{glyphs[v][0]}[/] {v}" + (f" ({escape(side.holds)})" if v == "holds" else "")
                for v in graded))
    con.print("  ".join(f"[{style}]{glyph}[/] {verdict}" for verdict, (glyph, style) in GLYPH.items()
                        if (verdict != "error" or verdict in shown)  # error: a spec's rule raised
                        and not (board.sides and verdict in graded))
              + "  [red]![/] drift")
    con.print("[dim]" + "  ".join(f"{s.short}={s.id}" for s in board.systems) + "[/]")
    if board.versions:
        con.print("[dim]versions: " + ", ".join(f"{k} {v}" for k, v in board.versions.items()) + "[/]")
    if not evidence:
        return
    for row in board.claims:
        con.rule(f"[bold]{escape(row.scenario)}[/]: {escape(row.claim)}", align="left")
        for s in board.systems:
            c = row.cells[s.id]
            glyph, style = _glyphs(row.side)[c.verdict]
            con.print(f"[{style}]{glyph} {s.id}: {c.verdict}[/] — {escape(c.evidence)}"
                      + (f" [dim]({escape(', '.join(c.runs))})[/]" if c.runs else ""))
    con.print(f"exit code {board.exit_code}")


def markdown(board: Scoreboard) -> str:
    """The scoreboard as a Markdown table plus each cell's evidence."""
    ids = [s.id for s in board.systems]
    lines = ["# Claims scoreboard", ""]
    for side, rows in _groups(board):
        if side.title:
            lines += [f"## {side.title}", "", f"On these rows, holds means {side.holds} for that system.", ""]
        lines += ["| claim | " + " | ".join(ids) + " |", "|---|" + "---|" * len(ids)]
        for _, row in rows:
            lines.append(f"| {row.scenario}: {row.claim} | " + " | ".join(row.cells[i].verdict for i in ids) + " |")
        lines.append("")
    lines += ["Versions: " + ", ".join(f"{k} {v}" for k, v in board.versions.items()), ""]
    lines += ["## Evidence", ""]
    for row in board.claims:
        lines += [f"### {row.scenario}", ""]
        lines += [f"- **{i}: {row.cells[i].verdict}**: {row.cells[i].evidence}" for i in ids]
        lines.append("")
    return "\n".join(lines)
