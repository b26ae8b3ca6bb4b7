"""`lab.diff(...)` in a notebook: the eager code and each static version, function by function,
as HTML tables in the page's style (the terminal's is lab/views/diff.py)."""
from __future__ import annotations

import html

from compare import systems as registry
from compare.diff import DiffView
from lab.views.web.code import highlight_lines
from lab.views.web.page import _css

DIFF_CSS = """
.lab-report .lab-dtable { table-layout: fixed; }
.lab-report .lab-dtable td, .lab-report .lab-dtable th { padding: 0.05em 0.5em; border-bottom: 0; }
.lab-report .lab-dtable tbody tr:nth-child(even) { background: transparent; }
.lab-report .lab-dtable .lab-dmark { width: 1.6em; text-align: center; font-weight: 700; color: var(--lab-muted); }
.lab-report .lab-dtable .lab-dcell { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.8em;
  border-left: 5px solid transparent; }
.lab-report .lab-dtable .lab-line { border-left: 0; }
.lab-report .lab-dtable .lab-old { background: var(--lab-err-bg); }
"""
MARK = {"same": "", "changed": "~", "added": "+", "removed": "-"}



def _cell(side: tuple[int, str] | None, lines: list[str], cls: str) -> str:
    if not side:
        return f'<td class="lab-dcell {cls}"></td>'
    n, text = side
    code = lines[n - 1] if 0 < n <= len(lines) else html.escape(text)
    return (f'<td class="lab-dcell {cls}"><span class="lab-line"><span class="lab-ln">{n}</span>'
            f'<span class="lab-tx">{code}</span></span></td>')


def diff_html(v: DiffView, sources: dict[str, str], section_id: str) -> str:
    """`sources`: file -> source, for the syntax colouring."""
    def lines_of(file: str) -> list[str]:
        return highlight_lines(sources.get(file, ""))
    eager_label = registry.get(v.eager_system).label
    eager_lines = lines_of(v.eager_file)
    out = [f'<div class="lab-report"><style>{_css()}{DIFF_CSS}</style><div class="lab-root">',
           f'<main class="lab-main"><section class="lab-section lab-diff" id="{section_id}">',
           f'<p class="lab-kicker">lab diff {html.escape(v.scenario)}</p>']
    for system, info in v.systems.items():
        label = registry.get(system).label
        lines = lines_of(info.file)
        out.append(f'<h3>{html.escape(v.eager_file)} ↔ {html.escape(info.file)} '
                   f'<span class="lab-note">({html.escape(label)})</span></h3>')
        for fn in info.functions:
            n = fn.changed
            note = "" if fn.in_eager else " (no eager counterpart)"
            out.append(f'<h4><code>{html.escape(fn.function)}</code>: {n} line{"s" if n != 1 else ""} '
                       f'changed or added{note}</h4>')
            out.append('<div class="lab-scroll"><table class="lab-table lab-dtable"><thead><tr>'
                       f'<th class="lab-dmark"></th><th>{html.escape(eager_label)}</th>'
                       f'<th>{html.escape(label)}</th></tr></thead><tbody>')
            for row in fn.rows:
                tag = row.tag
                old = "lab-old" if tag in ("changed", "removed") else ""
                new = "lab-chg" if tag in ("changed", "added") else ""
                out.append(f'<tr class="lab-d-{tag}"><td class="lab-dmark">{MARK.get(tag, "")}</td>'
                           + _cell(row.eager, eager_lines, old)
                           + _cell(row.static, lines, new) + "</tr>")
            out.append("</tbody></table></div>")
    out.append('<p class="lab-note">~ changed, + only in the static version, - only in eager; framework '
               "namespaces (torch./tf./jnp.) are not counted as changes.</p>")
    out.append("</section></main></div></div>")
    return "\n".join(out)
