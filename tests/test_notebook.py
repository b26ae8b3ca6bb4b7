"""docs/lecture.ipynb runs top to bottom in a kernel of this interpreter: no cell raises, each
scenario's section has a Predict cell and shows the lesson, the code and the takeaways once, the
closing cell is the scoreboard alone, and the kernel never imports a framework."""
from __future__ import annotations

import json
import re
import sys

import pytest

from conftest import ROOT, SCENARIOS

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs the test extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs the test extra: pip install -e '.[test]'")
pytest.importorskip("ipykernel", reason="the notebook test needs the test extra: pip install -e '.[test]'")

NOTEBOOK = ROOT / "docs" / "lecture.ipynb"
KERNEL = "lab-test-python"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after running it, in a kernel started from sys.executable: a kernelspec made
    here, so it works in a fresh clone whatever kernels the machine has installed."""
    data = tmp_path_factory.mktemp("jupyter")
    spec = data / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lab test kernel", "language": "python"}))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(data))
    mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        # One probe cell appended by the test (not in the lecture): each run's own takeaways.
        nb.cells.append(nbformat.v4.new_code_cell(
            'import json\nprint("LAB-PROBE " + json.dumps({n: r.to_dict()["takeaways"] for n, r in RUNS.items()}))'))
        client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=600, allow_errors=True,
                                         resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()
    finally:
        mp.undo()
    return nb


def _outputs(nb, mime: str) -> list[str]:
    return [out.get("data", {}).get(mime, "") if mime != "stream" else out.get("text", "")
            for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
            if (out.get("output_type") == "stream") == (mime == "stream")]


def _cell_text(cell) -> str:
    """Everything a code cell showed: its HTML, plain text and printed output."""
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        parts += [out.get("text", ""), data.get("text/html", "")]
        if "text/html" not in data:
            parts.append(data.get("text/plain", ""))
    return "\n".join(parts)


def _sections(nb) -> dict[str, list]:
    """The lecture's cells (the test's probe cell left out), by the `## ` heading above them."""
    out, heading = {}, "(top)"
    for cell in nb.cells[:-1]:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            heading = cell.source.splitlines()[0]
        out.setdefault(heading, []).append(cell)
    return out


def _scenario_sections(nb) -> dict[str, list]:
    """{scenario: the cells of the section whose run it is}."""
    found = {}
    for heading, cells in _sections(nb).items():
        shown = "\n".join(_cell_text(c) for c in cells if c.cell_type == "code")
        for name in re.findall(r"<h1>lab compare ([\w-]+)</h1>", shown):
            found.setdefault(name, []).append((heading, cells))
    return found


def test_no_cell_raised(executed):
    errors = [(i, out.get("ename"), out.get("evalue")) for i, cell in enumerate(executed.cells)
              if cell.cell_type == "code" for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, errors
    assert all(cell.get("execution_count") for cell in executed.cells if cell.cell_type == "code")


def test_each_section_shows_its_lesson_code_and_takeaways_once(executed):
    """One section per scenario, with a Predict cell before its run, and the run's report showing
    the lesson once, the code once and the takeaways once (no second diff, no printed copies)."""
    from lab.views.web.page import _prose
    sections = _scenario_sections(executed)
    assert sorted(sections) == sorted(SCENARIOS)
    (probe,) = [s for s in _outputs(executed, "stream") if s.startswith("LAB-PROBE ")]
    takeaways = json.loads(probe[len("LAB-PROBE "):])
    for name, found in sections.items():
        assert len(found) == 1, (name, [h for h, _ in found])  # one section per scenario
        heading, cells = found[0]
        predict = [c for c in cells if c.cell_type == "markdown" and "**Predict.**" in c.source]
        assert len(predict) == 1, (name, heading)
        shown = "\n".join(_cell_text(c) for c in cells if c.cell_type == "code")
        counts = {block: shown.count(f'class="{block}"') for block in ("lab-lesson", "lab-code-grid", "lab-takeaways")}
        assert counts == {"lab-lesson": 1, "lab-code-grid": 1, "lab-takeaways": 1}, (name, counts)
        assert "lab-dtable" not in shown and shown.count('class="lab-section lab-scenario"') == 1, name
        box = shown[shown.index('class="lab-takeaways"'):]
        assert takeaways[name], name
        for line in takeaways[name]:  # the run's own sentences, each once
            assert shown.count(str(_prose(line))) == 1, (name, line)
            assert str(_prose(line)) in box, (name, line)


def test_the_closing_cell_is_the_scoreboard_alone(executed):
    closing = executed.cells[-2]  # the last lecture cell (the probe comes after it)
    assert closing.cell_type == "code"
    (out,) = closing.outputs
    html = out["data"]["text/html"]
    assert html.lstrip().startswith('<div class="lab-report">')
    # (lab-compact too once more than four systems ran: the speed section runs its eager baselines)
    assert len(re.findall(r'class="lab-table lab-scoreboard[" ]', html)) == 1
    assert 'class="lab-section lab-scenario"' not in html and 'class="lab-code-grid"' not in html
    assert "<svg" not in html and 'class="lab-takeaways"' not in html
    assert len(html.encode()) < 60_000, len(html.encode())  # the old closing cell re-rendered every run: 364 KB
    rows = re.findall(r'<span class="lab-claim-text">', html)
    assert len(rows) == len(SCENARIOS)


def test_the_kernel_never_imported_a_framework(executed):
    lines = [s for s in _outputs(executed, "stream") if "framework modules in this kernel:" in s]
    assert len(lines) == 1 and lines[0].strip().endswith("framework modules in this kernel: []"), lines
    assert "warm workers ended: 3" in lines[0], lines  # one per framework, all reused to the end
