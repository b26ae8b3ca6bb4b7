"""Lecturer mode: the non-interactive demo, exports and report, checked through their files."""
import html
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from _docs import serving, typed
from conftest import ROOT, invoke
from lab.strict_json import loads_strict
from lab.verdicts import fmt_s

FAST = ["--frameworks", "jax,torch", "--repeats", "2"]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def html_text(path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return html.unescape("".join(parser.parts))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    paths = {ext: out / f"report.{ext}" for ext in ("html", "svg", "md", "json")}
    args = ["compare", "control-flow", *FAST, "--plot", str(out / "chart.png")]
    for path in paths.values():
        args += ["--export", str(path)]
    with serving():  # what the command writes and shows, from the shared run
        result = invoke(args, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    out.joinpath("terminal.txt").write_text(result.stdout)
    return paths, loads_strict(paths["json"].read_text()), out


def _shown_numbers(doc) -> list[str]:
    """Numbers as the terminal prints them, for the working runs."""
    nums = []
    for run in doc["runs"]:
        if run["status"] == "ok":
            nums += [fmt_s(run["timing"]["first_call_s"]), fmt_s(run["timing"]["steady_median_s"])]
    return nums


def test_json_export_is_the_run(exported):
    """The exported JSON is the run that was on screen: its variants, and every verdict the
    terminal printed, word for word."""
    _, doc, out = exported
    assert doc["scenario"] == "control-flow" and set(doc["frameworks"]) == {"jax", "torch"}
    assert [(r["framework"], r["variant"]) for r in doc["runs"]] == \
        [("jax", "naive"), ("jax", "static"), ("torch", "eager")]
    screen = " ".join(out.joinpath("terminal.txt").read_text().replace("│", " ").split())
    assert doc["verdicts"]
    for sentence in doc["verdicts"]:
        assert " ".join(sentence.split()) in screen, sentence


def test_html_export_has_code_and_this_runs_numbers(exported):
    paths, doc, _ = exported
    text = html_text(paths["html"])
    assert "lax.while_loop" in text and "def forward(x):" in text
    for number in _shown_numbers(doc):
        assert number in text, number


def test_svg_export_parses_and_has_the_numbers(exported):
    paths, doc, _ = exported
    root = ET.parse(paths["svg"]).getroot()
    assert root.tag.endswith("svg")
    text = html.unescape(" ".join(t for t in root.itertext())).replace("\u00a0", " ")
    assert "while_loop" in text
    assert fmt_s(doc["runs"][-1]["timing"]["steady_median_s"]) in text


def test_markdown_export(exported):
    paths, doc, _ = exported
    text = paths["md"].read_text()
    assert text.startswith("# control-flow")
    assert "```python" in text and "lax.while_loop" in text
    for number in _shown_numbers(doc):
        assert number in text
    assert re.search(r"\| jax-jit naive \| jax.jit \| error: TracerBoolConversionError \|", text)


def test_png_chart(exported):
    """The PNG holds the run's charts: one panel per chart with data, each with its series."""
    from lab.charts import first_vs_steady, per_call_series
    from lab.plot import DPI, PANEL_SIZE, figure
    _, data, out = exported
    doc = typed(data)  # the exported JSON, read back as the session returned it
    data = (out / "chart.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # control-flow makes 3 calls, too few for a per-call curve: the first-vs-steady panel only.
    bars = first_vs_steady(doc)
    assert per_call_series(doc) == [] and [b["label"] for b in bars] == ["jax-jit ported", "torch-eager as written"]
    import matplotlib.image
    height, width, _ = matplotlib.image.imread(str(out / "chart.png")).shape
    assert (width, height) == (round(PANEL_SIZE[0] * DPI), round(PANEL_SIZE[1] * DPI))
    fig = figure(doc)
    (ax,) = fig.axes
    assert len(ax.containers) == 2  # first call, steady median
    assert [len(c) for c in ax.containers] == [len(bars), len(bars)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [b["label"] for b in bars]
    widths = [[bar.get_width() for bar in c] for c in ax.containers]
    assert widths == [[b["first_s"] * 1e3 for b in bars], [b["steady_s"] * 1e3 for b in bars]]


def test_png_chart_of_many_calls_draws_one_line_per_run(compare_doc):
    """variable-length's 30 calls: a per-call panel with a line per run, beside the bars."""
    from lab.charts import first_vs_steady, per_call_series
    from lab.plot import figure
    doc = typed(compare_doc("variable-length"))
    series = per_call_series(doc)
    fig = figure(doc)
    per_call, bars = fig.axes
    assert len(per_call.get_lines()) == len(series) >= 5
    assert [list(line.get_xdata()) for line in per_call.get_lines()] == \
        [list(range(1, len(s["times"]) + 1)) for s in series]
    assert len(bars.containers) == 2 and len(bars.containers[0]) == len(first_vs_steady(doc))


def test_demo_runs_through_without_a_terminal():
    result = subprocess.run([sys.executable, "-m", "lab", "demo", "control-flow", "--auto", "0", *FAST],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env={**__import__("os").environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    steps = ["1. The lesson", "2. The code", "3. The live run", "4. The results", "5. Takeaway"]
    positions = [result.stdout.index(step) for step in steps]
    assert positions == sorted(positions)
    takeaway = re.sub(r"\s+", " ", result.stdout[positions[-1]:].replace("│", " "))
    assert "jax.jit did not convert the Python `if`" in takeaway
    assert "raised TracerBoolConversionError" in takeaway
    assert "lax.cond ×1 and lax.while_loop ×1" in takeaway
    assert "AutoGraph turned" not in takeaway  # tensorflow did not run


def test_report_writes_one_self_contained_page(tmp_path, served):
    result = invoke(["report", "--out", str(tmp_path), "control-flow", *FAST])
    assert result.exit_code == 0, result.stderr
    text = html_text(tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert "<script src=" not in page and "<link " not in page  # nothing fetched from elsewhere
    assert "def naive(x):" in text and "TracerBoolConversionError" in text
    assert "Timing policy" in text  # the environment stamp
    doc = loads_strict((tmp_path / "report.json").read_text())["scenarios"][0]
    for number in _shown_numbers(doc):
        assert number in text


def test_demo_runs_every_scenario_and_plots_each(tmp_path):
    """`lab demo --auto 0 < /dev/null`: all scenarios in order, a PNG each, no colour codes."""
    from compare import discovery
    names = [s["name"] for s in discovery.summaries()[0]]
    result = subprocess.run([sys.executable, "-m", "lab", "demo", "--auto", "0", "--frameworks", "torch",
                             "--repeats", "2", "--plot", str(tmp_path / "chart.png")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT,
                            timeout=300, env={**__import__("os").environ, "COLUMNS": "80", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    positions = [result.stdout.index(f"{i}/{len(names)}  {name}") for i, name in enumerate(names, 1)]
    assert positions == sorted(positions)
    assert result.stdout.count("5. Takeaway") == len(names)
    assert "\x1b[" not in result.stdout
    # A full demo closes on the scoreboard, after the last scenario.
    assert result.stdout.index("The scoreboard: does each claim hold?") > positions[-1]
    assert "eager=torch-eager" in result.stdout
    for name in names:
        assert (tmp_path / f"chart-{name}.png").read_bytes()[:4] == b"\x89PNG"
