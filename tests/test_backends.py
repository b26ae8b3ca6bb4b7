"""Every backend meets compare/backends/interface.py's Protocol: the same functions, with the same
signatures (inspect.signature), in the same order; an adapter (tf1_graph, torch_static) defines
the functions it takes over with those signatures too. Each framework is imported in a process of
its own, as a worker does (the test process never imports one)."""
import inspect
import json
import re
import subprocess
import sys

import pytest

from compare import systems
from compare.backends import interface
from compare.discovery import ROOT

# Runs in the framework's own process: each module's Protocol names, as
# {name: [[parameter, kind, default], ...] or "attribute"}, in definition order.
_DUMP = """
import inspect, json, sys
from compare.backends import interface, isolate, load
from compare import systems
framework = sys.argv[1]
isolate(framework)
backend = load(framework)
modules = {framework: backend}
for adapter in {s.adapter for s in systems.of_framework(framework) if s.adapter}:
    modules[adapter] = getattr(backend, adapter)

def shape(value):
    if not callable(value):
        return "attribute"
    return [[p.name, p.kind.name, repr(p.default)] for p in inspect.signature(value).parameters.values()]

def order(module, name):
    value = inspect.unwrap(getattr(module, name))
    return value.__code__.co_firstlineno if hasattr(value, "__code__") else 0

out = {}
for name, module in modules.items():
    found = [n for n in interface.FUNCTIONS + interface.ATTRIBUTES if hasattr(module, n)]
    out[name] = {"names": sorted(found, key=lambda n: order(module, n)),
                 "shapes": {n: shape(getattr(module, n)) for n in found}}
print(json.dumps(out))
"""


def _protocol_shape(name: str) -> list:
    params = list(inspect.signature(getattr(interface.Backend, name)).parameters.values())[1:]  # self
    return [[p.name, p.kind.name, repr(p.default)] for p in params]


@pytest.fixture(scope="module", params=systems.FRAMEWORK_NAMES)
def dumped(request):
    done = subprocess.run([sys.executable, "-c", _DUMP, request.param], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return request.param, json.loads(done.stdout.strip().splitlines()[-1])


def test_every_backend_has_every_function_with_the_protocols_signature(dumped):
    framework, modules = dumped
    own = modules[framework]
    assert set(own["names"]) == set(interface.FUNCTIONS + interface.ATTRIBUTES)
    for name in interface.FUNCTIONS:
        assert own["shapes"][name] == _protocol_shape(name), f"{framework}.{name}"
    # Keras-style: the functions come in the Protocol's order, so two backends diff cleanly.
    assert [n for n in own["names"] if n in interface.FUNCTIONS] == list(interface.FUNCTIONS)


def test_an_adapter_takes_over_functions_with_the_same_signatures(dumped):
    framework, modules = dumped
    adapters = {s.adapter for s in systems.of_framework(framework) if s.adapter}
    assert set(modules) == {framework} | adapters
    for adapter in adapters:
        functions = [n for n in modules[adapter]["names"] if n in interface.FUNCTIONS]
        assert "prepare" in functions, adapter
        for name in functions:
            assert modules[adapter]["shapes"][name] == _protocol_shape(name), f"{adapter}.{name}"
        assert functions == [n for n in interface.FUNCTIONS if n in functions], adapter


def test_the_protocol_is_declared_once_and_checkable_at_runtime():
    assert len(interface.FUNCTIONS) == 19 and interface.ATTRIBUTES == ("NAME", "ACCOUNT_SOURCE")

    class Partial:
        NAME = ACCOUNT_SOURCE = "x"
    assert not isinstance(Partial(), interface.Backend)  # a missing function is seen


def test_no_backend_restates_the_registry():
    """A backend names no system: which systems it jits, traces or hands to an adapter, and which
    ways (`how`) a tool takes, are read from compare/systems.py."""
    literal = re.compile(r"""["'](""" + "|".join(map(re.escape, systems.IDS)) + r""")["']""")
    offenders = [f"{path.name}:{n}: {line.strip()}"
                 for path in sorted((ROOT / "compare" / "backends").glob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if literal.search(line.split("#", 1)[0])]
    assert not offenders, "\n".join(offenders)
