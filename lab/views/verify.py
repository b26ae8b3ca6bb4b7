"""`lab verify`: one row per (scenario, system variant), a column per quantity."""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compare.results import VerifyReport, VerifyRow


VERIFY_STYLE = {"pass": "green", "fail": "red", "drift": "yellow", "not differentiable": "cyan",
                "known wrong": "cyan"}


def _verify_cell(row: VerifyRow | None) -> str:
    if row is None:
        return "-"
    status = row.status
    style = VERIFY_STYLE.get(status, "yellow")
    label = {"not differentiable": "not diff."}.get(status, status)
    err = "" if row.max_abs_err is None else f" {row.max_abs_err:.0e}"
    return f"[{style}]{escape(label)}[/]{err}"


def _named(scenario: str, system: str, variant: str, short: bool = False) -> str:
    """`system role` ("jax-jit ported"), as every other view names a run; the JSON keeps ids."""
    from compare import systems
    from compare.discovery import get
    from lab.labels import role_in
    name = systems.get(system).short if short and system in systems.BY_ID else system
    try:
        return f"{name} {role_in(get(scenario), system, variant)}"
    except Exception:  # noqa: BLE001 - a spec that no longer loads: its ids still say which run
        return f"{name} {variant}"


def verify_table(con: Console, report: VerifyReport) -> None:
    """One row per (scenario, framework variant), one column per quantity: compact enough for
    80 columns; every row's detail is in --json and the JUnit file."""
    # The scenario heads its rows on a line of its own, so a row is one line at 80 columns, even
    # in a CI log with no terminal (rich's default width there).
    table = Table(title=f"lab verify on {report.device}", box=box.SIMPLE_HEAVY)
    for col in ("system / variant", "forward", "gradient", "lesson"):
        table.add_column(col, no_wrap=True, overflow="fold")
    tolerances = {}
    for name in report.scenarios:
        rows = report.rows(name)
        keys = list(dict.fromkeys((r.system, r.variant) for r in rows))
        table.add_row(f"[bold]{escape(name)}[/] [dim]({report.cases[name]} inputs)[/]", "", "", "")
        for fw, variant in keys:
            cells = {r.quantity.replace(" (pairwise)", ""): r for r in rows
                     if (r.system, r.variant) == (fw, variant)}
            for r in cells.values():
                if r.tolerance and r.quantity in ("forward", "gradient"):
                    tolerances.setdefault(name, {})[r.quantity] = r.tolerance
            if " vs " in fw:
                (fa, fb), (va, vb) = fw.split(" vs "), variant.split(" vs ")
                # Short system names: a pair stays one line at 80 columns.
                label = f"{_named(name, fa, va, short=True)} vs {_named(name, fb, vb, short=True)}"
            else:
                label = _named(name, fw, variant)
            if "all" in cells:  # the system did not run
                cells = {"forward": cells["all"], "gradient": cells["all"]}
            table.add_row("  " + escape(label), _verify_cell(cells.get("forward")),
                          _verify_cell(cells.get("gradient")), _verify_cell(cells.get("outcome")))
        table.add_section()
    con.print(table)
    for name, tol in tolerances.items():
        parts = [f"{q} rtol {t['rtol']:g} atol {t['atol']:g}" for q, t in tol.items()]
        con.print(f"[dim]{name}: {'; '.join(parts)} (pairwise: twice these)[/]")
    con.print("[dim]forward against the numpy reference, gradient against float64 central "
              "differences; 'lesson' checks a naive port still behaves as its lesson says[/]")
    notable = [r for r in report.results if r.status not in ("pass",)]
    for r in notable:
        where = f"{r.scenario} / {r.system} / {r.variant} / {r.quantity}"
        err = "" if r.max_abs_err is None else f" (max abs err {r.max_abs_err:.3g}" + (
            f"; rtol {r.tolerance['rtol']:g}, atol {r.tolerance['atol']:g})" if r.tolerance else ")")
        con.print(f"[{VERIFY_STYLE.get(r.status, 'yellow')}]{r.status.upper()}[/] {escape(where)}{err}: "
                  f"{escape(r.detail or '')}", markup=True, highlight=False)
    con.print(f"exit code {report.exit_code}")
