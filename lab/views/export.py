"""Every output format the lab writes, in one table keyed by file suffix (`FORMATS`).

The commands look formats up here: `lab compare --export`, `lab report`'s files, `lab claims
--export`, `lab verify --junit-xml`, and the notebook results' `.save()`. `.html` is the web page (lab.views.web), `.terminal.html` and `.svg` are what the terminal
showed (a recording rich console), the rest is drawn from the data.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from lab.strict_json import dumps
from lab import atomic
from lab.errors import LabError
from lab.scoreboard import Scoreboard
from lab.verdicts import fmt_s

if TYPE_CHECKING:
    from compare.results import CompareDoc


def markdown(doc: CompareDoc) -> str:
    out = [f"# {doc.scenario}: {doc.title}", "", f"**Claim tested:** {doc.claim}", "",
           doc.lesson, ""]
    for fw, info in doc.code.items():
        c = info["counts"]
        out += [f"## {fw}: `{info['file']}` ({c['lines']} lines, {c['tokens']} tokens)", "",
                "```python", info["source"].rstrip(), "```", ""]
    out += [f"## Runs on {doc.device} (rtol={doc.tolerances['rtol']:g}, "
            f"atol={doc.tolerances['atol']:g})", "",
            "| run | mode | status | points to | max abs err | first call | steady (median ± IQR) | compiles |",
            "|---|---|---|---|---|---|---|---|"]
    for run in doc.runs:
        t, e = run.timing, run.error
        where = f"{e.innermost_user.file}:{e.innermost_user.line}" if e and e.innermost_user else ""
        status = f"error: {e.type}" if e else run.status
        steady = (f"{fmt_s(t.steady_median_s)} ± {fmt_s(t.split.get('steady_iqr_s'))}"
                  if t.steady_median_s is not None else "-")
        err = run.max_abs_err
        out.append(f"| {run.system} {run.variant} | {run.mode_name} | "
                   f"{status} | {where} | {'-' if err is None else f'{err:.1e}'} | "
                   f"{fmt_s(t.first_call_s) if t.first_call_s else '-'} | {steady} | "
                   f"{'-' if run.compiles is None else run.compiles} |")
    out += ["", "## What this run showed", ""] + [f"- {v}" for v in doc.verdicts or []]
    env = doc.environment
    out += ["", "## Environment", "",
            f"- versions: {', '.join(f'{k} {v}' for k, v in doc.versions.items())}",
            f"- Python {env.get('python')}, CPU: {env.get('cpu')} ({env.get('cpu_count')} cores)",
            f"- threads: {env.get('threads_requested')} per framework; device used: {env.get('device_used')}",
            f"- timing policy: {dumps(env.get('timing_policy'), indent=None)}", ""]
    return "\n".join(out)


@dataclass
class Output:
    """What a format may draw on. `command` is compare (one document), report (several), claims
    (the scoreboard and the documents it was graded from) or verify."""
    command: str
    docs: list = field(default_factory=list)  # CompareDocs (compare/results.py)
    con: Any = None                            # a recording console: what the terminal showed
    claims: Scoreboard | None = None           # the claims scoreboard (lab.claims.grade), if any
    verify: Any = None                         # the VerifyReport (compare/results.py)
    skipped: list = field(default_factory=list)  # broken specs left out of a report, one line each
    logs: bool = True                          # the .json keeps what the workers printed


@dataclass(frozen=True)
class Format:
    suffix: str
    name: str
    commands: tuple[str, ...]  # which commands write it
    screen: bool               # needs the recording console (not available with --json)
    render: Callable[[Output], str | bytes]  # the file's whole content, written atomically


def terminal_view(docs: list, *, no_color: bool = False, width: int = 160):
    """A recording console holding what `lab compare` shows for each document (whole tracebacks),
    then the environment; nothing reaches the terminal (.terminal.html and .svg are drawn from it)."""
    import io
    from lab.views import render
    from lab.views.lesson import panel
    con = render.console(no_color=no_color, record=True, width=width, file=io.StringIO())
    for doc in docs:
        con.rule(f"[bold]{doc.scenario}[/]")
        panel(con, doc.scenario, doc.title, doc.claim, doc.lesson)  # as the spec said it: no spec loaded again
        render.code(con, doc.code)
        render.results(con, doc, full_traceback=True)
    if docs:
        con.rule("[bold]Environment[/]")
        con.print_json(data=docs[0].environment)
    return con


def page_systems(docs: list) -> list[dict]:
    """{"id", "label"} of the systems these documents ran, in the registry's order."""
    from compare.systems import SYSTEMS
    ran = {s for doc in docs for s in doc.systems}
    return [{"id": s.id, "label": s.label} for s in SYSTEMS if s.id in ran]


