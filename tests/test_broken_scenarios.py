"""Broken scenarios in a temporary project tree: each fault costs its own scenario alone.

The tree is a copy of the lab (compare/, lab/, the implementation folders) whose scenarios/ holds
only the specs below: three healthy tiny ones (x * 2 under jax.jit; one with markup in its
title, one whose readings raise) beside an implementation that returns NaN, one that returns the
wrong shape, a reference that raises, and four specs that cannot load (a syntax error, missing names, `sys.exit` at
import, an import that loops). Every command runs in a subprocess from that tree, on jax-jit
alone; the five worker runs are shared by the assertions of each command.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from lab.strict_json import loads_strict

SPEC = """import numpy as np
{head}
NAME = {name!r}
TITLE = {title}
CLAIM = "Doubling is doubling."
LESSON = {lesson!r}
RTOL = 1e-5
ATOL = 1e-6


def calls(seed=0):
    return [(np.arange(4, dtype=np.float32) - 1.5,), (np.ones(3, dtype=np.float32),)]


def reference(x):
    return x * 2
{tail}"""

JAX = """import jax
import jax.numpy as jnp


@jax.jit
def forward(x):
    return {body}


@jax.jit
def naive(x):
    return x * 2
"""
EAGER = "def forward(x):\n    return x * 2\n"  # torch-eager's file: read by `lab diff`, never run

RAISING_READINGS = '''

def verdicts(doc):
    return [][0]


def annotate(run):
    raise KeyError("planted in annotate")


def CLAIM_RULE(doc, system):
    raise ValueError("planted in CLAIM_RULE")
'''

# module: (spec source, jax body or None, has an eager file)
SCENARIOS = {
    "zz_ok": (dict(title='"Doubling, " + "computed"'), "x * 2", True),
    "zz_markup": (dict(title=repr("Markup [/] and x[i] [bold]here"), lesson="Look at x[i] [/] here."),
                  "x * 2", True),
    "zz_reading": (dict(tail=RAISING_READINGS), "x * 2", True),
    "zz_nan": ({}, "x * jnp.nan", False),
    "zz_shape": ({}, "jnp.concatenate([x, x])", True),
    "zz_ref": (dict(tail="\n\ndef reference(x):\n    return 1 / 0\n"), "x * 2", True),
    "zz_exit": (dict(head="import sys\nsys.exit(0)"), None, True),
    "zz_loop": (dict(head="while True:\n    pass"), None, True),
}
BROKEN = {"zz_syntax": "NAME = 'zz-syntax'\ndef calls(:\n",
          "zz_missing": "NAME = 'zz-missing'\nTITLE = 'Half'\nCLAIM = 'Half-written.'\n"}
LOADED = ["zz-markup", "zz-nan", "zz-ok", "zz-reading", "zz-ref", "zz-shape"]  # ORDER ties: by name
SKIPPED = ["zz_exit", "zz_loop", "zz_missing", "zz_syntax"]
JAX_ONLY = ["--systems", "jax-jit", "--repeats", "1"]


def _spec(module: str, head: str = "", title: str = "'Doubling'", lesson: str = "x * 2, compiled.",
          tail: str = "") -> str:
    return SPEC.format(head=head, name=module.replace("_", "-"), title=title, lesson=lesson, tail=tail)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("compare", "lab", "static_impl", "dynamic_impl"):
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    (root / "scenarios").mkdir()
    (root / "scenarios" / "__init__.py").write_text("")
    for module, (fields, body, eager) in SCENARIOS.items():
        (root / "scenarios" / f"{module}.py").write_text(_spec(module, **fields))
        if body:
            (root / "static_impl" / "jax" / f"{module}.py").write_text(JAX.format(body=body))
        if eager:
            (root / "dynamic_impl" / "torch" / f"{module}.py").write_text(EAGER)
    for module, source in BROKEN.items():
        (root / "scenarios" / f"{module}.py").write_text(source)
    return root


def lab(tree, *args, timeout=300):
    env = dict(os.environ, LAB_SPEC_IMPORT_LIMIT_S="1", COLUMNS="120", PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _warnings(stderr: str) -> dict[str, str]:
    """{module: its warning line} for the skipped specs."""
    lines = [line for line in stderr.splitlines() if line.startswith("lab: warning: skipped")]
    return {m: line for line in lines for m in SKIPPED if f"scenarios/{m}.py" in line}


def _assert_skipped_each_with_one_line(stderr: str) -> None:
    found = _warnings(stderr)
    assert sorted(found) == SKIPPED, stderr
    assert "SystemExit" in found["zz_exit"]
    assert "ran past 1 s" in found["zz_loop"]
    assert "Traceback" not in stderr


def _runs(doc: dict, variant: str = "static") -> dict:
    (run,) = [r for r in doc["runs"] if r["system"] == "jax-jit" and r["variant"] == variant]
    return run


# --- no worker: what is refused up front --------------------------------------------------------

@pytest.mark.parametrize("module", SKIPPED)
def test_compare_of_a_broken_spec_is_one_line_exit_2(tree, module):
    result = lab(tree, "compare", module.replace("_", "-"), *JAX_ONLY)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"scenarios/{module}.py" in line and result.stdout == ""


def test_list_agrees_with_the_specs_and_skips_what_does_not_parse(tree):
    result = lab(tree, "list", "--json")
    assert result.returncode == 0
    rows = {r["name"]: r for r in loads_strict(result.stdout)}
    assert rows["zz-ok"]["title"] == "Doubling, computed"  # computed: read by importing the spec
    assert "zz-syntax" not in rows and "zz-missing" not in rows


def test_diff_without_an_eager_file_is_one_line_exit_2(tree):
    result = lab(tree, "diff", "zz-nan")
    assert result.returncode == 2
    assert result.stderr.strip() == ("lab: scenario 'zz-nan' has no eager file "
                                     "dynamic_impl/torch/zz_nan.py to set the others against.")


def test_nothing_left_to_run_is_exit_2(tree):
    result = lab(tree, "verify", "zz-exit", "zz-syntax", *JAX_ONLY[:2])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "lab: no scenario to run: all 2 specs are broken (see above)."


# --- one worker run per command -----------------------------------------------------------------

@pytest.fixture(scope="module")
def report(tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "lab-report"
    out.mkdir()
    (out / "report.html").write_text("the earlier report")  # replaced as a whole
    result = lab(tree, "report", "--out", str(out), *JAX_ONLY)
    return result, out


def test_report_keeps_every_healthy_scenario_and_marks_the_faults(report):
    result, out = report
    _assert_skipped_each_with_one_line(result.stderr)
    assert result.returncode == 1  # the skips, the NaN, the wrong shape and the readings
    assert sorted(os.listdir(out)) == ["report.html", "report.json", "terminal.html"]
    assert not [p for p in os.listdir(out.parent) if p != "lab-report"]  # no staging folder left
    data = loads_strict((out / "report.json").read_text())
    docs = {d["scenario"]: d for d in data["scenarios"]}
    assert sorted(docs) == LOADED
    assert len(data["skipped"]) == 4
    assert _runs(docs["zz-ok"])["status"] == "ok" and docs["zz-ok"]["exit_code"] == 0
    assert docs["zz-ok"]["title"] == "Doubling, computed"
    nan = _runs(docs["zz-nan"])
    assert nan["status"] == "wrong" and nan["max_abs_err"] is None and nan["max_abs_err_note"] in ("nan", "inf")
    assert _runs(docs["zz-shape"])["status"] == "wrong"
    assert _runs(docs["zz-ref"])["status"] == "crashed"  # its reference raised in the worker
    reading = docs["zz-reading"]
    assert _runs(reading)["status"] == "ok"  # the run stands; its readings failed
    assert reading["exit_code"] == 1 and reading["takeaways"] == []
    assert any("verdicts raised IndexError" in e for e in reading["reading_errors"])
    assert any("annotate raised KeyError" in e for e in reading["reading_errors"])
    cell = data["claims"]["claims"][[r["scenario"] for r in data["claims"]["claims"]].index("zz-reading")]
    assert cell["cells"]["jax-jit"]["verdict"] == "error"
    assert "planted in CLAIM_RULE" in cell["cells"]["jax-jit"]["evidence"]
    assert (out / "report.html").read_text() != "the earlier report"


def test_report_draws_markup_as_text(report):
    _, out = report
    terminal = (out / "terminal.html").read_text()
    assert "Markup [/] and x[i] [bold]here" in terminal  # not eaten as rich markup
    page = (out / "report.html").read_text()
    assert "Markup [/] and x[i] [bold]here" in page
    assert "The scenario&#39;s own reading failed" in page or "The scenario's own reading failed" in page


def test_claims_grades_the_healthy_and_marks_the_raising_rule(tree):
    result = lab(tree, "claims", *JAX_ONLY, "--json")
    _assert_skipped_each_with_one_line(result.stderr)
    board = loads_strict(result.stdout)
    assert result.returncode == board["exit_code"] == 1
    rows = {r["scenario"]: r["cells"]["jax-jit"] for r in board["claims"]}
    assert sorted(rows) == LOADED
    assert rows["zz-reading"]["verdict"] == "error"
    assert rows["zz-ok"]["verdict"] == "not-applicable"  # no rule: nothing to grade, no error
    assert rows["zz-ref"]["verdict"] == "unavailable"  # nothing ran to completion
    assert len(board["skipped"]) == 4


def test_verify_fails_the_wrong_implementations_only(tree, tmp_path):
    junit = tmp_path / "verify.xml"
    result = lab(tree, "verify", *JAX_ONLY[:2], "--json", "--junit-xml", str(junit))
    _assert_skipped_each_with_one_line(result.stderr)
    report = loads_strict(result.stdout)
    assert result.returncode == report["exit_code"] == 1
    forward = {r["scenario"]: r["status"] for r in report["results"]
               if r["quantity"] == "forward" and r["variant"] == "static"}
    assert forward == {"zz-markup": "pass", "zz-nan": "fail", "zz-ok": "pass", "zz-reading": "pass",
                       "zz-shape": "fail"}
    # The reference raised in this process, where verify computes the expected values.
    (ref,) = [r for r in report["results"] if r["scenario"] == "zz-ref"]
    assert ref["status"] == "crashed" and "reference raised ZeroDivisionError" in ref["detail"]
    import xml.etree.ElementTree as ET
    suites = ET.parse(junit).getroot()
    assert sorted(s.get("name") for s in suites) == LOADED
    assert [p.name for p in tmp_path.iterdir()] == ["verify.xml"]


def test_compare_shows_the_reading_errors_and_exports_a_self_contained_svg(tree, tmp_path):
    svg = tmp_path / "run.svg"
    result = lab(tree, "compare", "zz-reading", *JAX_ONLY, "--export", str(svg))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    said = " ".join(result.stdout.split())
    assert said.count("reading error:") == 2  # one line per failed reading, not one per run
    assert "annotate raised KeyError: 'planted in annotate' (jax-jit naive, jax-jit static)" in said
    assert "verdicts raised IndexError" in said
    text = svg.read_text()
    assert "reading error:" in text.replace("&#160;", " ")
    assert "@font-face" not in text  # no font fetched from a CDN when it is opened
    assert not re.search(r"url\(\s*[\"']?https?:", text)


def test_demo_walks_through_markup_and_a_raising_reading(tree):
    result = lab(tree, "demo", "zz-markup", "zz-reading", "zz-exit", "--auto", "0", *JAX_ONLY)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr
    assert "Markup [/] and x[i] [bold]here" in result.stdout
    assert "reading error:" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert "scenarios/zz_exit.py" in line and "SystemExit" in line


def test_the_notebook_api_skips_and_refuses_the_same_specs(tree):
    probe = ("import json, lab\n"
             "names = [s['name'] for s in lab.scenarios()]\n"
             "from lab.errors import LabError\ntry:\n    lab.compare('zz-exit')\nexcept LabError as exc:\n    refused = str(exc)\n"
             "print(json.dumps({'names': names, 'refused': refused}))\n")
    env = dict(os.environ, LAB_SPEC_IMPORT_LIMIT_S="1", PYTHONPATH=str(tree))
    result = subprocess.run([sys.executable, "-c", probe], cwd=tree, env=env, capture_output=True,
                            text=True, timeout=120)
    said = loads_strict(result.stdout)
    assert said["names"] == LOADED
    assert "scenarios/zz_exit.py" in said["refused"] and "SystemExit" in said["refused"]
    _assert_skipped_each_with_one_line(result.stderr)
