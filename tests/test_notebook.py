"""docs/lecture.ipynb runs top to bottom in a kernel of this interpreter: no cell raises, every
run shows the web report's HTML, and the kernel never imports a framework."""
from __future__ import annotations

import json
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


def test_no_cell_raised(executed):
    errors = [(i, out.get("ename"), out.get("evalue")) for i, cell in enumerate(executed.cells)
              if cell.cell_type == "code" for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, errors
    assert all(cell.get("execution_count") for cell in executed.cells if cell.cell_type == "code")


def test_every_scenario_shows_the_report_html(executed):
    html = "\n".join(_outputs(executed, "text/html"))
    reports = [h for h in _outputs(executed, "text/html") if h.lstrip().startswith('<div class="lab-report">')]
    compares = [h for h in reports if "<h1>lab compare " in h]
    assert len(compares) == len(SCENARIOS)
    for name in SCENARIOS:
        assert f"<h1>lab compare {name}</h1>" in html, name
    assert any("lab-dtable" in h for h in reports), "no side-by-side diff"
    assert 'class="lab-table lab-scoreboard"' in html, "no scoreboard"


def test_takeaways_are_printed_from_the_runs(executed):
    """What each section prints is its run's own takeaways (the JSON kept beside the HTML)."""
    streams = _outputs(executed, "stream")
    (probe,) = [s for s in streams if s.startswith("LAB-PROBE ")]
    takeaways = json.loads(probe[len("LAB-PROBE "):])
    assert sorted(takeaways) == sorted(SCENARIOS)
    text = "\n".join(s for s in streams if not s.startswith("LAB-PROBE "))
    assert sum(len(t) for t in takeaways.values()) >= len(takeaways)
    for name, lines in takeaways.items():
        for takeaway in lines:
            assert f"• {takeaway}" in text, (name, takeaway)


def test_the_kernel_never_imported_a_framework(executed):
    last = [s for s in _outputs(executed, "stream") if not s.startswith("LAB-PROBE ")][-1]
    assert last.strip() == "framework modules in this kernel: []", last
