"""`lab claims`: the scoreboard as a rich table that fits 80 columns, then each cell's evidence."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# A glyph and a colour per verdict; the legend under the table spells them out.
GLYPH = {"holds": ("●", "red"), "partly": ("◐", "yellow"), "does-not-hold": ("○", "green"),
         "not-applicable": ("·", "dim"), "unavailable": ("?", "magenta"), "error": ("✗", "bold red")}


def _table(board: dict, label_key: str, words: bool) -> Table:
    table = Table(title="Does the claim hold? (this run)", box=box.SIMPLE_HEAVY,
                  padding=(0, 1) if label_key == "scenario" else (0, 1, 0, 0))
    table.add_column("claim" if label_key == "scenario" else "#", no_wrap=True)
    for s in board["systems"]:
        table.add_column(s["short"], justify="center", no_wrap=True, min_width=len(s["short"]))
    for n, row in enumerate(board["claims"], 1):
        cells = []
        for s in board["systems"]:
            verdict = row["cells"][s["id"]]["verdict"]
            glyph, style = GLYPH[verdict]
            text = f"{glyph} {verdict}" if words else glyph
            cells.append(f"[{style}]{escape(text)}[/]" + ("[red]![/]" if row["cells"][s["id"]]["drift"] else ""))
        table.add_row(row["scenario"] if label_key == "scenario" else str(n), *cells)
    return table


def scoreboard(con: Console, board: dict, evidence: bool = True) -> None:
    from lab.views.render import _natural_width
    for label_key in ("scenario", "number"):
        table = _table(board, label_key, words=False)
        if _natural_width(table) <= con.width:
            break
    con.print(table)
    if label_key == "number":
        for n, row in enumerate(board["claims"], 1):
            con.print(f"[dim]{n}[/] {escape(row['scenario'])}: {escape(row['claim'])}")
    shown = {c["verdict"] for row in board["claims"] for c in row["cells"].values()}
    con.print("  ".join(f"[{style}]{glyph}[/] {verdict}" for verdict, (glyph, style) in GLYPH.items()
                        if verdict != "error" or verdict in shown)  # error: a spec's rule raised
              + "  [red]![/] drift")
    con.print("[dim]" + "  ".join(f"{s['short']}={s['id']}" for s in board["systems"]) + "[/]")
    if board.get("versions"):
        con.print("[dim]versions: " + ", ".join(f"{k} {v}" for k, v in board["versions"].items()) + "[/]")
    if not evidence:
        return
    for row in board["claims"]:
        con.rule(f"[bold]{escape(row['scenario'])}[/]: {escape(row['claim'])}", align="left")
        for s in board["systems"]:
            c = row["cells"][s["id"]]
            glyph, style = GLYPH[c["verdict"]]
            con.print(f"[{style}]{glyph} {s['id']}: {c['verdict']}[/] — {escape(c['evidence'])}"
                      + (f" [dim]({escape(', '.join(c['runs']))})[/]" if c["runs"] else ""))
    con.print(f"exit code {board['exit_code']}")


def markdown(board: dict) -> str:
    """The scoreboard as a Markdown table plus each cell's evidence."""
    ids = [s["id"] for s in board["systems"]]
    lines = ["# Claims scoreboard", "",
             "| claim | " + " | ".join(ids) + " |", "|---|" + "---|" * len(ids)]
    for row in board["claims"]:
        lines.append(f"| {row['scenario']}: {row['claim']} | "
                     + " | ".join(row["cells"][i]["verdict"] for i in ids) + " |")
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in board.get("versions", {}).items()), ""]
    for row in board["claims"]:
        lines += [f"## {row['scenario']}", ""]
        lines += [f"- **{i}: {row['cells'][i]['verdict']}**: {row['cells'][i]['evidence']}" for i in ids]
        lines.append("")
    return "\n".join(lines)
