"""The scenario contract: declared once, documented in full, validated on load; a broken or
half-written scenario costs one warning line, never a traceback nor the other scenarios."""
import re

import pytest

from compare import contract
from compare.discovery import SpecError, discover, get
from conftest import ROOT, SCENARIOS, invoke, run_lab
from lab.strict_json import loads_strict

BROKEN = {
    "zz_syntax": ("NAME = 'zz-syntax'\nTITLE = 'x'\nCLAIM = 'x'\ndef calls(:\n", "syntax error at line 4"),
    "zz_half": ("NAME = 'zz-half'\nTITLE = 'Half'\nCLAIM = 'Half-written.'\n",
                "missing required LESSON, RTOL, ATOL, calls, reference"),
}


@pytest.fixture
def broken_scenarios():
    """Two bad spec files dropped into scenarios/ for the length of one test."""
    paths = []
    try:
        for module, (source, _) in BROKEN.items():
            path = ROOT / "scenarios" / f"{module}.py"
            path.write_text(source)
            paths.append(path)
        yield BROKEN
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def test_adding_a_scenario_lists_the_whole_contract():
    text = (ROOT / "ADDING_A_SCENARIO.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (yes|no[^|]*) \|", text, re.M))
    assert set(rows) == {f.name for f in contract.FIELDS}
    for f in contract.FIELDS:
        assert rows[f.name].startswith("yes" if f.required else "no"), f.name


def test_every_scenario_satisfies_the_contract():
    found, problems = discover()
    assert [s.name for s in found] == SCENARIOS and not problems


def test_a_mistyped_field_names_the_file_and_the_field(tmp_path, monkeypatch):
    import types
    module = types.ModuleType("fake")
    module.__dict__.update(NAME="fake", TITLE="t", CLAIM="c", LESSON="l", RTOL="1e-5", ATOL=1e-6,
                           calls=lambda seed=0: [], reference=lambda *a: None)
    with pytest.raises(SpecError) as info:
        contract.values(module, "scenarios/fake.py")
    assert str(info.value).startswith("scenarios/fake.py: RTOL should be number")


def test_unknown_system_in_a_table_is_a_spec_error(monkeypatch):
    import scenarios.control_flow as spec
    monkeypatch.setattr(spec, "EXPECTED", {("tf2-graph", "naive"): {"status": "ok"}})
    with pytest.raises(SpecError, match="unknown system 'tf2-graph'"):
        get("control-flow")


def test_list_skips_broken_scenarios_with_one_line_each(broken_scenarios):
    result = run_lab(["list", "--json"])
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert [r["name"] for r in loads_strict(result.stdout)] == SCENARIOS
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2
    for module, (_, problem) in broken_scenarios.items():
        (line,) = [line for line in lines if f"scenarios/{module}.py" in line]
        assert problem in line and line.startswith("lab: warning: skipped")


def test_compare_of_a_broken_scenario_exits_2_with_the_problem(broken_scenarios):
    for module, (_, problem) in broken_scenarios.items():
        result = run_lab(["compare", module.replace("_", "-")])
        assert result.returncode == 2 and "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert problem in line and f"scenarios/{module}.py" in line


def test_check_reports_a_broken_scenario(broken_scenarios):
    result = invoke(["check", "zz-half", "--json"])
    report = loads_strict(result.stdout)
    assert result.exit_code == 1
    assert report["checks"][0]["status"] == "fail" and "missing required LESSON" in report["checks"][0]["detail"]
    assert invoke(["check", "no-such"]).exit_code == 2


def test_verify_and_demo_skip_broken_scenarios(broken_scenarios):
    from lab import errors, selection
    warnings = []
    picked = selection.parse(many=True, warn=warnings.append)
    assert picked.scenarios == SCENARIOS and len(warnings) == 2 and len(picked.skipped) == 2
    # The specs loaded to check them are what the session runs: none is loaded twice.
    assert [s.name for s in picked.to_run()] == SCENARIOS
    # Skipping one that was asked for never passes as complete.
    assert picked.fold(errors.OK) == errors.FAILED and picked.fold(errors.INTERRUPTED) == errors.INTERRUPTED


def test_check_passes_on_every_scenario_and_names_a_missing_function(monkeypatch):
    from compare.checks import check_scenario
    assert check_scenario("control-flow").exit_code == 0
    import scenarios.control_flow as spec
    monkeypatch.setattr(spec, "VARIANTS", {"jax-jit": {"static": "forwrd"}}, raising=False)
    report = check_scenario("control-flow")
    assert report.exit_code == 1
    assert any("static -> forwrd is not in static_impl/jax/control_flow.py" in r.detail
               for r in report.checks if r.status == "fail")
    # The JSON boundary: `lab check --json` prints the typed report's to_dict, and from_dict reads it back.
    from compare.results import CheckReport
    from lab.strict_json import dumps
    printed = invoke(["check", "control-flow", "--json"])
    assert printed.exit_code == 1 and printed.stdout == dumps(report.to_dict()) + "\n"
    assert CheckReport.from_dict(loads_strict(printed.stdout)) == report
