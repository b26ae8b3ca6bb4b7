"""`lab verify`: it passes on the real implementations, and fails when one is made wrong."""
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np

import pytest

from conftest import ROOT, SCENARIOS, invoke, run_lab
from lab.strict_json import loads_strict


@pytest.fixture(scope="session")
def verified_run(tmp_path_factory):
    junit = tmp_path_factory.mktemp("junit") / "verify.xml"
    return invoke(["verify", "--json", "--junit-xml", str(junit)]), junit


@pytest.fixture(scope="session")
def verified(verified_run):
    result, junit = verified_run
    return loads_strict(result.stdout), result.exit_code, junit


def test_verify_passes_everywhere(verified):
    report, code, _ = verified
    bad = [r for r in report["results"] if r["status"] not in ("pass", "not differentiable")]
    assert bad == [], [(r["scenario"], r["framework"], r["variant"], r["quantity"], r["status"],
                        r["max_abs_err"], r["case"], r["detail"]) for r in bad]
    assert code == 0


def test_every_scenario_checks_forward_and_gradient_in_every_framework(verified):
    report, _, _ = verified
    from compare.discovery import get
    for name in SCENARIOS:
        spec = get(name)
        if spec.reference(*spec.calls(0)[0]) is None:
            # No one reference for the scenario's variants (speed: each workload has its own,
            # checked size by size by the probe, as each sweep entry's `matched`): lab verify
            # checks what each variant does against the lesson, not numbers.
            assert {r["quantity"] for r in report["results"] if r["scenario"] == name} == {"outcome"}, name
            continue
        for fw in ("tensorflow", "jax", "torch"):
            quantities = {r["quantity"] for r in report["results"]
                          if r["scenario"] == name and r["framework"] == fw}
            assert {"forward", "gradient"} <= quantities, (name, fw, quantities)
        pairwise = [r for r in report["results"] if r["scenario"] == name and "pairwise" in r["quantity"]]
        assert pairwise, name


def test_non_differentiable_static_form_is_a_finding_with_a_verified_alternative(verified):
    report, _, _ = verified
    rows = {(r["scenario"], r["framework"], r["variant"], r["quantity"]): r for r in report["results"]}
    finding = rows[("control-flow", "jax", "static", "gradient")]
    assert finding["status"] == "not differentiable"
    assert "while_loop" in finding["detail"]
    assert rows[("control-flow", "jax", "bounded", "gradient")]["status"] == "pass"


def test_tolerances_are_reported(verified):
    report, _, _ = verified
    for r in report["results"]:
        if r["quantity"] in ("forward", "gradient") and r["status"] == "pass":
            assert 0 < r["tolerance"]["rtol"] < 1e-2 and r["max_abs_err"] is not None


def test_junit_xml_is_valid_and_complete(verified):
    report, _, junit = verified
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == report["scenarios"]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(report["results"])
    assert sum(int(s.get("tests")) for s in suites) == len(cases)
    assert root.findall(".//failure") == []


def test_the_json_and_the_junit_file_are_the_typed_report(verified_run):
    """The JSON boundary's one pair: the printed report, typed again, prints the same bytes and
    draws the same JUnit file the command wrote."""
    from compare.results import VerifyReport, VerifyRow
    from lab.strict_json import dumps
    from lab.views.junit import junit_xml
    result, junit = verified_run
    report = VerifyReport.from_dict(loads_strict(result.stdout))
    assert report.results and all(isinstance(r, VerifyRow) for r in report.results)
    assert dumps(report.to_dict()) + "\n" == result.stdout
    assert junit_xml(report) == junit.read_text()


def test_a_non_finite_error_survives_the_json_boundary():
    """Strict JSON prints a NaN error as null with a note; typed again, the row has its NaN back."""
    import math
    from compare.results import VerifyReport, VerifyRow
    from lab.strict_json import dumps
    row = VerifyRow("s", "torch-eager", "torch", "eager", "forward", "fail", max_abs_err=float("nan"))
    report = VerifyReport(["s"], ["torch-eager"], "cpu", 6, {"s": 1}, {}, [row], 1)
    printed = loads_strict(dumps(report.to_dict()))
    assert printed["results"][0]["max_abs_err"] is None
    assert math.isnan(VerifyReport.from_dict(printed).results[0].max_abs_err)
    assert dumps(VerifyReport.from_dict(printed).to_dict()) == dumps(report.to_dict())


def _copy_project(tmp_path):
    dest = tmp_path / "project"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info"))
    return dest


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _verify_copy(dest, frameworks="jax,torch", scenarios=("control-flow",)):
    result = run_lab(["verify", *scenarios, "--json", "--frameworks", frameworks], cwd=dest)
    return loads_strict(result.stdout), result.returncode


