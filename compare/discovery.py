"""Find scenarios by listing `scenarios/`: dropping in files is the whole registration.

A scenario is a declared object (`Scenario`), built from its spec module and checked against
the contract (`compare.contract`) as it loads. A broken spec costs one `SpecError`, never the
other scenarios. Framework-free: the CLI process uses it to list and validate scenarios.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import os
import pkgutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable

from compare import systems
from compare.contract import REQUIRED, ReadingError, SpecError, values
from compare.spec_headers import SCENARIO_DIR

ROOT = Path(__file__).resolve().parent.parent


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
        if not self.fields["describe_calls"]:
            return {}
        said = self.read("describe_calls", self.calls(seed))
        if not isinstance(said, dict):
            raise self.reading_error("describe_calls", f"returned {type(said).__name__}, not a dict")
        return said

    def read(self, name: str, *args):
        """Call the spec's reading `name`; whatever it raises becomes one ReadingError line."""
        try:
            return self.fields[name](*args)
        except Exception as exc:  # noqa: BLE001 - the spec's code: its error is data
            raise self.reading_error(name, f"raised {type(exc).__name__}: {exc}") from None

    def reading_error(self, name: str, problem: str) -> ReadingError:
        return ReadingError(f"scenarios/{self.module_name}.py: {name} {problem}".splitlines()[0][:300])

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


def _limit(default: float = 10.0) -> float:
    """A spec imports numpy and defines functions: well under a second. Past this, it is a loop.
    LAB_SPEC_IMPORT_LIMIT_S changes it (the fault tests use 1 s); a value that is not a
    positive finite number keeps the default."""
    try:
        value = float(os.environ.get("LAB_SPEC_IMPORT_LIMIT_S", default))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


IMPORT_LIMIT_S = _limit()


class _Overtime(BaseException):
    """Raised into a spec's import by the timer; a BaseException, so the spec's own
    `except Exception` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the body after `seconds` (a SIGALRM timer: a thread could not stop an import
    that loops). Only the main thread can take signals; elsewhere the body runs unguarded,
    after the main thread has already loaded every spec a command uses."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, fire)
    began = time.monotonic()
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # someone else's timer (a test runner's, say) runs on, less the time spent here
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - began), 1e-3), interval)


def _import(module_name: str, file: str, path: Path | None = None) -> ModuleType:
    """The spec module (`scenarios.<module_name>`, or the file at `path` as a module of its own).
    Anything it raises, `SystemExit` included, or an import that runs past IMPORT_LIMIT_S, is a
    SpecError that costs this scenario alone; Ctrl-C stays Ctrl-C."""
    qualified = f"scenarios.{module_name}" if path is None else f"_lab_checked_{module_name}"
    try:
        with _time_limit(IMPORT_LIMIT_S):
            if path is None:
                return importlib.import_module(qualified)
            found = importlib.util.spec_from_file_location(qualified, path)
            module = importlib.util.module_from_spec(found)
            sys.modules[qualified] = module
            found.loader.exec_module(module)
            return module
    except SyntaxError as exc:
        problem = f"syntax error at line {exc.lineno}: {exc.msg}"
    except _Overtime:
        problem = f"its import ran past {IMPORT_LIMIT_S:g} s (a loop at import time?)"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a user file's failure is its own problem
        problem = f"cannot import: {type(exc).__name__}: {exc}"
    sys.modules.pop(qualified, None)
    raise SpecError(file, problem)


def load_file(path: str | Path) -> Scenario:
    """The spec file at `path`, wherever it is (`lab check PATH`); its implementation files are
    looked up by its module name in this project, as they would be once it is in scenarios/."""
    path = Path(path).resolve()
    if path.parent == SCENARIO_DIR:
        return load(path.stem)
    return _checked(path.stem, str(path), _import(path.stem, str(path), path))


_failed: dict[tuple, SpecError] = {}


def load(module_name: str) -> Scenario:
    """Import and check one spec. SpecError for a syntax error, a failing or endless import, a
    missing or mistyped field, a NAME that does not match the file, or an unknown system id. A
    family id ("torch-jit") in a table is split onto its systems (compare.systems.split_families)."""
    file = f"scenarios/{module_name}.py"
    return _checked(module_name, file, _import_once(module_name, file))


def _import_once(module_name: str, file: str) -> ModuleType:
    """_import, remembering a failure per version of the file: an endless import costs its
    time limit once per command, not at every look."""
    try:
        stat = (SCENARIO_DIR / f"{module_name}.py").stat()
        version = (module_name, stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = None
    if version in _failed:
        raise _failed[version]
    try:
        return _import(module_name, file)
    except SpecError as exc:
        if version is not None:
            _failed[version] = exc
        raise


def _checked(module_name: str, file: str, spec: ModuleType) -> Scenario:
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
        if missing:
            problems.append(SpecError(file, f"missing required {', '.join(missing)} (see ADDING_A_SCENARIO.md)"))
            continue
        literal = all(isinstance(fields.get(k), str) for k in ("NAME", "TITLE", "CLAIM")) \
            and ("ORDER" not in defined or isinstance(fields.get("ORDER"), int))
        if not literal:
            # A computed TITLE (or NAME, CLAIM, ORDER): import the spec, so that `lab list` says
            # what `lab report` will.
            try:
                scenario = load(module_name)
            except SpecError as exc:
                problems.append(exc)
                continue
            fields = {"NAME": scenario.name, "TITLE": scenario.title, "CLAIM": scenario.claim,
                      "ORDER": scenario.order}
        rows.append({"name": fields["NAME"], "title": fields["TITLE"], "claim": fields["CLAIM"],
                     "order": fields.get("ORDER", 99)})
    rows.sort(key=lambda r: (r["order"], r["name"]))
    return [{k: v for k, v in r.items() if k != "order"} for r in rows], problems
