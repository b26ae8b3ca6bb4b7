"""Find scenarios by listing `scenarios/`: dropping in files is the whole registration.

Framework-free: the CLI process uses it to list and validate scenarios.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("tensorflow", "jax", "torch")  # the fixed order, everywhere
MODES = ("static", "dynamic")
DEFAULT_MODES = {"tensorflow": ("static",), "jax": ("static",), "torch": ("dynamic",)}
IMPL_DIRS = {"tensorflow": "static_impl/tensorflow", "jax": "static_impl/jax",
             "torch": "dynamic_impl/torch"}
# Variants run in a framework's non-native mode: the naive code run eagerly (TF, JAX), and the
# eager code put under torch.compile.
OTHER_MODE_VARIANTS = {"tensorflow": {"eager": "naive"}, "jax": {"eager": "naive"},
                       "torch": {"compiled": "forward"}}
DEFAULT_VARIANTS = {"tensorflow": {"naive": "naive", "static": "forward"},
                    "jax": {"naive": "naive", "static": "forward"},
                    "torch": {"eager": "forward"}}
WORKING_LABELS = ("static", "eager", "compiled")


@dataclass
class Scenario:
    name: str
    module_name: str
    spec: ModuleType = field(repr=False)

    @property
    def title(self) -> str:
        return self.spec.TITLE

    @property
    def claim(self) -> str:
        return self.spec.CLAIM

    @property
    def lesson(self) -> str:
        return self.spec.LESSON

    @property
    def rtol(self) -> float:
        return self.spec.RTOL

    @property
    def atol(self) -> float:
        return self.spec.ATOL

    def impl_file(self, framework: str) -> Path:
        return ROOT / IMPL_DIRS[framework] / f"{self.module_name}.py"

    def impl_module(self, framework: str) -> str:
        return f"{IMPL_DIRS[framework].replace('/', '.')}.{self.module_name}"

    def variants(self, framework: str, mode: str) -> dict[str, str]:
        """{label: attribute in the implementation module} for one framework and mode."""
        native = DEFAULT_MODES[framework][0]
        if mode == native:
            return dict(getattr(self.spec, "VARIANTS", DEFAULT_VARIANTS)[framework])
        return dict(getattr(self.spec, "OTHER_MODE_VARIANTS", OTHER_MODE_VARIANTS)[framework])

    def native_mode(self, framework: str) -> str:
        return DEFAULT_MODES[framework][0]

    def declared_expectation(self, framework: str, label: str) -> dict | None:
        """What the spec itself says a variant does (no defaults): the lesson, as data."""
        return getattr(self.spec, "EXPECTED", {}).get((framework, label))

    def expected(self, framework: str, label: str) -> dict | None:
        """The outcome a variant is supposed to have: data, checked by `lab verify`.

        Working variants default to {"status": "ok"}; naive ones have only what the spec says.
        """
        table = getattr(self.spec, "EXPECTED", {})
        if (framework, label) in table:
            return table[(framework, label)]
        if label in WORKING_LABELS:
            return {"status": "ok"}
        return None


def verify_variants(scenario: Scenario, framework: str) -> list[tuple[str, str, str]]:
    """(label, function, mode) of the variants `lab verify` checks numerically: the working ones
    of the framework's native mode, plus any the spec adds in VERIFY_VARIANTS (e.g. a bounded
    loop that, unlike lax.while_loop, can be differentiated)."""
    mode = scenario.native_mode(framework)
    out = [(label, attr, mode) for label, attr in scenario.variants(framework, mode).items()
           if label in WORKING_LABELS]
    extra = getattr(scenario.spec, "VERIFY_VARIANTS", {}).get(framework, {})
    out += [(label, attr, mode) for label, attr in extra.items()]
    return out


def _load(module_name: str) -> Scenario | None:
    spec = importlib.import_module(f"scenarios.{module_name}")
    if not hasattr(spec, "NAME"):
        return None
    return Scenario(name=spec.NAME, module_name=module_name, spec=spec)


def discover() -> list[Scenario]:
    """All scenarios, in the order their ORDER field gives (then by name)."""
    found = []
    for info in pkgutil.iter_modules([str(ROOT / "scenarios")]):
        if info.name.startswith("_"):
            continue
        scenario = _load(info.name)
        if scenario is not None:
            found.append(scenario)
    return sorted(found, key=lambda s: (getattr(s.spec, "ORDER", 99), s.name))


def summaries() -> list[dict]:
    """name, title and claim of each scenario, read from the spec files' source without
    importing them (their numpy import would cost `lab list` a tenth of a second)."""
    import ast
    rows = []
    for path in sorted((ROOT / "scenarios").glob("[!_]*.py")):
        fields = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id in ("NAME", "ORDER", "TITLE", "CLAIM"):
                try:
                    fields[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
        if "NAME" in fields:
            rows.append({"name": fields["NAME"], "title": fields.get("TITLE", ""),
                         "claim": fields.get("CLAIM", ""), "order": fields.get("ORDER", 99)})
    return [{k: v for k, v in r.items() if k != "order"}
            for r in sorted(rows, key=lambda r: (r["order"], r["name"]))]


def names() -> list[str]:
    """Scenario CLI names without importing the specs (they import numpy): file names suffice."""
    return sorted(info.name.replace("_", "-") for info in pkgutil.iter_modules([str(ROOT / "scenarios")])
                  if not info.name.startswith("_"))


def get(name: str) -> Scenario:
    module_name = name.replace("-", "_")
    if not (ROOT / "scenarios" / f"{module_name}.py").exists():
        raise KeyError(name)
    scenario = _load(module_name)
    if scenario is None or scenario.name != name:
        raise KeyError(name)
    return scenario
