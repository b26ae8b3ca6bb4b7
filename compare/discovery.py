"""Find scenarios by listing `scenarios/`: dropping in files is the whole registration.

A scenario is a declared object (`Scenario`), built from its spec module and checked against
the contract (`compare.contract`) as it loads. A broken spec costs one `SpecError`, never the
other scenarios. Framework-free: the CLI process uses it to list and validate scenarios.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

from compare import systems
from compare.contract import REQUIRED, SpecError, values

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = ROOT / "scenarios"


@dataclass
class Scenario:
    name: str
    module_name: str
    title: str
    claim: str
    lesson: str
    rtol: float
    atol: float
    order: int
    calls: Callable = field(repr=False)
    reference: Callable = field(repr=False)
    fields: dict = field(repr=False)          # every contract field, defaults filled in
    spec: ModuleType = field(repr=False)

    def impl_file(self, system: str) -> Path:
        return ROOT / systems.get(system).impl_dir / f"{self.module_name}.py"

    def impl_module(self, system: str) -> str:
        return f"{systems.get(system).impl_dir.replace('/', '.')}.{self.module_name}"

    def has_impl(self, system: str) -> bool:
        return self.impl_file(system).exists()

    def rel_file(self, system: str) -> str:
        return str(self.impl_file(system).relative_to(ROOT))

    def variant_table(self, system: str) -> dict[str, tuple[str, str | None]]:
        """{label: (function in the implementation module, how the system's tool takes it)}; `how`
        is None where the system has one way only."""
        table = self.fields["VARIANTS"].get(system, systems.get(system).variants)
        return {label: tuple(v) if isinstance(v, (tuple, list)) else (v, None) for label, v in table.items()}

    def variants(self, system: str) -> dict[str, str]:
        """{label: function in the implementation module} for one system."""
        return {label: fn for label, (fn, _) in self.variant_table(system).items()}

    def declared_expectation(self, system: str, label: str) -> dict | None:
        """What the spec itself says a variant does (no defaults): the lesson, as data."""
        return self.fields["EXPECTED"].get((system, label))

    def expected(self, system: str, label: str) -> dict | None:
        """The outcome a variant is supposed to have: the spec's word, else {"status": "ok"} for
        the system's working labels, else nothing."""
        declared = self.declared_expectation(system, label)
        if declared is not None:
            return declared
        return {"status": "ok"} if label in systems.get(system).working else None

    def describe(self, seed: int = 0) -> dict:
        describe = self.fields["describe_calls"]
        return dict(describe(self.calls(seed))) if describe else {}

    def verify_variants(self, system: str) -> list[tuple[str, str]]:
        """(label, function) that `lab verify` checks numerically: the working ones, plus any the
        spec adds in VERIFY_VARIANTS (e.g. a bounded loop that can be differentiated)."""
        out = [(label, attr) for label, attr in self.variants(system).items()
               if (self.expected(system, label) or {}).get("status") == "ok"
               and label in systems.get(system).working]
        return out + list(self.fields["VERIFY_VARIANTS"].get(system, {}).items())

    def field(self, name: str):
        return self.fields[name]


def _check_keys(file: str, table: dict, name: str, keyed_by_pair: bool) -> None:
    for key in table:
        system = key[0] if keyed_by_pair and isinstance(key, tuple) else key
        if system not in systems.BY_ID:
            raise SpecError(file, f"{name} names unknown system {system!r}; "
                                  f"valid: {', '.join(systems.IDS)}")


def load(module_name: str) -> Scenario:
    """Import and check one spec. SpecError for a syntax error, a failing import, a missing or
    mistyped field, a NAME that does not match the file, or an unknown system id. A family id
    ("torch-jit") in a table is split onto its systems (compare.systems.split_families)."""
    file = f"scenarios/{module_name}.py"
    try:
        spec = importlib.import_module(f"scenarios.{module_name}")
    except SyntaxError as exc:
        raise SpecError(file, f"syntax error at line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - any import failure of a user file is its problem
        sys.modules.pop(f"scenarios.{module_name}", None)
        raise SpecError(file, f"cannot import: {type(exc).__name__}: {exc}") from None
    fields = values(spec, file)
    if fields["NAME"].replace("-", "_") != module_name:
        raise SpecError(file, f"NAME {fields['NAME']!r} does not match the file name "
                              f"(expected {module_name.replace('_', '-')!r})")
    declared = fields["VARIANTS"]
    fields["VARIANTS"] = systems.split_families(declared, "variants")
    for name in ("VERIFY_VARIANTS", "EXTRAS"):
        fields[name] = systems.split_families(fields[name], "copy")
    for name in ("EXPECTED", "NOT_DIFFERENTIABLE"):
        fields[name] = systems.split_families(fields[name], "pairs", declared)
    for name in ("VARIANTS", "VERIFY_VARIANTS", "EXTRAS"):
        _check_keys(file, fields[name], name, False)
    for name in ("EXPECTED", "NOT_DIFFERENTIABLE"):
        _check_keys(file, fields[name], name, True)
    return Scenario(name=fields["NAME"], module_name=module_name, title=fields["TITLE"],
                    claim=fields["CLAIM"], lesson=fields["LESSON"], rtol=fields["RTOL"],
                    atol=fields["ATOL"], order=fields["ORDER"], calls=fields["calls"],
                    reference=fields["reference"], fields=fields, spec=spec)


def module_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(SCENARIO_DIR)])
                  if not info.name.startswith("_"))


