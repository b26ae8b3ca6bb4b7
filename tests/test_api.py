"""The lab from Python (lab/api.py) and the output formats (lab/views/export.py): `lab.compare`,
`lab.diff`, `lab.claims`, the `%lab` magic, `import lab` staying light, `lab report`'s three
files and `lab compare --export` as the web page or the terminal's view."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, invoke
from lab.strict_json import loads_strict

TRIO = ["tf-function", "jax-jit", "torch-eager"]
PAIR = ["--systems", "jax-jit,torch-eager", "--repeats", "1"]
FRAMEWORK_MODULES = ("tensorflow", "jax", "jaxlib", "torch")
RICH_EXPORT = "<pre style=\"font-family:Menlo"  # rich's save_html template


def _claims_available() -> bool:
    from lab.api import claims_available
    return claims_available()


needs_claims = pytest.mark.skipif(not _claims_available(),
                                  reason="lab.claims.grade is not in this lab yet (`lab claims` is being added)")


# --- import lab --------------------------------------------------------------------------------

def test_import_lab_is_fast_and_light():
    code = ("import sys, lab; heavy = ('rich', 'jinja2', 'numpy', 'typer', 'IPython', *%r); "
            "print([m for m in sys.modules if m.split('.')[0] in heavy])" % (FRAMEWORK_MODULES,))
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    cumulative_us = int(re.search(r"^import time:\s+\d+ \|\s+(\d+) \| lab$", out.stderr, re.M).group(1))
    assert cumulative_us < 50_000, f"import lab took {cumulative_us / 1000:.1f} ms"


def test_the_api_names_load_on_first_use():
    code = ("import sys, lab; before = 'lab.api' in sys.modules; f = lab.compare; "
            "print(before, 'lab.api' in sys.modules, f.__module__, callable(lab.load_ipython_extension))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "True", "lab.api", "True"]


def test_lab_claims_is_the_module_and_the_function():
    """lab/claims.py (the grader) and lab.claims(...) (the notebook call) share a name: once the
    module is imported it stays the module, and calling it runs lab.api.claims."""
    code = ("import sys, types, lab, lab.api\n"
            "m = types.ModuleType('lab.claims'); m.grade = lambda docs: {}\n"
            "setattr(lab, 'claims', m)  # what the import system does\n"
            "lab.api.claims = lambda *a, **k: ('called', a, k)\n"
            "print(lab.claims.grade is m.grade, lab.claims(1, x=2))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "True ('called', (1,), {'x': 2})"


# --- lab.compare ---------------------------------------------------------------------------------

KERNEL = """
import json, os, signal, sys, time
sys.path.insert(0, "tests")
import lab
from shadows.make import tagged
def pids(result):
    return {fw: info["worker_pid"] for fw, info in result.to_dict()["frameworks"].items()}
def others():
    return sorted(set(tagged(os.environ["LAB_TEST_TAG"])) - {os.getpid()})
r = lab.compare("control-flow", systems=%r, repeats=3)
again = lab.compare("control-flow", systems=%r, repeats=3)  # the same call: warm workers
warm = {"first": pids(r), "second": pids(again), "second_doc": again.to_dict(), "alive": others()}
os.kill(warm["second"]["torch"], signal.SIGKILL)  # an idle warm worker dies
time.sleep(0.2)
replaced = lab.compare("control-flow", systems=["torch-eager"], repeats=1)
overran = lab.compare("variable-length", systems=["torch-eager"], repeats=1, timeout=0.01)
after = lab.compare("control-flow", systems=["torch-eager"], repeats=1)  # a fresh worker again
warm.update(replaced=pids(replaced), replaced_status=[x.status for x in replaced.runs],
            overran=pids(overran), overran_status=[x.status for x in overran.runs],
            after=pids(after), after_status=[x.status for x in after.runs],
            shut=lab.shutdown(), after_shutdown=others())
