"""The terminal and the web page read one typed first-call split (`Run.first_call`) and one typed
graph report (`Run.graphs`), so every system's phases and graph breaks read the same in both (the
page once missed TF 1.x's Session and torch.compile's phases, and printed "? graph breaks" for
torch.export). Both views are drawn from the same typed document of every scenario, run in every
system."""
from __future__ import annotations

import dataclasses
import html
import io
import re

import pytest
from rich.console import Console

from _docs import typed
from compare.results import SPLIT_COLUMNS, Run
from compare.units import fmt_s
from conftest import SCENARIOS
from lab.labels import run_role

SPLIT_TITLE = "First call, split by the framework's own counters"
_views: dict = {}


def views(compare_doc, name: str) -> tuple:
    """(typed document, terminal text, page HTML unescaped) of `name` in every system, drawn once."""
    if name not in _views:
        from lab.views import render
        from lab.views.export import page_systems
        from lab.views.web import render_page
        doc = typed(compare_doc(name, "--systems", "all"))
        con = Console(width=400, record=True, color_system=None, file=io.StringIO())  # wide: no name folds
        render.results(con, doc)
        systems = page_systems([doc])
        _views[name] = (doc, con.export_text(), html.unescape(render_page([doc], systems=systems)),
                        {s["id"]: s["label"] for s in systems})
    return _views[name]


