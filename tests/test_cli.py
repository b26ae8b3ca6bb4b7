"""The CLI's contract: instant start-up, no framework in the CLI process, one-line errors."""
import subprocess
import sys

import pytest

from conftest import ROOT, SCENARIOS, invoke, run_lab
from lab.strict_json import loads_strict

FRAMEWORK_MODULES = ("tensorflow", "jax", "torch")


def test_help_smoke_in_a_subprocess():
    result = run_lab(["--help"])
    assert result.returncode == 0
    for command in ("list", "compare", "doctor"):
        assert command in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "--json"]])
def test_cli_process_imports_no_framework(args):
    probe = ("import sys, runpy; sys.argv = ['lab'] + %r\n"
             "try:\n    runpy.run_module('lab', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in %r if m in sys.modules))" % (args, FRAMEWORK_MODULES))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr


def test_list_imports_only_what_it_shows():
    """`lab list` reads each spec's first lines: it imports no spec, no typed results, no session
    and no typer (start-up is benchmarked; a type hint once cost it 12 ms of compare.results)."""
    probe = ("import sys, runpy; sys.argv = ['lab', 'list']\n"
             "try:\n    runpy.run_module('lab', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
             "('lab', 'compare', 'scenarios', 'typer')), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    loaded = set(out.stderr.split("LOADED", 1)[1].strip().strip("[]").replace("'", "").split(", "))
    assert loaded <= {"compare", "compare.contract", "compare.spec_headers", "lab", "lab.cli", "lab.usecases",
                      "lab.usecases.listing", "lab.views", "lab.views.check", "lab.views.display"}, loaded
    assert "lab.usecases.listing" in loaded  # the probe saw the command run


def test_compare_keeps_frameworks_out_of_the_cli_process(compare_doc):
    compare_doc("control-flow")  # ran in this very process through CliRunner
    assert not [m for m in FRAMEWORK_MODULES if m in sys.modules]


def test_list_fast_path_prints_what_typer_would():
    """`lab list` skips typer's option machinery for speed; the output must be the same."""
    fast = run_lab(["list", "--json"])
    assert fast.returncode == 0
    assert loads_strict(fast.stdout) == loads_strict(invoke(["list", "--json"]).stdout)
    assert run_lab(["list", "--bogus"]).returncode == 2  # anything else still goes through typer


def test_list_json_shows_every_scenario():
    result = invoke(["list", "--json"])
    assert result.exit_code == 0
    rows = loads_strict(result.stdout)
    assert [r["name"] for r in rows] == SCENARIOS
    assert all(r["title"] and r["claim"] for r in rows)
    # Read from source, but the same as the imported specs say.
    from compare.discovery import get
    assert all((get(r["name"]).title, get(r["name"]).claim) == (r["title"], r["claim"]) for r in rows)



def test_list_json_is_the_typed_rows_to_dict():
    """`lab list --json` is the use case's typed rows written out, byte for byte (the fast path's
    output too); the API's rows are the same plus each spec's lesson."""
    from compare.discovery import get
    from lab.strict_json import dumps
    from lab.usecases import listing
    found = listing.scenarios()
    assert not found.problems and [r.name for r in found.rows] == SCENARIOS
    assert run_lab(["list", "--json"]).stdout == dumps([r.to_dict() for r in found.rows]) + "\n"
    assert [(r.name, r.title, r.claim) for r in found.rows] == \
        [(r["name"], r["title"], r["claim"]) for r in loads_strict(invoke(["list", "--json"]).stdout)]
    assert all(r.lesson is None and list(r.to_dict()) == ["name", "title", "claim"] for r in found.rows)
    with_lessons = listing.scenarios(with_lessons=True).rows
    assert [r.to_dict() for r in with_lessons] == \
        [dict(r.to_dict(), lesson=get(r.name).lesson) for r in found.rows]


BAD_INPUTS = [
    (["compare", "control-flw"], "Did you mean 'control-flow'"),
    (["compare", "nope"], "Valid: "),
    (["compare", "control-flow", "--frameworks", "tensorflow,pytorch"], "unknown framework 'pytorch'"),
    (["compare", "control-flow", "--frameworks", "jax,,torch"], "malformed --frameworks"),
    (["compare", "control-flow", "--frameworks", ""], "malformed --frameworks"),
    (["compare", "control-flow", "--frameworks", "jax,jax"], "listed twice"),
    (["compare", "control-flow", "--modes", "eagerish"], "unknown mode 'eagerish'. Valid: default, static, dynamic, all"),
    (["compare", "control-flow", "--device", "tpu"], "unknown device 'tpu'. Valid: cpu, cuda, auto"),
    (["compare", "control-flow", "--repeats", "0"], "--repeats must be a whole number from 1 to 1000"),
    (["compare", "control-flow", "--repeats", "-3"], "--repeats must be a whole number from 1 to 1000"),
    (["compare", "control-flow", "--timeout", "0"], "--timeout must be a number of seconds, above zero"),
    (["compare", "control-flow", "--export", "/nonexistent-dir/out.html"], "does not exist"),
    (["compare", "control-flow", "--export", "out.docx"], "unknown format"),
]


@pytest.mark.parametrize("args,message", BAD_INPUTS, ids=[" ".join(a[1:]) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = invoke(args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_export_path(tmp_path):
    folder = tmp_path / "report.html"
    folder.mkdir()  # a folder where the file should go: unwritable even for root
    result = invoke(["compare", "control-flow", "--export", str(folder)])
    assert result.exit_code == 2 and "not writable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cuda_without_a_gpu_is_one_line_exit_2():
    result = invoke(["compare", "control-flow", "--device", "cuda"], env={"LAB_FAKE_NO_GPU": "1"})
    assert result.exit_code == 2
    assert "no NVIDIA GPU" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["compare", "control-flow", "--repeats", "abc"],
                                  ["compare", "control-flow", "--bogus"], ["nosuch"]])
def test_click_usage_errors_are_one_line_in_a_real_shell(args):
    result = run_lab(args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_report_shows_every_system_by_default(monkeypatch, tmp_path):
    """A projected report must show then (TF 1.x) against now: every system unless narrowed."""
    import lab.usecases.report
    from compare import systems
    seen = {}

    def fake_report(chosen, out, **kwargs):
        seen.setdefault("runs", []).append(chosen.systems)
        return lab.usecases.report.Written(0, out, [], False)
    monkeypatch.setattr(lab.usecases.report, "run", fake_report)
    assert invoke(["report", "control-flow", "--out", str(tmp_path / "a")]).exit_code == 0
    assert invoke(["report", "control-flow", "--out", str(tmp_path / "b"), "--systems", "jax-jit"]).exit_code == 0
    assert invoke(["report", "control-flow", "--out", str(tmp_path / "c"), "--frameworks", "jax"]).exit_code == 0
    assert seen["runs"] == [list(systems.IDS), ["jax-jit"], ["jax-jit"]]


def test_claims_runs_every_system_unless_narrowed(monkeypatch):
    """`lab claims --frameworks jax` runs jax's systems: --frameworks and --modes narrow the
    "every system" default (they were ignored once, as --systems defaulted to all there). The
    notebook API picks the same systems from the same arguments."""
    import lab
    import lab.usecases.claims as use
    from compare import systems
    from lab.scoreboard import Scoreboard
    seen = []

    def fake_run(chosen, **kwargs):
        seen.append(chosen.systems)
        return use.Scored(Scoreboard(schema=2, systems=[], versions={}, claims=[], sides=[], skipped=[],
                                     exit_code=0), [])
    monkeypatch.setattr(use, "run", fake_run)
    for args in ([], ["--frameworks", "jax"], ["--modes", "static"], ["--systems", "torch-eager"]):
        assert invoke(["claims", "control-flow", "--json", *args]).exit_code == 0
    lab.claims("control-flow", frameworks=["jax"])
    assert seen == [list(systems.IDS), ["jax-jit"], systems.from_modes(systems.FRAMEWORK_NAMES, "static"),
                    ["torch-eager"], ["jax-jit"]]


# `lab compare` skips typer in a real shell (lab/cli/plain_args.py): what it reads must be what
# typer reads, and what it does not read must go to typer.
PLAIN_COMPARES = [
    ["control-flow"],
    ["control-flow", "--repeats", "3", "--timeout=1.5", "--json", "--export", "a.html", "--export=b.md"],
    ["--systems", "jax-jit,torch-eager", "control-flow", "--threads", "2", "--no-color", "--verbose"],
    ["control-flow", "--frameworks", "", "--modes", "all", "--device", "auto", "--plot", "c.png"],
    ["control-flow", "--repeats", "-3", "--timeout", ".5", "--full-traceback", "--repeats", "2"],
]
LEFT_TO_TYPER = [["control-flow", "--help"], ["control-flow", "--bogus"], ["control-flow", "extra"], [],
                 ["control-flow", "--repeats", "1e3"], ["control-flow", "--json=1"], ["control-flow", "--repeats"],
                 ["control-flow", "--frameworks", "-x"], ["--", "control-flow"], ["control-flow", "--timeout", "nan"]]


@pytest.mark.parametrize("args", PLAIN_COMPARES, ids=" ".join)
def test_compare_without_typer_reads_what_typer_reads(monkeypatch, args):
    from lab.cli import compare_command, plain_args
    seen = []
    monkeypatch.setattr(compare_command, "run", lambda scenario, **given: seen.append(dict(given, scenario=scenario)) or 0)
    assert invoke(["compare", *args]).exit_code == 0
    fast = dict(compare_command.DEFAULTS, **plain_args.compare(args))
    assert {k: (v, type(v)) for k, v in fast.items()} == {k: (v, type(v)) for k, v in seen[0].items()}


@pytest.mark.parametrize("args", LEFT_TO_TYPER, ids=" ".join)
def test_compare_arguments_typer_must_read_are_left_to_it(args):
    from lab.cli import plain_args
    assert plain_args.compare(args) is None


def test_the_plain_reader_knows_every_option_typer_declares():
    import typer.main
    from lab.cli import compare_command, plain_args
    from lab.cli.commands import app
    params = typer.main.get_command(app).commands["compare"].params
    declared = {opt: (p.name, p.is_flag, p.multiple, p.default) for p in params[1:] for opt in p.opts}
    assert declared == {opt: (name, kind == plain_args.FLAG, kind == plain_args.MANY, compare_command.DEFAULTS[name])
                        for opt, (name, kind) in plain_args.COMPARE.items()}


def test_compare_bad_input_in_a_real_shell_is_one_line_before_the_lesson():
    """The fast path checks as much as typer's: a bad value exits 2, nothing on stdout."""
    result = run_lab(["compare", "control-flow", "--repeats", "0", "--systems", "jax-jit"])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "lab: --repeats must be a whole number from 1 to 1000, got 0."
