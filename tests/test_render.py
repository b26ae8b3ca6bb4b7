"""The results table picks the widest layout that fits, so no cell is cut at any terminal width."""
import os

import pytest

from lab import render


def _console(width):
    return render.console(width=width, no_color=True, record=True, file=open(os.devnull, "w"))


@pytest.mark.parametrize("width", [80, 100, 120, 160, 240])
@pytest.mark.parametrize("name", ["control-flow", "incremental-testing"])  # the longest variant names
def test_results_fit_without_cutting_cells(compare_doc, name, width):
    doc = compare_doc(name)
    con = _console(width)
    render.results(con, doc)
    text = con.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for run in doc["runs"]:
        short = render.SHORT_FW.get(run["framework"], run["framework"])  # 'tf' at 80 columns
        assert f"{run['framework']} {run['variant']}" in text or f"{short} {run['variant']}" in text


def test_wide_terminal_shows_where_errors_point(compare_doc):
    doc = compare_doc("control-flow")
    con = _console(240)
    con.print(render.results_table(doc, con))
    text = con.export_text()
    assert "points to" in text and "static_impl/jax/control_flow.py:21" in text
