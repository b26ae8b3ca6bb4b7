"""`lab report` as a web page (lab.views.web): rendered from real `lab compare --json` documents, checked
statically and then in headless Chromium at 1280x900 (sections, chart sizes, no horizontal
overflow in normal and large type, no network requests)."""
from __future__ import annotations

import copy
import dataclasses
import html
import json
import os
import re
import subprocess
import sys

import pytest

from _docs import typed
from conftest import SCENARIOS

CHROMIUM = "/usr/bin/chromium"
SYSTEMS = [{"id": "tf-function", "label": "TF tf.function"}, {"id": "jax-jit", "label": "JAX jax.jit"},
           {"id": "torch-eager", "label": "PyTorch eager"}]


@pytest.fixture(scope="module")
def docs(compare_doc):
    return [typed(compare_doc(name)) for name in SCENARIOS]


def _board(docs, cols: list[dict], evidence=lambda i, j: f"evidence {i}.{j}"):
    """A scoreboard of one row per document, each system's verdict in turn (no grader needed)."""
    from lab.scoreboard import BoardSystem, Cell, ClaimRow, Scoreboard
    verdicts = ["holds", "partly", "does-not-hold", "not-applicable", "unavailable"]
    return Scoreboard(schema=2, systems=[BoardSystem(c["id"], c["label"], c["id"], True) for c in cols],
                      versions=docs[0].versions, sides=[], skipped=[], exit_code=0,
                      claims=[ClaimRow(d.claim, d.scenario, d.title, None,
                                       {c["id"]: Cell(verdicts[(i + j) % 5], evidence(i, j), [])
                                        for j, c in enumerate(cols)}) for i, d in enumerate(docs)])


@pytest.fixture(scope="module")
def claims(docs):
    return _board(docs, SYSTEMS)


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page))


def _nav_targets(page: str) -> list[str]:
    nav = re.search(r'<nav class="lab-nav".*?</nav>', page, re.S).group(0)
    return re.findall(r'href="#([^"]+)"', nav)


def test_every_section_present_and_linked(docs):
    from lab.views.web import render_page
    page = render_page(docs)
    targets, ids = _nav_targets(page), _ids(page)
    assert len(targets) == len(SCENARIOS) + 2  # summary + scenarios + environment
    assert set(targets) <= ids
    for name in SCENARIOS:
        assert f"lab-{name}" in targets
    sections = set(re.findall(r'<section class="lab-section[^"]*" id="([^"]+)"', page))
    assert sections == set(targets)
    assert page.count('class="lab-codefile') >= 3 * len(SCENARIOS)
    assert page.count("<svg") >= 2 * len(SCENARIOS)
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert all(re.search(r'\swidth="[1-9]\d*"', s) and re.search(r'\sheight="[1-9]\d*"', s) for s in svgs)
    assert len(re.findall(r"<svg\b[^>]*>\s*<title>[^<]+</title>", page)) == len(svgs)  # each says what it shows
    assert "lab-chg" in page and "lab-bugframe" in page and "lab-o-generated" in page
    assert "Environment and versions" in page


def test_scoreboard_from_a_claims_document(docs, claims):
    from lab.views.web import render_page
    page = render_page(docs, claims=claims)
    assert 'id="lab-scoreboard"' in page and 'id="lab-summary"' not in page
    board = re.search(r'<table class="lab-table lab-scoreboard">.*?</table>', page, re.S).group(0)
    assert board.count("<tr>") == len(SCENARIOS) + 1
    for s in SYSTEMS:
        assert f">{s['label']}</th>" in board
    for v in ("lab-v-holds", "lab-v-partly", "lab-v-does-not-hold", "lab-v-not-applicable", "lab-v-unavailable"):
        assert v in board
    assert board.index("TF tf.function") < board.index("JAX jax.jit") < board.index("PyTorch eager")


def test_a_cell_carries_its_cause_silence_and_unrelated_runs(docs, claims):
    import copy
    from lab.views.web import render_page
    altered = copy.deepcopy(claims)
    cell = altered.claims[0].cells[SYSTEMS[0]["id"]]
    cell.verdict, cell.cause, cell.silent, cell.unrelated = "holds", "baked-branch", [{"run": "a/b"}], [{"run": "a/c"}, {"run": "a/d"}]
    page = render_page(docs, claims=altered)
    assert re.search(r'<td class="lab-cell" data-cause="baked-branch" data-silent="1" data-unrelated="2">', page)
    assert "data-cause" not in render_page(docs, claims=claims)


def test_no_external_resources(docs, claims):
    from lab.views.web import render_page
    page = render_page(docs, claims=claims)
    refs = re.findall(r'(?:src|href|xlink:href|action|poster|data)\s*=\s*["\']?\s*([^"\'\s>]+)', page, re.I)
    assert refs, "expected at least the nav links"
    external = [r for r in refs if re.match(r"(https?:)?//", r, re.I)]
    assert not external, external
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    assert "@import" not in page
    assert "<link" not in page and "<script" not in page.lower().replace("&lt;script", "")
    assert "<iframe" not in page


