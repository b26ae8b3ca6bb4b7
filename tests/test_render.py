"""The results table picks the widest layout that fits, so no cell is cut at any terminal width."""
import os

import pytest

from _docs import typed
from compare.results import Frame
from compare.systems import get as system
from lab.views import render
from lab.labels import run_label


def _console(width):
    return render.console(width=width, no_color=True, record=True, file=open(os.devnull, "w"))


@pytest.mark.parametrize("width", [80, 100, 120, 160, 240])
@pytest.mark.parametrize("name", ["control-flow", "incremental-testing"])  # the longest variant names
def test_results_fit_without_cutting_cells(compare_doc, name, width):
    doc = typed(compare_doc(name))
    con = _console(width)
    render.results(con, doc)
    text = con.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    for run in doc.runs:
        short = system(run.system).short  # the legend's short names at 80 columns
        assert run_label(run) in text or run_label(run, short) in text


def test_wide_terminal_shows_where_errors_point(compare_doc):
    doc = typed(compare_doc("control-flow"))
    con = _console(240)
    con.print(render.results_table(doc, con))
    text = con.export_text()
    assert "points to" in text and "static_impl/jax/control_flow.py:21" in text


def test_printed_outputs_side_by_side(compare_doc):
    """incremental-testing shows what each framework printed on each call, not just counts: the
    whole first line of each call (the symbolic `Tensor(`/`JitTracer(` against concrete values is
    the lesson), folded in its column at any width, never cut with an ellipsis."""
    doc = typed(compare_doc("incremental-testing"))
    cells = {(r.system, r.variant): render._printed_cell(r).plain.split("\n")
             for r in doc.runs if "print_counts" in r.extra}
    tf, jx, torch = (cells[s, "with_print"] for s in ("tf-function", "jax-jit", "torch-eager"))
    assert tf[0].startswith("1: h1: Tensor(") and tf[1:] == ["2: (nothing)", "3: (nothing)"]
    assert tf[0].rstrip().endswith(")")  # the whole repr, dtype included
    assert jx[0].startswith("1: h1: JitTracer(") and jx[1:] == ["2: (nothing)", "3: (nothing)"]
    assert all(cell.startswith(f"{i}: h1: tensor([[") for i, cell in enumerate(torch, 1))
    first = [cells[s, "with_assert"][0] for s in ("tf-function", "jax-jit", "torch-eager")]
    assert first[0].startswith("1: raised Operator") and first[1].startswith("1: raised TracerBool")
    assert first[2] == "1: (nothing)"
    for width in (80, 200):
        con = _console(width)
        con.print(render.printed_table(doc, width))
        text = con.export_text()
        assert "⋯" not in text and "…" not in text
        assert max(len(line) for line in text.splitlines()) <= width
    assert "JitTracer(float32[4,8])" in text  # at 200 columns the repr fits on one row


def test_no_printed_table_where_nothing_inspects(compare_doc):
    assert render.printed_table(typed(compare_doc("control-flow")), 120) is None


def _panel_text(doc, full):
    con = _console(160)
    for panel in render.errors_panel(doc, full):
        con.print(panel)
    return con.export_text()


def test_traceback_panels_trim_and_full_shows_unfiltered(compare_doc):
    doc = typed(compare_doc("debug-bad-op"))
    (run,) = [r for r in doc.runs if (r.framework, r.variant) == ("jax", "shape_bug")]
    e = run.error
    assert e.unfiltered_len > e.filtered_len  # JAX filters its traceback
    short, full = _panel_text(doc, False), _panel_text(doc, True)
    assert "The same error with the framework's traceback filtering off" not in short
    assert f"filtering off ({e.unfiltered_len} frames)" in full
    # Every frame of the unfiltered traceback is listed in full mode.
    for frame in e.unfiltered_frames:
        assert f"{frame.file}:{frame.line}" in full
    # Trimmed mode keeps the user's line, the innermost frames, and says how many it hid.
    assert "static_impl/jax/debug_bad_op.py:22" in short


def test_informative_frames_keep_the_user_line():
    kinds = {"u": "user", "f": "framework"}
    for pattern, expected in [("fffuff", "3uff"), ("ffufffffffffff", "2u6fffff"), ("ffffffffffff", "6ffffff"),
                              ("u", "u")]:
        frames = [Frame(origin=kinds[c], file="x.py", line=i, function="f", code="")
                  for i, c in enumerate(pattern)]
        shown = render._informative(frames)
        assert "".join(str(f) if isinstance(f, int) else f.origin[0] for f in shown) == expected


def test_every_system_renders(compare_doc):
    """All ten systems' runs draw without error (torch.export's graph report has no graph breaks)."""
    doc = typed(compare_doc("control-flow", "--systems", "all"))
    con = _console(200)
    render.results(con, doc)
    text = con.export_text()
    assert "the exported graph" in text and "torch._dynamo.explain" in text
    for run in doc.runs:
        assert run_label(run) in text


def test_runs_are_named_by_role_and_expected_failures_are_marked(compare_doc):
    """No "torch-eager eager" or "jax-jit static": the eager code is "as written", a static
    system's hand port is "ported"; a failure the lesson expects is marked, and an errored run
    shows no error value (it compared nothing that counts)."""
    doc = typed(compare_doc("control-flow"))
    con = _console(160)
    con.print(render.results_table(doc, con))
    text = con.export_text()
    assert "torch-eager eager" not in text and "jax-jit static" not in text
    assert "torch-eager as written" in text and "jax-jit ported" in text and "jax-jit as written" in text
    naive = next(r for r in doc.runs if r.system == "jax-jit" and r.function == "naive")
    assert naive.status == "error" and naive.expected["status"] == "error"
    row = next(line for line in text.splitlines() if "jax-jit as written" in line)
    assert "TracerBoolConversionError*" in row and "e-" not in row and "e+" not in row
    assert "* expected: the lesson says this version fails this way" in text
