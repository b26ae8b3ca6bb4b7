"""The terminal and the web page read one typed first-call split and one typed graph report, so
every system's phases and graph breaks read the same in both (the page once missed TF 1.x's
Session and torch.compile's phases, and printed "? graph breaks" for torch.export)."""
from __future__ import annotations

import html
import re

import pytest
from rich.console import Console

from compare.results import GraphReport, Timing
from compare.units import fmt_s
from lab.labels import run_label


@pytest.fixture(scope="module")
def doc(compare_doc):
    return compare_doc("control-flow", "--systems", "all")


@pytest.fixture(scope="module")
def terminal(doc):
    from lab.views import render
    con = Console(width=200, record=True, color_system=None)
    render.results(con, doc)
    return con.export_text()


@pytest.fixture(scope="module")
def page(doc):
    from lab.views.web import render_page
    return html.unescape(render_page([doc]))


def _split_runs(doc):
    return [(r, Timing.from_dict(r["timing"]).first_call_split()) for r in doc["runs"]
            if Timing.from_dict(r["timing"]).first_call_split() is not None]


def test_every_capturing_system_has_named_phases(doc):
    systems = {r["system"] for r, _ in _split_runs(doc)}
    # Measured on the installed versions: each of these names its first call's phases.
    assert {"tf1-graph", "tf-function", "jax-jit", "torch-compile", "torch-export"} <= systems
    names = {p.name for _, s in _split_runs(doc) for p in s.phases}
    assert {"Session", "Dynamo tracing", "backend compile", "export"} <= names


def test_same_phases_in_terminal_and_page(doc, terminal, page):
    tips = re.findall(r"<title>([^<]*): ([^<]*)</title>", page)
    for run, split in _split_runs(doc):
        table = terminal[terminal.index("First call, split by the framework's own counters"):]
        row = next(line for line in table.splitlines()
                   if line.strip().startswith(run_label(run) + " ")
                   and fmt_s(split.first_s) in line)
        for column in ("trace", "lower", "compile"):
            seconds = split.column(column)
            if seconds is not None:
                assert fmt_s(seconds) in row, (run["system"], column, row)
                names = "+".join(p.name for p in split.phases if p.column == column)
                assert (names, fmt_s(seconds)) in tips, (run["system"], names)
        assert fmt_s(split.rest_s) in row


def test_same_graph_reports_in_terminal_and_page(doc, terminal, page):
    reports = [(r, GraphReport.from_dict(r.get("graph_report"))) for r in doc["runs"]]
    reports = [(r, g) for r, g in reports if g is not None]
    assert any(g.has_breaks for _, g in reports) and any(not g.has_breaks for _, g in reports)
    for run, report in reports:
        assert report.summary() in terminal
        assert report.summary() in page
    assert "? graph breaks" not in page and "None graph breaks" not in page


def test_one_duration_format():
    # The page's own formatter once printed "1e+03 µs" for 999.6 µs.
    assert fmt_s(999.6e-6) == "999.6 µs"
    assert fmt_s(float("nan")) == "n/a"
    from lab.views.web import svg
    assert svg.fmt_s is fmt_s


@pytest.fixture(scope="module")
def bad_op(compare_doc):
    return compare_doc("debug-bad-op", "--systems", "all")


def test_tf_error_panels_carry_the_error(bad_op):
    """TF's panels read `InvalidArgumentError: Graph execution error:`; the line that says what went
    wrong came 20 lines later, after the lab's own frames. Both views now show it."""
    from lab.views import render
    from lab.views.web import render_page
    con = Console(width=120, record=True, color_system=None)
    for panel in render.errors_panel(bad_op):
        con.print(panel)
    terminal = con.export_text()
    page = html.unescape(render_page([bad_op]))
    boxes = re.findall(r'<pre class="lab-msg">(.*?)</pre>', page, re.S)
    tf_runs = [r for r in bad_op["runs"] if r["framework"] == "tensorflow" and r.get("error")
               and "Graph execution error" in r["error"]["message"]]
    assert tf_runs  # measured: TF 2.21 wraps the out-of-range gather this way, graph and tf.function
    assert "indices[3] = 12 is not in [0, 10)" in terminal
    assert any("Graph execution error" in b and "indices[3] = 12 is not in [0, 10)" in b for b in boxes)
    shown = [b for b in boxes if "Graph execution error" in b]
    assert not any("compare/harness.py" in b or "compare/worker.py" in b for b in shown)
    assert any("static_impl/tensorflow/debug_bad_op.py" in b for b in shown)  # the user's frame stays


def test_bug_line_chip_only_where_a_bug_line_exists(doc, bad_op):
    from lab.views.web import render_page
    assert "points at the # BUG line" not in html.unescape(render_page([doc]))  # control-flow: no BUG line
    assert "points at the # BUG line" in html.unescape(render_page([bad_op]))


def test_an_errored_run_shows_no_error_value_in_either_view():
    """`tf.fn value_bug error 5e-07`: a run that raised compared nothing that counts."""
    from lab.views.web import model
    run = {"system": "tf-function", "framework": "tensorflow", "variant": "value_bug", "function": "value_bug",
           "status": "error", "max_abs_err": 5e-07, "timing": {}, "error": None}
    assert model.results_rows([run], {}, {})[0]["err"] == "–"
    assert model.results_rows([dict(run, status="ok")], {}, {})[0]["err"] == "5.0e-07"


def test_the_frame_a_panel_ends_on_is_the_one_that_raised(bad_op):
    """The error panel may leave frames out in the middle, never the innermost one: the last frame
    it shows is where the framework raised."""
    from lab.views import render
    for run in bad_op["runs"]:
        e = run.get("error")
        if not e or not e["frames"]:
            continue
        shown = [f for f in render._informative(e["frames"]) if not isinstance(f, int)]
        assert shown[-1] == e["frames"][-1], (run["system"], run["variant"])
