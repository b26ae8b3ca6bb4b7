"""`lab doctor`: each framework's probe as a table, and how to fix what is missing."""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from compare.results import DoctorReport
from lab.views.render import STATUS_STYLE
from lab.verdicts import fmt_s


def doctor_table(report: DoctorReport) -> Group:
    table = Table(title=f"lab doctor (Python {report.python}; NVIDIA GPUs: "
                        f"{', '.join(report.nvidia_gpus) or 'none'})", box=box.SIMPLE_HEAVY)
    for col in ("framework", "status", "version", "devices seen", "threads (intra/inter)", "import"):
        table.add_column(col, overflow="fold")
    fixes = []
    for row in report.frameworks:
        style = STATUS_STYLE.get(row.status, "white")
        threads = row.threads or {}
        table.add_row(row.framework, f"[{style}]{row.status}[/]", row.version or "-",
                      ", ".join(row.devices or []) or "-",
                      f"{threads.get('intra_op', '-')}/{threads.get('inter_op', '-')}",
                      fmt_s(row.import_s) if row.import_s else "-")
        if row.install:
            fixes.append(escape(f"{row.framework}: {row.reason or row.status}\n  install: {row.install}"))
    parts = [table]
    if fixes:
        parts.append(Panel("\n".join(fixes), title="To fix", border_style="yellow"))
    return Group(*parts)