def test_autoescape(docs):
    from lab.views.web import render_page
    doc = copy.deepcopy(docs[0])
    doc.lesson = "<script>alert('lesson')</script>"
    doc.takeaways = ["<img src=x onerror=alert(1)>"]
    doc.runs[0].function, doc.runs[0].variant = "own", "<b>bold</b>"  # a variant of its own is shown by name
    page = render_page([doc], title="<i>t</i>")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;lesson&#39;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>bold</b>" not in page and "<i>t</i>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def _without(doc, framework: str):
    """`doc` as a machine without `framework` makes it: its runs placeholders, its worker a reason,
    no version, no info, no threads."""
    from compare.results import Run, WorkerResult
    doc = copy.deepcopy(doc)
    doc.frameworks[framework] = WorkerResult(framework, "unavailable", reason=f"{framework} is not installed")
    doc.versions[framework] = None
    doc.environment["threads"].pop(framework, None)
    doc.runs = [r if r.framework != framework else Run.placeholder(
        system=r.system, framework=framework, variant=r.variant, mode=r.mode, mode_name=r.mode_name,
        function=r.function, file=r.file, status="unavailable", reason=None) for r in doc.runs]
    return doc


def test_partial_documents_render(docs):
    from lab.views.web import model, render_page
    partial = _without(docs[0], "jax")
    page = render_page([partial])
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    order = model.system_order([partial], None)
    label = next(s["label"] for s in order if s["id"] == "jax-jit")
    rows = [r for r in model.scenario(partial, order, "x")["results"] if r["system"] == label]
    assert rows and all((r["status"], r["reason"], r["first"], r["err"]) ==
                        ("unavailable", "jax is not installed", "–", "–") for r in rows)
    assert "jax is not installed" in page
    (jax,) = [f for f in model.environment([partial])["frameworks"] if f["name"] == "jax"]
    assert (jax["version"], jax["status"], jax["threads"], jax["import"]) == ("–", "unavailable", "", "–")
    assert render_page([]).rstrip().endswith("</html>")


def test_a_section_that_breaks_is_a_note(docs, monkeypatch):
    """One scenario's section that cannot be drawn says why; the other sections are drawn."""
    from lab.views.web import model, render_page
    real = model.charts

    def charts(runs, labels, name):
        if name == docs[0].scenario:
            raise ValueError("a chart that cannot be drawn")
        return real(runs, labels, name)
    monkeypatch.setattr(model, "charts", charts)
    page = render_page(docs[:2])
    assert "could not be rendered: ValueError: a chart that cannot be drawn" in page
    assert page.count("could not be rendered") == 1 and f'id="lab-{docs[1].scenario}"' in page


def test_system_ids_order_and_labels(docs):
    from lab.views.web import model
    assert [s["id"] for s in model.system_order(docs, None)][:3] == ["tf-function", "jax-jit", "torch-eager"]
    doc = copy.deepcopy(docs[0])
    for run in doc.runs:
        run.system = {"tensorflow": "tf1-graph", "jax": "jax-eager", "torch": "torch-export"}[run.framework]
    systems = [{"id": "torch-export", "label": "torch.export"}, {"id": "tf1-graph", "label": "TF1 graph"}]
    order = model.system_order([doc], systems)
    assert [s["id"] for s in order] == ["torch-export", "tf1-graph", "jax-eager"]
    from lab.views.web import render_page
    page = render_page([doc], systems=systems)
    results = re.search(r'<table class="lab-table lab-results">.*?</table>', page, re.S).group(0)
    assert results.index("torch.export") < results.index("TF1 graph")


