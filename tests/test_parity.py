"""Every scenario's three implementation files expose the same public names.

Read with ast, so this test imports no framework."""
import ast

import pytest

from conftest import FRAMEWORKS, SCENARIOS
from lab.discovery import get


def public_names(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_public_names(name):
    scenario = get(name)
    extras = getattr(scenario.spec, "EXTRAS", {})
    found = {fw: public_names(scenario.impl_file(fw)) - set(extras.get(fw, ())) for fw in FRAMEWORKS}
    assert found["tensorflow"] == found["jax"] == found["torch"], found


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_declared_variant_exists(name):
    scenario = get(name)
    for fw in FRAMEWORKS:
        names = public_names(scenario.impl_file(fw)) | {
            n.name for n in ast.parse(scenario.impl_file(fw).read_text()).body
            if isinstance(n, ast.FunctionDef)}
        for mode in ("static", "dynamic"):
            for label, attr in scenario.variants(fw, mode).items():
                assert attr in names, f"{fw} {mode} variant {label} -> {attr} missing"


@pytest.mark.parametrize("name", SCENARIOS)
def test_spec_contract(name):
    scenario = get(name)
    spec = scenario.spec
    assert spec.NAME == name and spec.TITLE and spec.CLAIM and spec.LESSON
    assert 0 < spec.RTOL < 1e-2 and 0 < spec.ATOL < 1e-2
    first, again = spec.calls(0), spec.calls(0)
    assert first and len(first) == len(again)
    for a, b in zip(first, again):  # seeded: the same inputs every time
        for x, y in zip(a, b):
            assert (x == y).all()