def scoreboard(docs: list, specs: list = ()) -> Scoreboard | None:
    """The claims scoreboard (`lab claims`) of these runs, graded with the specs already loaded;
    None where this lab has no grader."""
    try:
        from lab.claims import grade
    except ImportError:
        return None
    return grade(docs, specs)


def web_page(docs: list, claims: Scoreboard | None = None) -> str:
    from lab.views.web.page import render_page
    return render_page(docs, claims=claims, systems=page_systems(docs))


def _json(out: Output) -> str:
    if out.command == "claims":
        data = out.claims.to_dict()
    elif out.command == "verify":
        data = out.verify.to_dict()
    elif out.command == "compare":
        data = out.docs[0].to_dict(with_logs=out.logs)
    else:
        data = {"scenarios": [d.to_dict(with_logs=out.logs) for d in out.docs], **({"claims": out.claims.to_dict()} if out.claims else {}),
                "skipped": out.skipped}
    return dumps(data)


def _markdown(out: Output) -> str:
    if out.command == "claims":
        from lab.views.claims import markdown as board_markdown
        return board_markdown(out.claims)
    return "\n\n".join(markdown(doc) for doc in out.docs)


def _svg_format() -> str:
    """rich's SVG template without its @font-face rules, which load Fira Code from a CDN when the
    file is opened: the SVG falls back to the viewer's monospace font and needs no network."""
    from rich._export_format import CONSOLE_SVG_FORMAT
    return re.sub(r"@font-face \{\{.*?\}\}\s*", "", CONSOLE_SVG_FORMAT, flags=re.S)


def _svg(out: Output) -> str:
    title = f"lab compare {out.docs[0].scenario}" if out.command == "compare" else "lab report"
    return out.con.export_svg(title=title, clear=False, code_format=_svg_format())


def _png(out: Output) -> bytes:
    from lab.plot import png_bytes
    return png_bytes(out.docs[0])


def _junit(out: Output) -> str:
    from lab.views.junit import junit_xml
    return junit_xml(out.verify)


# Longest suffix first where one ends another (.terminal.html before .html).
FORMATS: dict[str, Format] = {f.suffix: f for f in (
    Format(".terminal.html", "what the terminal showed, as HTML (rich)", ("compare", "report"), True,
           lambda out: out.con.export_html(clear=False)),
    Format(".html", "the web page (lab.views.web)", ("compare", "report", "claims"), False,
           lambda out: web_page(out.docs, out.claims)),
    Format(".svg", "what the terminal showed, as SVG (rich)", ("compare",), True, _svg),
    Format(".md", "Markdown: lesson, code, runs, verdicts (claims: the scoreboard)", ("compare", "report", "claims"),
           False, _markdown),
    Format(".json", "the JSON document (--json)", ("compare", "report", "claims", "verify"), False, _json),
    Format(".png", "the charts (matplotlib)", ("compare",), False, _png),
    Format(".xml", "JUnit XML", ("verify",), False, _junit),
)}


def suffixes(command: str) -> tuple[str, ...]:
    """The endings a command can write, for options.writable."""
    return tuple(s for s, f in FORMATS.items() if command in f.commands)


def lookup(path: str, command: str = "compare") -> Format:
    """The format a file name asks for; a name that is only the ending counts too (terminal.html)."""
    lower = "." + os.path.basename(path).lower()
    for suffix in suffixes(command):
        if lower.endswith(suffix):
            return FORMATS[suffix]
    raise LabError(f"'{path}': unknown format. Valid endings: {', '.join(suffixes(command))}.")


def render(path: str, out: Output) -> str | bytes:
    """The content of the file `path` names (its format by its ending), not yet written."""
    return lookup(path, out.command).render(out)


def write(path: str, out: Output) -> None:
    atomic.write(path, render(path, out))


def save(con, doc, path: str, logs: bool = True, specs: list = ()) -> None:
    """`lab compare --export PATH`. `con` is the recording console (render.console(record=True));
    the web page gets the claims scoreboard of this one run, as `lab report` would (graded with the
    spec already loaded)."""
    fmt = lookup(path)
    claims = scoreboard([doc], specs) if fmt.suffix == ".html" else None
    write(path, Output("compare", docs=[doc], con=con, claims=claims, logs=logs))
