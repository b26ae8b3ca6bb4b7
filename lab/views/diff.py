"""`lab diff`: the eager code and each static version, function by function."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compare import systems as registry
from compare.diff import DiffView

DIFF_STYLE = {"same": "dim", "changed": "yellow", "added": "green", "removed": "red"}
DIFF_MARK = {"same": " ", "changed": "~", "added": "+", "removed": "-"}


def _numbered(line: tuple[int, str] | None, style: str) -> Text:
    return Text(f"{line[0]:>3} {line[1]}", style=style) if line else Text("")


def diff_view(con: Console, view: DiffView) -> None:
    """`lab diff`: eager on the left, the static version on the right, one table per function."""
    for system, info in view.systems.items():
        con.rule(f"[bold]{view.eager_file}  ↔  {info.file}[/] ({system})")
        for fn in info.functions:
            title = (f"{fn.function}: {fn.changed} line{'s' if fn.changed != 1 else ''} "
                     "changed or added" + ("" if fn.in_eager else " (no eager counterpart)"))
            table = Table(title=title, box=box.SIMPLE, expand=True, show_edge=False)
            table.add_column("", width=1, no_wrap=True)
            table.add_column(registry.get(view.eager_system).label, ratio=1, overflow="fold")
            table.add_column(registry.get(system).label, ratio=1, overflow="fold")
            for row in fn.rows:
                tag = row.tag
                eager = _numbered(row.eager, "dim" if tag == "same" else "red")
                static = _numbered(row.static, DIFF_STYLE[tag])
                table.add_row(Text(DIFF_MARK[tag], DIFF_STYLE[tag]), eager, static)
            con.print(table)
    con.print("[dim]~ changed  + only in the static version  - only in eager; framework namespaces "
              "(torch./tf./jnp.) are not counted as changes[/]")