def _page_split_rows(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The page's first-call chart: (run label as drawn, [(phase names, time)]) per bar, in order."""
    found = re.search(r"<svg[^>]*>\s*<title>[^<]*" + re.escape(SPLIT_TITLE) + r"</title>(.*?)</svg>", page, re.S)
    if not found:
        return []
    rows = []
    for label, tip in re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>|<title>([^<]*)</title>', found.group(1)):
        if label:
            rows.append((label, []))
        elif tip:
            rows[-1][1].append(tuple(tip.rsplit(": ", 1)))
    return rows


def _terminal_row(terminal: str, run: Run, first_s: float) -> str:
    table = terminal[terminal.index(SPLIT_TITLE):]
    return next(line for line in table.splitlines()
                if line.strip().startswith(f"{run.system} {run_role(run)} ") and fmt_s(first_s) in line)


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_phases_in_terminal_and_page(compare_doc, name):
    from lab.views.web.svg import _clip_label
    doc, terminal, page, labels = views(compare_doc, name)
    split = [r for r in sorted(doc.runs, key=lambda r: list(labels).index(r.system)) if r.first_call]
    drawn = _page_split_rows(page)
    assert len(drawn) == len(split), (name, [x for x, _ in drawn])
    for run, (label, segments) in zip(split, drawn):
        first = run.first_call
        assert label == _clip_label(f"{labels[run.system]} {run_role(run)}")
        row = _terminal_row(terminal, run, first.first_s)
        cells = [fmt_s(first.first_s)] + [fmt_s(first.column(c)) if first.column(c) is not None else "-"
                                           for c in SPLIT_COLUMNS] + [fmt_s(first.rest_s)]
        assert re.search(r"\s+".join(map(re.escape, cells)) + r"\s*$", row), (run.system, cells, row)
        expected = [("+".join(p.name for p in first.phases if p.column == c), fmt_s(first.column(c)))
                    for c in SPLIT_COLUMNS if first.column(c) is not None]
        for p in first.phases:  # the system's own name for a phase, in the terminal's caption
            if p.name != p.column:
                assert f"{p.column} = {p.name}" in " ".join(terminal.split()), (run.system, p.name)
        if first.rest_s > 0:
            expected.append(("rest (run, optimise, other)", fmt_s(first.rest_s)))
        assert segments == expected, (run.system, run.variant)


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_graph_reports_in_terminal_and_page(compare_doc, name):
    """Each run's graph report (graphs and breaks, or the exported graph's nodes) in its own
    terminal panel and in its own row of the page's results, with as many break reasons."""
    doc, terminal, page, labels = views(compare_doc, name)
    flat = " ".join(terminal.split())
    table = re.search(r'<table class="lab-table lab-results">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td><code>(.*?)</code>(.*?)</tr>", table, re.S)
    runs = sorted(doc.runs, key=lambda r: list(labels).index(r.system))
    assert [(label, role) for label, role, _ in rows] == [(labels[r.system], run_role(r)) for r in runs]
    for run, (_, _, row) in zip(runs, rows):
        report = run.graphs
        notes = re.findall(r'<div class="lab-note">([^<]*(?:graph breaks|control-flow operators)[^<]*)</div>', row)
        assert notes == ([report.summary()] if report else []), (run.system, run.variant, notes)
        if report is None:
            continue
        assert report.graph_breaks is None or 0 <= report.graph_breaks < max(report.graphs, 1), report
        title = "torch._dynamo.explain" if report.has_breaks else "the exported graph"
        panel = re.escape(f"{run.system} {run_role(run)}: {title}") + r"[─ ]*╮ │ " + re.escape(report.summary())
        assert re.search(panel, flat), (run.system, run.variant, report.summary())
        head = re.escape(f"<summary>{labels[run.system]} {run_role(run)}: ")
        reasons = re.findall(head + r"(\d+) graph-break reason", page)
        assert [int(n) for n in reasons] == ([len(report.break_reasons)] if report.break_reasons else [])
    assert "? graph breaks" not in page and "None graph breaks" not in page


def test_every_capturing_system_has_named_phases(compare_doc):
    """Measured on the installed versions: each of these names its first call's phases."""
    doc = views(compare_doc, "control-flow")[0]
    runs = [r for r in doc.runs if r.first_call]
    assert {"tf1-graph", "tf-function", "jax-jit", "torch-compile", "torch-export"} <= {r.system for r in runs}
    names = {p.name for r in runs for p in r.first_call.phases}
    assert {"Session", "Dynamo tracing", "backend compile", "export"} <= names
    reports = [r.graphs for r in doc.runs if r.graphs]
    assert any(g.has_breaks for g in reports) and any(not g.has_breaks for g in reports)


def test_one_duration_format():
    # The page's own formatter once printed "1e+03 µs" for 999.6 µs.
    assert fmt_s(999.6e-6) == "999.6 µs"
    assert fmt_s(float("nan")) == "n/a"
    from lab.views.web import svg
    assert svg.fmt_s is fmt_s


@pytest.fixture(scope="module")
def bad_op(compare_doc):
    return compare_doc("debug-bad-op", "--systems", "all")


def test_tf_error_panels_carry_the_error(compare_doc):
    """TF's panels read `InvalidArgumentError: Graph execution error:`; the line that says what went
    wrong came 20 lines later, after the lab's own frames. Both views now show it."""
    doc, terminal, page, _ = views(compare_doc, "debug-bad-op")
    boxes = re.findall(r'<pre class="lab-msg">(.*?)</pre>', page, re.S)
    tf_runs = [r for r in doc.runs if r.framework == "tensorflow" and r.error
               and "Graph execution error" in r.error.message]
    assert tf_runs  # measured: TF 2.21 wraps the out-of-range gather this way, graph and tf.function
    assert "indices[3] = 12 is not in [0, 10)" in terminal
    assert any("Graph execution error" in b and "indices[3] = 12 is not in [0, 10)" in b for b in boxes)
    shown = [b for b in boxes if "Graph execution error" in b]
    assert not any("compare/harness.py" in b or "compare/worker.py" in b for b in shown)
    assert any("static_impl/tensorflow/debug_bad_op.py" in b for b in shown)  # the user's frame stays


def test_bug_line_chip_only_where_a_bug_line_exists(compare_doc):
    assert "points at the # BUG line" not in views(compare_doc, "control-flow")[2]  # control-flow: no BUG line
    assert "points at the # BUG line" in views(compare_doc, "debug-bad-op")[2]


def test_an_errored_run_shows_no_error_value_in_either_view():
    """`tf.fn value_bug error 5e-07`: a run that raised compared nothing that counts."""
    from lab.views.web import model
    run = Run(system="tf-function", framework="tensorflow", variant="value_bug", mode="static",
              mode_name="tf.function", function="value_bug", file="f.py", status="error", max_abs_err=5e-07)
    assert model.results_rows([run], {}, {})[0]["err"] == "–"
    assert model.results_rows([dataclasses.replace(run, status="ok")], {}, {})[0]["err"] == "5.0e-07"


def test_the_frame_a_panel_ends_on_is_the_one_that_raised(bad_op):
    """The error panel may leave frames out in the middle, never the innermost one: the last frame
    it shows is where the framework raised."""
    from lab.views import render
    for run in typed(bad_op).runs:
        e = run.error
        if not e or not e.frames:
            continue
        shown = [f for f in render._informative(e.frames) if not isinstance(f, int)]
        assert shown[-1] == e.frames[-1], (run.system, run.variant)