def names() -> list[str]:
    """Scenario CLI names without importing the specs (they import numpy): file names suffice."""
    return [m.replace("_", "-") for m in module_names()]


def discover() -> tuple[list[Scenario], list[SpecError]]:
    """Every scenario that loads, in ORDER (then by name), and one SpecError per one that doesn't."""
    found, problems = [], []
    for module_name in module_names():
        try:
            found.append(load(module_name))
        except SpecError as exc:
            problems.append(exc)
    return sorted(found, key=lambda s: (s.order, s.name)), problems


def get(name: str) -> Scenario:
    """One scenario by CLI name; KeyError if there is no such file, SpecError if it is broken."""
    module_name = name.replace("-", "_")
    if module_name not in module_names() or name != module_name.replace("_", "-"):
        raise KeyError(name)
    return load(module_name)


def summaries() -> tuple[list[dict], list[SpecError]]:
    """name, title and claim of each scenario, read from the spec files' source without importing
    them (their numpy import would cost `lab list` a tenth of a second). A file that does not
    parse, or lacks a literal NAME, TITLE or CLAIM, is a SpecError."""
    rows, problems = [], []
    for module_name in module_names():
        file = f"scenarios/{module_name}.py"
        path = SCENARIO_DIR / f"{module_name}.py"
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as exc:
            problems.append(SpecError(file, f"syntax error at line {exc.lineno}: {exc.msg}"))
            continue
        fields, defined = {}, set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ImportFrom, ast.Import)):
                defined.update([node.name] if isinstance(node, ast.FunctionDef)
                               else [a.asname or a.name for a in node.names])
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    defined.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
                if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and node.targets[0].id in ("NAME", "ORDER", "TITLE", "CLAIM"):
                    try:
                        fields[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        pass
        missing = [k for k in REQUIRED if k not in defined]
        if missing or not all(isinstance(fields.get(k), str) for k in ("NAME", "TITLE", "CLAIM")):
            problems.append(SpecError(file, f"missing required {', '.join(missing or ['literal NAME/TITLE/CLAIM'])} "
                                            "(see ADDING_A_SCENARIO.md)"))
            continue
        rows.append({"name": fields["NAME"], "title": fields["TITLE"], "claim": fields["CLAIM"],
                     "order": fields.get("ORDER", 99)})
    rows.sort(key=lambda r: (r["order"], r["name"]))
    return [{k: v for k, v in r.items() if k != "order"} for r in rows], problems