@pytest.fixture(scope="module")
def perturbed(tmp_path_factory):
    """One `lab verify` of a copied project with two planted faults, each in its own scenario: a
    forward output off by 0.1% (control-flow, torch eager) and, with the same forward value, a
    gradient scaled by 1.001 (variable-length, torch eager)."""
    dest = _copy_project(tmp_path_factory.mktemp("perturbed"))
    _edit(dest / "dynamic_impl/torch/control_flow.py", "    return y, n", "    return y * 1.001, n")
    _edit(dest / "dynamic_impl/torch/variable_length.py", "    return h",
          "    h = h + 0.001 * (h - h.detach())\n    return h")
    return _verify_copy(dest, scenarios=("control-flow", "variable-length"))


def test_a_perturbed_output_fails_and_names_the_cell(perturbed):
    report, code = perturbed
    assert code == 1
    failed = [r for r in report["results"] if r["status"] == "fail"]
    own = [r for r in failed if r["framework"] == "torch" and r["quantity"] == "forward"]
    assert own and {r["scenario"] for r in own} == {"control-flow"} and own[0]["variant"] == "eager"
    assert own[0]["max_abs_err"] > own[0]["tolerance"]["atol"]
    # jax's own cells stay green: the failure is pinned on the perturbed implementation.
    assert not [r for r in failed if r["framework"] == "jax"]


def test_a_gradient_only_perturbation_fails_on_the_gradient(perturbed):
    report, _ = perturbed
    rows = {(r["framework"], r["quantity"]): r for r in report["results"] if r["scenario"] == "variable-length"
            and r["variant"] == "eager"}
    assert rows[("torch", "forward")]["status"] == "pass"
    assert rows[("torch", "gradient")]["status"] == "fail"
    assert re.match(r"case \d+", rows[("torch", "gradient")]["detail"])


def test_a_naive_port_that_starts_working_is_lesson_drift(tmp_path):
    dest = _copy_project(tmp_path)
    # As if a JAX release made the naive port work: it now behaves like the working one.
    with open(dest / "static_impl/jax/control_flow.py", "a") as fh:
        fh.write("\n\nnaive = forward\n")
    report, code = _verify_copy(dest, "jax")
    assert code == 4
    (drift,) = [r for r in report["results"] if r["status"] == "drift"]
    assert (drift["scenario"], drift["framework"], drift["variant"]) == ("control-flow", "jax", "naive")
    assert "expected 'error', observed 'ok'" in drift["detail"]


def test_hypothesis_cases_do_not_depend_on_what_was_imported_before(tmp_path, monkeypatch):
    """Hypothesis mixes literals of loaded local modules into draws; verify pins that off, so
    `lab verify X` alone, after other scenarios, or under pytest draws the same inputs."""
    import importlib
    from compare import discovery
    from lab.verify import hypothesis_cases
    spec = discovery.get("dynamic-architecture")

    def drawn():
        return [[np.asarray(a).tobytes() for a in case] for case in hypothesis_cases(spec, 6)]

    before = drawn()
    # A newly imported local module full of literals hypothesis would otherwise pick up.
    literals = ", ".join(f"{v}.{v % 7}5" for v in range(1, 200)) + ", " + ", ".join(map(str, range(-9, 40)))
    (tmp_path / "lab_probe_constants.py").write_text(f"VALUES = [{literals}]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    importlib.import_module("lab_probe_constants")
    after = drawn()
    monkeypatch.delitem(__import__("sys").modules, "lab_probe_constants")
    assert after == before


def test_table_is_one_line_per_row_at_80_columns(verified):
    """In CI there is no terminal: rich draws 80 columns. The system column was cut to
    `tf-funct…` and each row wrapped over 3-5 lines; now each row is one line with its status."""
    import io
    from rich.console import Console
    from compare.discovery import get
    from lab.labels import role_in
    from compare.results import VerifyReport
    from lab.views.verify import verify_table
    report = verified[0]
    con = Console(file=io.StringIO(), width=80, record=True, color_system=None)
    verify_table(con, VerifyReport.from_dict(report))
    text = con.export_text()
    table = text[:text.index("forward against the numpy reference")]
    assert max(len(line) for line in table.splitlines()) <= 80 and "…" not in table
    wide = Console(file=io.StringIO(), width=240, record=True, color_system=None)
    verify_table(wide, VerifyReport.from_dict(report))
    wide_text = wide.export_text()
    wide_rows = {" ".join(line.split()) for line in wide_text[:wide_text.index("forward against")].splitlines()}
    for line in table.splitlines():  # every row as it reads at 240 columns: nothing cropped
        if line.startswith("    "):  # a (system, variant) row, under its scenario's line
            assert " ".join(line.split()) in wide_rows, line
    by_scenario, current = {}, None
    for line in table.splitlines():
        head = line.strip().split(" (")[0]
        if head in report["scenarios"] and line.strip().endswith("inputs)"):
            current = head
        elif current and line.strip():
            by_scenario.setdefault(current, []).append(line.strip())
    for r in report["results"]:
        if " vs " in r["system"] or r["quantity"] not in ("forward", "gradient"):
            continue
        label = f"{r['system']} {role_in(get(r['scenario']), r['system'], r['variant'])} "
        lines = [line for line in by_scenario[r["scenario"]] if line.startswith(label) and " vs " not in line]
        assert len(lines) == 1 and r["status"].split()[0][:4] in lines[0], (label, lines)
