"""What a person sees in the terminal: code panels side by side in equal columns from 160 columns,
stacked below, no code line ever cut (long lines wrap onto rows marked with the continuation mark),
and a progress clock that ticks on its own. No worker runs."""

import os
import re

import pytest

from compare import systems
from compare.discovery import get
from conftest import SCENARIOS
from lab import session
from lab.views import render


def _files(name: str) -> dict:
    return session.code_view(get(name), list(systems.DEFAULT))


def _render(name: str, width: int) -> list[str]:
    con = render.console(width=width, no_color=True, record=True, file=open(os.devnull, "w"))
    render.code(con, _files(name))
    return con.export_text().splitlines()


def _panel_widths(top_line: str) -> list[int]:
    """The widths of the panels whose top borders start on this screen row."""
    return [len(m) for m in re.findall(r"╭[^╮]*╮", top_line)]


@pytest.mark.parametrize("width, side_by_side", [(80, False), (159, False), (160, True), (200, True)])
def test_panels_share_the_width_from_160_columns(width, side_by_side):
    lines = _render("control-flow", width)
    for info in _files("control-flow").values():  # each panel's title names its whole file path
        assert any(info["file"] in line for line in lines if "╭" in line), (width, info["file"])
    assert max(len(line) for line in lines) <= width
    tops = [line for line in lines if "╭" in line]
    panels = len(_files("control-flow"))
    if side_by_side:
        widths = _panel_widths(tops[0])
        assert len(widths) == panels  # all on one row, none below
        assert max(widths) - min(widths) <= 1 and sum(widths) >= width - panels
    else:
        assert [len(_panel_widths(t)) for t in tops] == [1] * panels
        assert all(_panel_widths(t)[0] == width for t in tops)


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("width", [80, 200])
def test_no_code_line_is_cut(name, width):
    """Every character of every file is on screen: joining a line's rows gives the line back."""
    for info in _files(name).values():
        panel_w = width // len(_files(name)) if width >= render.SIDE_BY_SIDE_MIN_WIDTH else width
        text = render.code_text(info["source"], set(), panel_w - 4)
        rebuilt, rows = [], text.plain.split("\n")
        gutter = len(str(len(info["source"].splitlines())))
        for row in rows:
            assert len(row) <= panel_w - 4
            head, body = row[:gutter], row[gutter + 2:]
            if head.strip() == render.CONTINUED:
                rebuilt[-1] += body
            else:
                rebuilt.append(body)
        expected = [line.expandtabs() for line in info["source"].splitlines()]
        assert [r.rstrip() for r in rebuilt] == [e.rstrip() for e in expected]


def test_long_lines_wrap_with_the_mark_at_80_columns():
    # At 80 columns variable-length's jax port showed `... else np` and a comment cut at
    # "one compil": the ends of those lines are now on a continuation row.
    source = _files("variable-length")["jax-jit"]["source"]
    rows = render.code_text(source, set(), 76).plain.split("\n")
    continued = [row for row in rows if row.lstrip().startswith(render.CONTINUED)]
    assert any("(np.asarray(a), widths)" in row for row in continued)
    assert any("not per length" in row for row in continued)


def test_progress_clock_ticks_without_worker_events():
    """`lab demo` showed `importing tensorflow 0.7 s` twice, 2 s apart: the board redrew only when a
    worker reported. Now it redraws on its own at least twice a second."""
    import io
    import time
    from rich.console import Console
    out = io.StringIO()
    con = Console(file=out, force_terminal=True, width=80, color_system=None)
    with render.ProgressBoard(con, ["tensorflow"]) as board:
        board.update("tensorflow", "importing", "tensorflow")
        time.sleep(1.3)  # no event in between
    clocks = set(re.findall(r"(\d+\.\d) s", out.getvalue()))
    assert len(clocks) >= 3, clocks