last = lab.compare("control-flow", systems=["torch-eager"], repeats=1)  # left up: ends with us
warm.update(left_up=pids(last))
print(json.dumps({"doc": r.to_dict(), "html": r._repr_html_(), "bundle": r._repr_mimebundle_(),
                  "runs": [[type(x).__name__, type(x.timing).__name__, x.system, x.variant] for x in r.runs],
                  "framework_modules": sorted(m for m in sys.modules if m.split(".")[0] in %r),
                  "warm": warm}))
"""
KERNEL_TAG = "api-kernel"


@pytest.fixture(scope="module")
def kernel_run():
    """lab.compare in a fresh process standing in for a notebook kernel: twice the same call on
    warm workers, an idle worker killed and replaced, one that overran replaced, lab.shutdown(),
    and one worker left up for the interpreter's exit to end. The processes it leaves are listed
    after it exits."""
    import os
    from shadows.make import tagged
    env = dict(os.environ, LAB_TEST_TAG=KERNEL_TAG)
    out = subprocess.run([sys.executable, "-c", KERNEL % (TRIO, TRIO, FRAMEWORK_MODULES)], capture_output=True,
                         text=True, cwd=ROOT, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    data = loads_strict(out.stdout)
    data["warm"]["after_exit"] = tagged(KERNEL_TAG)
    return data


def test_the_kernel_never_imports_a_framework(kernel_run):
    assert kernel_run["framework_modules"] == []


def test_a_second_call_reuses_the_warm_workers_and_still_compiles(kernel_run):
    """The same lab.compare twice in one process: the same worker per framework (no second
    import), and each static function still traced and compiled on its first call."""
    warm = kernel_run["warm"]
    assert warm["second"] == warm["first"] and len(set(warm["first"].values())) == 3
    assert sorted(warm["alive"]) == sorted(warm["first"].values())  # one process per framework
    first, second = kernel_run["doc"], warm["second_doc"]
    assert [(x["system"], x["variant"], x["status"]) for x in second["runs"]] == \
        [(x["system"], x["variant"], x["status"]) for x in first["runs"]]
    assert all(info["info"].get("reused") for info in second["frameworks"].values())
    assert not any(info["info"].get("reused") for info in first["frameworks"].values())
    for doc in (first, second):
        static = [x for x in doc["runs"] if x["mode"] == "static" and x["status"] == "ok"]
        assert static and all(x["call_compiles"][0] >= 1 for x in static), doc["runs"]


def test_a_dead_or_overrun_warm_worker_is_replaced_and_shutdown_leaves_no_process(kernel_run):
    warm = kernel_run["warm"]
    assert warm["replaced"]["torch"] != warm["second"]["torch"]
    assert warm["replaced_status"] == ["ok"]
    # A warm worker that overran its --timeout is killed, and the next call gets a fresh one.
    assert warm["overran"]["torch"] == warm["replaced"]["torch"] and set(warm["overran_status"]) == {"timeout"}
    assert warm["after"]["torch"] != warm["overran"]["torch"] and warm["after_status"] == ["ok"]
    assert warm["shut"] == 3 and warm["after_shutdown"] == []
    assert warm["left_up"]["torch"] not in warm["first"].values()
    assert warm["after_exit"] == []  # the worker left up ended with the interpreter


def test_to_dict_is_the_json_document(kernel_run, compare_run):
    doc, cli = kernel_run["doc"], compare_run("control-flow")  # `lab compare control-flow --json --repeats 3`
    assert set(doc) == set(cli) - {"_exit_code"}
    assert doc["schema"] == cli["schema"] and doc["systems"] == cli["systems"] == TRIO
    assert [(r["system"], r["variant"], r["function"], r["status"]) for r in doc["runs"]] == \
        [(r["system"], r["variant"], r["function"], r["status"]) for r in cli["runs"]]
    assert [sorted(r) for r in doc["runs"]] == [sorted(r) for r in cli["runs"]]
    assert {fw: sorted(info) for fw, info in doc["frameworks"].items()} == \
        {fw: sorted(info) for fw, info in cli["frameworks"].items()}
    assert all("log" not in info for info in doc["frameworks"].values())  # as --json without --verbose
    assert doc["code"] == cli["code"] and doc["exit_code"] == cli["exit_code"] == cli["_exit_code"]
    assert len(doc["takeaways"]) == len(cli["takeaways"]) > 0


def test_runs_are_typed(kernel_run):
    assert kernel_run["runs"] == [["Run", "Timing", r["system"], r["variant"]] for r in kernel_run["doc"]["runs"]]


def test_html_repr_is_the_reports_sections(kernel_run):
    html = kernel_run["html"]
    assert html.lstrip().startswith('<div class="lab-report">') and "<html" not in html
    assert "<h1>lab compare control-flow</h1>" in html
    section = re.search(r'<section class="lab-section lab-scenario" id="(lab-compare-[0-9a-f]{8}-)control-flow">', html)
    assert section, "no scenario section with a unique id prefix"
    for part in ("What this run showed", "The code, side by side", 'class="lab-table lab-results"',
                 "TracerBoolConversionError", "Environment and versions", "<svg"):
        assert part in html, part
    assert html.count('class="lab-codefile') == 3


def test_mimebundle_is_the_html_report(kernel_run):
    bundle = kernel_run["bundle"]
    # No application/json: JupyterLab would rank it above the HTML and show a JSON tree.
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/html"].lstrip().startswith('<div class="lab-report">')
    assert bundle["text/plain"].startswith("<lab compare control-flow:")


BAD_CALLS = [
    (lambda lab: lab.compare("control-flw"), "unknown scenario 'control-flw'. Did you mean 'control-flow'?"),
    (lambda lab: lab.compare("control-flow", systems=["jax"]), "unknown system 'jax'. Did you mean 'jax-jit'?"),
    (lambda lab: lab.compare("control-flow", systems=["jax-jit", "jax-jit"]), "listed twice"),
    (lambda lab: lab.compare("control-flow", systems=[1]), "systems: give a list of ids"),
    (lambda lab: lab.compare("control-flow", repeats=0), "repeats must be a whole number from 1 to 1000, got 0"),
    (lambda lab: lab.compare("control-flow", repeats="3"), "repeats must be a whole number from 1 to 1000"),
    (lambda lab: lab.compare("control-flow", timeout=-1), "timeout must be a number of seconds, above zero"),
    (lambda lab: lab.compare("control-flow", device="tpu"), "unknown device 'tpu'. Valid: cpu, cuda, auto."),
    (lambda lab: lab.compare("control-flow", modes="eagerish"), "unknown mode 'eagerish'"),
    (lambda lab: lab.compare(None), "scenario: give a scenario name as a string"),
    (lambda lab: lab.diff("nope"), "unknown scenario 'nope'"),
    (lambda lab: lab.diff("control-flow", systems=["torch-eager"]), "torch-eager is the left-hand side"),
]


@pytest.mark.parametrize("call,message", BAD_CALLS, ids=[m for _, m in BAD_CALLS])
def test_bad_input_is_a_one_line_lab_error(call, message):
    import lab
    from lab.errors import LabError
    with pytest.raises(LabError) as caught:  # nothing else: no TypeError from the internals
        call(lab)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --- lab.diff ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [[], ["--systems", "jax-jit"], ["--frameworks", "tensorflow"]],
                         ids=["default", "systems", "frameworks"])
def test_diff_to_dict_is_lab_diff_json(args):
    import lab
    cli = invoke(["diff", "control-flow", "--json", *args])
    assert cli.exit_code == 0, cli.stderr
    systems = args[1].split(",") if args[:1] == ["--systems"] else None
    frameworks = args[1].split(",") if args[:1] == ["--frameworks"] else None
    assert lab.diff("control-flow", systems=systems, frameworks=frameworks).to_dict() == json.loads(cli.stdout)


def test_diff_html_side_by_side_with_changes_marked():
    import lab
    result = lab.diff("control-flow", systems=["jax-jit"])
    html = result._repr_html_()
    assert html.lstrip().startswith('<div class="lab-report">')
    tables = re.findall(r'<table class="lab-table lab-dtable">.*?</table>', html, re.S)
    assert len(tables) == len(result.to_dict()["systems"]["jax-jit"]["functions"])
    assert "<th>torch eager</th><th>jax.jit</th>" in tables[0]
    changed = re.findall(r'<tr class="lab-d-changed">.*?</tr>', tables[0], re.S)
    assert changed and all('lab-old' in row and 'lab-chg' in row for row in changed)
    assert "lax.cond" in re.sub(r"<[^>]+>", "", "".join(changed))
    assert '<tr class="lab-d-same">' in tables[0] and "lab-chg" not in "".join(
        re.findall(r'<tr class="lab-d-same">.*?</tr>', tables[0], re.S))
    assert "<script" not in html


# --- the %lab magic ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell",
                                           reason="the magic test needs IPython (ipykernel's dependency)")
    from traitlets.config import Config
    saved = sys.displayhook, sys.excepthook
    mp = pytest.MonkeyPatch()
    mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
    config = Config()
    config.HistoryManager.enabled = False
    ip = interactiveshell.InteractiveShell.instance(config=config)
    ip.run_line_magic("load_ext", "lab")
    yield ip
    import lab
    lab.shutdown()  # the warm workers this shell's calls left up
    interactiveshell.InteractiveShell.clear_instance()
    sys.displayhook, sys.excepthook = saved
    mp.undo()


def test_magic_diff_and_list(shell):
    import lab
    from lab.api import DiffResult
    result = shell.run_line_magic("lab", "diff control-flow --systems jax-jit")
    assert isinstance(result, DiffResult)
    assert result.to_dict() == lab.diff("control-flow", systems=["jax-jit"]).to_dict()
    assert shell.run_line_magic("lab", "diff control-flow --json") == lab.diff("control-flow").to_dict()
    assert [s["name"] for s in shell.run_line_magic("lab", "list")] == [s["name"] for s in lab.scenarios()]


def test_magic_compare_runs_and_displays(shell, tmp_path):
    from lab.api import CompareResult
    page = tmp_path / "page.html"
    result = shell.run_line_magic(
        "lab", f"compare control-flow --systems torch-eager --repeats 1 --export '{page}'")
    assert isinstance(result, CompareResult)
    assert [(r.system, r.variant, r.status) for r in result.runs] == [("torch-eager", "eager", "ok")]
    assert page.read_text().startswith("<!DOCTYPE html>")
    data, _ = shell.display_formatter.format(result)
    assert "text/html" in data and "lab-report" in data["text/html"]
    assert result.to_dict()["scenario"] == "control-flow"


@pytest.mark.parametrize("line,message", [
    ("compare nope", "unknown scenario 'nope'"),
    ("compare control-flow --repeats abc", "Invalid value for '--repeats'"),
    ("compare control-flow --bogus", "No such option: --bogus"),
    ("frobnicate", "usage: %lab {compare|diff|claims|list}"),
    ("", "usage: %lab"),
], ids=["scenario", "repeats", "option", "command", "empty"])
def test_magic_bad_input_is_one_line(shell, line, message):
    from IPython.core.error import UsageError
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("lab", line)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_magic_help_prints_the_clis_help(shell, capsys):
    assert shell.run_line_magic("lab", "compare --help") is None
    assert "--systems" in capsys.readouterr().out


# --- lab.claims ----------------------------------------------------------------------------------

@needs_claims
def test_claims_grades_runs_and_shows_the_scoreboard(shell, kernel_run):
    import lab
    from lab.api import ClaimsResult, CompareResult
    from lab.claims import grade
    from lab.errors import LabError
    with pytest.raises(LabError, match="unknown system 'nope'"):
        lab.claims(["control-flow"], systems="tf-function,nope")
    with pytest.raises(LabError, match="results: give a list of lab.compare"):
        lab.claims(results=[{"scenario": "control-flow"}])
    board = shell.run_line_magic("lab", "claims control-flow --systems jax-jit,torch-eager --repeats 1")
    assert isinstance(board, ClaimsResult)
    data = board.to_dict()
    assert data["schema"] == 2 and [s["id"] for s in data["systems"]] == ["jax-jit", "torch-eager"]
    assert [c["scenario"] for c in data["claims"]] == ["control-flow"]
    html = board._repr_html_()
    assert 'class="lab-table lab-scoreboard"' in html and html.lstrip().startswith('<div class="lab-report">')
    from compare.results import CompareDoc
    made = CompareDoc.from_dict(kernel_run["doc"])  # a lab.compare result's typed document
    graded = lab.claims(results=[CompareResult(made)])  # runs already made: nothing runs again
    assert graded.to_dict() == json.loads(json.dumps(grade([made]).to_dict(), default=str))
    assert graded.board.claims[0].scenario == "control-flow"  # the typed scoreboard
    assert set(graded._repr_mimebundle_()) == {"text/html", "text/plain"}


# --- the formats, lab report and lab compare --export ---------------------------------------------

def test_one_table_of_formats():
    from lab.views import export
    from lab.errors import LabError
    assert set(export.FORMATS) == {".json", ".md", ".html", ".terminal.html", ".svg", ".png", ".xml"}
    assert export.lookup("x.html").name.startswith("the web page")
    assert export.lookup("x.terminal.html").screen and export.lookup("out/terminal.html", "report").screen
    assert export.lookup("X.PNG").suffix == ".png" and export.lookup("r.xml", "verify").suffix == ".xml"
    assert set(export.suffixes("compare")) == {".json", ".md", ".html", ".terminal.html", ".svg", ".png"}
    with pytest.raises(LabError, match="unknown format"):
        export.lookup("x.docx")


def _web_page(path) -> str:
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<div class="lab-report">' in page
    assert '<nav class="lab-nav"' in page and RICH_EXPORT not in page
    return page


def _terminal(path) -> str:
    text = path.read_text(encoding="utf-8")
    assert RICH_EXPORT in text and "lab-report" not in text
    return text


def test_report_writes_the_web_page_the_terminal_and_the_json(tmp_path, served):
    result = invoke(["report", "--out", str(tmp_path), "control-flow", *PAIR])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json", "terminal.html"]
    page = _web_page(tmp_path / "report.html")
    assert 'id="lab-control-flow"' in page and "def naive(x):" in re.sub(r"<[^>]+>", "", page)
    assert "lax.while_loop" in _terminal(tmp_path / "terminal.html")
    data = loads_strict((tmp_path / "report.json").read_text())
    assert [d["scenario"] for d in data["scenarios"]] == ["control-flow"]
    assert data["scenarios"][0]["systems"] == ["jax-jit", "torch-eager"]
    if _claims_available():
        assert 'class="lab-table lab-scoreboard"' in page and data["claims"]["claims"][0]["scenario"] == "control-flow"
    else:
        assert 'id="lab-summary"' in page


def test_compare_export_html_is_the_web_page_and_terminal_html_the_terminal(tmp_path, served):
    page, terminal = tmp_path / "page.html", tmp_path / "run.terminal.html"
    result = invoke(["compare", "control-flow", *PAIR, "--export", str(page), "--export", str(terminal)])
    assert result.exit_code == 0, result.stderr
    html = _web_page(page)
    assert 'id="lab-control-flow"' in html and "TracerBoolConversionError" in html
    assert "lax.while_loop" in _terminal(terminal)


def test_json_refuses_only_the_terminal_formats(tmp_path):
    result = invoke(["compare", "control-flow", "--json", "--export", str(tmp_path / "x.terminal.html")])
    assert result.exit_code == 2 and "--json shows no page" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
