"""The systems registry is the one place that names frameworks and systems."""
import re

import pytest

from compare import systems
from conftest import ROOT, invoke
from lab.strict_json import loads_strict

IDS = ["tf1-graph", "tf-function", "tf-eager", "jax-jit", "jax-eager",
       "torch-eager", "torch-compile", "torch-export", "torch-jit-trace", "torch-jit-script"]


def test_the_fixed_ids_in_the_fixed_order():
    assert list(systems.IDS) == IDS
    assert list(systems.DEFAULT) == ["tf-function", "jax-jit", "torch-eager"]
    assert systems.EAGER_BASELINE == "torch-eager"


def test_every_system_is_fully_declared():
    for s in systems.SYSTEMS:
        assert s.framework in systems.FRAMEWORK_NAMES
        assert s.impl_dir.split("/")[0] in ("static_impl", "dynamic_impl")
        assert s.label and s.short and s.variants
        assert s.counter or not s.static  # every graph system counts what it builds
        assert s.working  # which labels are expected to work, by default
        assert systems.FRAMEWORK_BY_NAME[s.framework].install.startswith("pip install")


def test_old_flags_map_onto_systems():
    assert systems.from_modes(["tensorflow", "jax", "torch"], "default") == list(systems.DEFAULT)
    assert systems.from_modes(["tensorflow", "jax", "torch"], "all") == [
        "tf-function", "tf-eager", "jax-jit", "jax-eager", "torch-eager", "torch-compile"]
    assert systems.from_modes(["torch"], "static") == ["torch-compile"]
    assert systems.ordered(["torch-eager", "tf1-graph"]) == ["tf1-graph", "torch-eager"]
    assert systems.frameworks_of(["torch-jit-script", "tf1-graph"]) == ["tensorflow", "torch"]


def test_torch_jit_is_two_systems_and_its_name_means_both():
    from lab.options import system_ids
    assert systems.FAMILIES == {"torch-jit": ("torch-jit-trace", "torch-jit-script")}
    assert system_ids("torch-jit", "", "") == ["torch-jit-trace", "torch-jit-script"]
    assert system_ids("torch-jit-script,tf1-graph", "", "") == ["tf1-graph", "torch-jit-script"]
    assert system_ids("all", "", "") == IDS


def test_a_family_table_lands_on_the_tool_it_names():
    # A spec written against the one torch-jit system: each variant goes to the system of its
    # tool, its expectation with it; a system given no variant runs the same functions itself.
    variants = {"torch-jit": {"naive": ("naive", "trace"), "scripted": ("naive", "script")}}
    expected = {("torch-jit", "naive"): {"status": "error"}, ("torch-jit", "scripted"): {"status": "ok"}}
    assert systems.split_families(variants, "variants") == {
        "torch-jit-trace": {"naive": ("naive", "trace")}, "torch-jit-script": {"scripted": ("naive", "script")}}
    assert systems.split_families(expected, "pairs", variants) == {
        ("torch-jit-trace", "naive"): {"status": "error"}, ("torch-jit-script", "scripted"): {"status": "ok"}}
    only_trace = {"torch-jit": {"bug": ("bug", "trace")}}
    assert systems.split_families(only_trace, "variants")["torch-jit-script"] == {"bug": ("bug", "script")}
    assert systems.split_families({("torch-jit", "bug"): {}}, "pairs", only_trace) == {("torch-jit-trace", "bug"): {}}
    assert systems.split_families({"torch-jit": ["extra"]}, "copy") == {
        "torch-jit-trace": ["extra"], "torch-jit-script": ["extra"]}


# Outside the registry and the framework backends, no module names a framework or a system id
# in a string literal (the CLI's help text reads the registry too).
LITERAL = re.compile(r"""["'](tensorflow|jax|torch|""" + "|".join(map(re.escape, IDS)) + r""")["']""")
ALLOWED = {"compare/systems.py"}


@pytest.mark.parametrize("folder", ["lab", "compare"])
def test_no_framework_or_system_literals_outside_the_registry(folder):
    offenders = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel in ALLOWED or rel.startswith("compare/backends/"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if LITERAL.search(line.split("#", 1)[0]):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_systems_option_and_bad_ids():
    result = invoke(["compare", "control-flow", "--systems", "jax-jitt"])
    assert result.exit_code == 2 and "Did you mean 'jax-jit'" in result.stderr
    result = invoke(["compare", "control-flow", "--systems", "jax-jit,jax-jit"])
    assert result.exit_code == 2 and "listed twice" in result.stderr


def test_lab_systems_lists_the_registry():
    import json
    result = invoke(["systems", "--json"])
    assert result.exit_code == 0
    assert [r["id"] for r in loads_strict(result.stdout)] == IDS


def test_lab_systems_json_is_the_typed_rows_to_dict():
    """`lab systems --json` is the use case's typed rows written out, byte for byte: each
    registry entry's fields, then its place in the display order."""
    from lab.strict_json import dumps
    from lab.usecases import systems as use
    rows = use.run()
    result = invoke(["systems", "--json"])
    assert result.exit_code == 0 and result.stdout == dumps([r.to_dict() for r in rows]) + "\n"
    data = loads_strict(result.stdout)
    assert [(r.system.id, r.system.label, r.system.framework, r.system.static, r.order) for r in rows] == \
        [(d["id"], d["label"], d["framework"], d["static"], d["order"]) for d in data]
    assert [d["order"] for d in data] == list(range(len(IDS))) and list(data[0])[-1] == "order"


def test_the_code_diff_baseline_is_the_registrys(compare_doc):
    doc = compare_doc("control-flow")
    assert doc["code"][systems.EAGER_BASELINE]["diff_vs_eager"] is None
    assert all(doc["code"][s]["diff_vs_eager"] is not None for s in doc["code"] if s != systems.EAGER_BASELINE)
