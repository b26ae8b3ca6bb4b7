"""Every scenario's implementation files expose the same public names, and every declared
variant exists: `lab check`'s own checks, run on every scenario. Read with ast, so this test
imports no framework."""
import pytest

from conftest import SCENARIOS
from compare.checks import check_scenario, parity
from compare.discovery import get


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_public_names(name):
    found = parity(get(name))
    assert len(found) >= 3
    assert len({frozenset(v) for v in found.values()}) == 1, found


@pytest.mark.parametrize("name", SCENARIOS)
def test_lab_check_passes(name):
    report = check_scenario(name)
    assert report.exit_code == 0, [r for r in report.checks if r.status == "fail"]
    assert {r.check for r in report.checks} >= {"spec", "inputs", "variants", "names", "bug markers"}


@pytest.mark.parametrize("name", SCENARIOS)
def test_spec_contract(name):
    scenario = get(name)
    assert scenario.name == name and scenario.title and scenario.claim and scenario.lesson
    assert 0 < scenario.rtol < 1e-2 and 0 < scenario.atol < 1e-2
    first, again = scenario.calls(0), scenario.calls(0)
    assert first and len(first) == len(again)
    for a, b in zip(first, again):  # seeded: the same inputs every time
        for x, y in zip(a, b):
            assert (x == y).all()
