"""The report as one self-contained HTML page: inline CSS and SVG, no scripts needed, no network.

render_page(docs, claims=None, systems=None, title=...) -> the whole document, from typed CompareDocs.
render_sections(...) -> the same content as one <div class="lab-report"> fragment (its stylesheet
scoped under that class), for a Jupyter `_repr_html_`.
render_scoreboard(claims) -> the scoreboard alone, as such a fragment (a notebook's closing cell).
Jinja2 is imported inside the functions so `import lab` stays fast; tensorflow, jax, torch and
rich are never imported here."""
from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

from lab.scoreboard import Scoreboard
from lab.views.web import model

if TYPE_CHECKING:
    from compare.results import CompareDoc

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TITLE = "The static-vs-dynamic graph lab"


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.ChainableUndefined)
    env.filters["prose"] = _prose
    return env


_BACKTICKED = re.compile(r"`([^`\n]+)`")


def _prose(text) -> "Markup":
    """A sentence of the lab's (lesson, verdict, evidence) as HTML: escaped, its `code` spans
    set as <code> rather than shown with their backticks."""
    from markupsafe import Markup, escape
    return Markup(_BACKTICKED.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text or ""))))


@functools.lru_cache(maxsize=1)
def _css() -> str:
    with open(os.path.join(HERE, "style.css"), encoding="utf-8") as f:
        return f.read()


def _scenario_or_note(doc: CompareDoc, systems, sid) -> dict:
    try:
        return model.scenario(doc, systems, sid)
    except Exception as exc:  # a scenario's document that breaks its section must not take the whole page down
        return {"id": sid, "name": doc.scenario or "scenario", "title": doc.title, "claim": doc.claim,
                "lesson": "", "broken": f"{type(exc).__name__}: {exc}"}


def context(docs: list[CompareDoc], claims: dict | None = None, systems: list[dict] | None = None,
            title: str = DEFAULT_TITLE, id_prefix: str = "lab-") -> dict:
    """Everything the templates print, as plain data (useful for tests and other renderers)."""
    from markupsafe import Markup
    given = model.board_systems(claims) or systems
    order = model.system_order(docs, given)
    sections, used = [], set()
    for i, doc in enumerate(docs):
        base = id_prefix + model.slug(doc.scenario or f"scenario-{i + 1}")
        sid, k = base, 2
        while sid in used:
            sid, k = f"{base}-{k}", k + 1
        used.add(sid)
        sec = _scenario_or_note(doc, order, sid)
        for chart in sec.get("charts", []):
            chart["svg"] = Markup(chart["svg"])  # built by lab.views.web.svg, which escapes every text it draws
        for col in sec.get("code", []):
            for line in col["lines"]:
                line["html"] = Markup(line["html"])  # escaped token by token in lab.views.web.code
        sections.append(sec)
    by_scenario = {}
    for sec in sections:
        by_scenario.setdefault(sec["name"], "#" + sec["id"])
    versions = model.environment(docs)
    return {"title": title, "prefix": id_prefix, "css": Markup(_css()), "systems": order,
            "scoreboard": model.scoreboard(claims, order, by_scenario) if claims is not None else None,
            "sections": sections, "env": versions,
            "devices": sorted({x.device for x in docs if x.device})}


def render_sections(docs: list[CompareDoc], claims: dict | None = None, systems: list[dict] | None = None,
                    title: str = DEFAULT_TITLE, id_prefix: str = "lab-", summary: bool = True) -> str:
    """The report body: one <div class="lab-report"> with its own scoped <style>. `summary=False`
    leaves out the summary of takeaways (a notebook's one scenario shows them in its section)."""
    return _environment().get_template("report.html.j2").render(
        **context(docs, claims, systems, title, id_prefix), summary=summary)


def render_scoreboard(claims: Scoreboard, systems: list[dict] | None = None, id_prefix: str = "lab-") -> str:
    """The scoreboard alone, for a notebook whose cells already showed the runs it grades."""
    from markupsafe import Markup
    order = model.system_order([], model.board_systems(claims) or systems)
    return _environment().get_template("scoreboard.html.j2").render(
        css=Markup(_css()), prefix=id_prefix, scoreboard=model.scoreboard(claims, order, {}))


def render_page(docs: list[CompareDoc], claims: dict | None = None, systems: list[dict] | None = None,
                title: str = DEFAULT_TITLE) -> str:
    """A whole, self-contained HTML document."""
    from markupsafe import Markup
    body = render_sections(docs, claims, systems, title)
    return _environment().get_template("page.html.j2").render(title=title, body=Markup(body))