def test_import_is_light():
    code = ("import sys, lab, lab.views.web; bad = [m for m in ('jinja2', 'tensorflow', 'jax', 'torch', 'rich', "
            "'matplotlib') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


PROBE = """<script>
(function () {
  function measure() {
    var nav = Array.prototype.map.call(document.querySelectorAll('.lab-nav a'), function (a) {
      return a.getAttribute('href').slice(1); });
    var svgs = Array.prototype.map.call(document.querySelectorAll('svg'), function (s) {
      var r = s.getBoundingClientRect(); return [r.width, r.height]; });
    var wide = Array.prototype.filter.call(document.querySelectorAll('.lab-report *'), function (e) {
      return e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.lab-scroll, .lab-src, .lab-msg');
    }).slice(0, 5).map(function (e) { return e.tagName + '.' + e.className; });
    var sb = document.querySelector('.lab-scoreboard');
    var clipped = sb ? Math.max(0, sb.scrollWidth - sb.parentElement.clientWidth) : 0;
    return {nav: nav, missing: nav.filter(function (id) { return !document.getElementById(id); }),
            scoreboardClipped: clipped,
            svgs: svgs, scrollWidth: document.documentElement.scrollWidth,
            bodyScrollWidth: document.body.scrollWidth, innerWidth: window.innerWidth, wide: wide,
            fontSize: parseFloat(getComputedStyle(document.querySelector('.lab-root')).fontSize)};
  }
  window.addEventListener('load', function () {
    var out = {normal: measure()};
    document.querySelector('.lab-large-toggle').checked = true;
    out.large = measure();
    out.resources = performance.getEntriesByType('resource').map(function (e) { return e.name; });
    var pre = document.createElement('pre');
    pre.id = 'lab-probe'; pre.hidden = true; pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
</script>"""


def _chromium_measure(page: str, tmp_path, width: int = 1280) -> dict:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not installed: {CHROMIUM} is missing (apt-get install chromium)")
    path = tmp_path / "report.html"
    path.write_text(page.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},900",
           "--virtual-time-budget=5000", "--dump-dom", path.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="lab-probe"[^>]*>(.*?)</pre>', proc.stdout, re.S)
    assert found, f"no measurements from chromium (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.parametrize("with_claims", [False, True])
def test_in_headless_chromium(docs, claims, tmp_path, with_claims):
    from lab.views.web import render_page
    page = render_page(docs + [copy.deepcopy(docs[0])], claims=claims if with_claims else None)
    m = _chromium_measure(page, tmp_path)
    assert m["large"]["fontSize"] > m["normal"]["fontSize"], "the large-type toggle changed nothing"
    for mode in ("normal", "large"):
        r = m[mode]
        assert r["innerWidth"] == 1280, r["innerWidth"]
        assert not r["missing"], f"{mode}: nav links without a section: {r['missing']}"
        assert len(r["nav"]) == len(SCENARIOS) + 3  # the repeated scenario gets its own section
        assert len(r["svgs"]) >= 2 * len(SCENARIOS)
        assert all(w > 0 and h > 0 for w, h in r["svgs"]), f"{mode}: an empty chart: {r['svgs']}"
        assert r["scrollWidth"] <= r["innerWidth"], f"{mode}: page overflows horizontally: {r}"
        assert r["bodyScrollWidth"] <= r["innerWidth"], f"{mode}: body overflows horizontally"
        assert not r["wide"], f"{mode}: elements past the right edge: {r['wide']}"
    assert m["resources"] == [], f"the page fetched: {m['resources']}"


@pytest.mark.parametrize("width", [1400, 800])
def test_scoreboard_of_every_system_fits_a_projector(docs, tmp_path, width):
    """At 800 px the scoreboard's last column was cut off (scrolled away inside its box). With every
    system of the registry, no column is clipped (large type too at 1400 px)."""
    from compare import systems
    from lab.views.web import render_page
    claims = _board(docs, [{"id": s.id, "label": s.label} for s in systems.SYSTEMS], lambda i, j: "`x`")
    m = _chromium_measure(render_page(docs[:1], claims=claims), tmp_path, width)
    # Large type is for a projector's full width; at 800 px it may scroll inside its box.
    for mode in ("normal", "large") if width >= 1400 else ("normal",):
        assert m[mode]["innerWidth"] == width
        assert m[mode]["scoreboardClipped"] == 0, f"{mode}: {m[mode]['scoreboardClipped']} px of the scoreboard cut off"


def test_markdown_code_spans_render_as_code(docs):
    from lab.views.web import render_page
    doc = dataclasses.replace(docs[0], lesson="Eager code writes them as a Python `if` and `while`.")
    lesson = re.search(r'<p class="lab-lesson">(.*?)</p>', render_page([doc]), re.S).group(1)
    assert lesson == "Eager code writes them as a Python <code>if</code> and <code>while</code>."


def test_css_is_scoped_for_notebooks(docs):
    """Every rule of the fragment's stylesheet sits under .lab-report, so nothing leaks into a notebook."""
    from lab.views.web import render_sections
    fragment = render_sections(docs[:1], id_prefix="nb1-")
    assert fragment.lstrip().startswith('<div class="lab-report">') and "<html" not in fragment
    assert 'id="nb1-control-flow"' in fragment or 'id="nb1-' in fragment
    css = re.sub(r"/\*.*?\*/", "", re.search(r"<style>(.*?)</style>", fragment, re.S).group(1), flags=re.S)
    selectors = [s.strip() for m in re.finditer(r"([^{}]+)\{", css) if not m.group(1).strip().startswith("@")
                 for s in m.group(1).split(",")]
    assert selectors and all(s.startswith(".lab-report") for s in selectors), selectors


def test_error_in_the_legend_only_when_a_cell_has_it(docs, claims):
    from lab.views.web import render_page

    def legend(board):
        return re.search(r'<p class="lab-legend">(.*?)</p>', render_page(docs[:1], claims=board), re.S).group(1)
    board = copy.deepcopy(claims)
    for cell in board.cells():
        cell.verdict = "holds"
    assert "lab-v-error" not in legend(board)
    board.claims[0].cells[SYSTEMS[0]["id"]].verdict = "error"
    assert "lab-v-error" in legend(board)
