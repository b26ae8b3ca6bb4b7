"""`lab check <scenario>`: what a scenario author needs to know before the first run.

Reads the spec (numpy only) and the implementation files with `ast`: no framework is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

from compare import systems
from compare.contract import SpecError
from compare.discovery import Scenario, load, load_file, module_names
from compare.results import CheckReport, CheckRow
from compare.tracebacks import BUG_MARKER


def public_names(path: Path) -> set[str]:
    """Top-level functions, classes and assigned names that do not start with `_`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("dynamic_impl", "static_impl")):
            # A file that reuses another implementation's functions exposes them as its own.
            names.update(a.asname or a.name for a in node.names)
    return {n for n in names if not n.startswith("_")}


def files_by_path(scenario: Scenario) -> dict[Path, list[str]]:
    """Each implementation file that exists, with the systems that run it (registry order)."""
    out: dict[Path, list[str]] = {}
    for s in systems.SYSTEMS:
        if scenario.has_impl(s.id):
            out.setdefault(scenario.impl_file(s.id), []).append(s.id)
    return out


def parity(scenario: Scenario) -> dict[str, set[str]]:
    """{file: public names minus the EXTRAS of the systems that use it}: these must all be equal."""
    extras = scenario.field("EXTRAS")
    return {scenario.rel_file(ids[0]): public_names(path) - {n for i in ids for n in extras.get(i, ())}
            for path, ids in files_by_path(scenario).items()}


def _spec_rows(scenario: Scenario) -> list[CheckRow]:
    rows = [CheckRow("spec", "pass", f"{scenario.name}: every required field present and typed")]
    try:
        inputs = scenario.calls(0)
        again = scenario.calls(0)
        seeded = len(inputs) == len(again) and all(
            all((x == y).all() if hasattr(x, "all") else x == y for x, y in zip(a, b))
            for a, b in zip(inputs, again))
        scenario.reference(*inputs[0])
        rows.append(CheckRow("inputs", "pass" if inputs and seeded else "fail",
                            f"calls(0) gives {len(inputs)} inputs"
                            + ("" if seeded else ", not the same twice: seed it")))
    except Exception as exc:  # noqa: BLE001 - the author's code: report, don't crash
        rows.append(CheckRow("inputs", "fail", f"calls(0) or reference() raised {type(exc).__name__}: {exc}"))
    return rows


def _file_rows(scenario: Scenario) -> list[CheckRow]:
    rows = []
    for s in systems.SYSTEMS:
        if not scenario.has_impl(s.id):
            status = "fail" if s.id == systems.EAGER_BASELINE else "warn"
            rows.append(CheckRow("files", status, f"{s.id}: no {scenario.rel_file(s.id)}; "
                                + ("it is the eager baseline every diff is set against" if status == "fail"
                                   else "the system will show as unavailable")))
            continue
        path = scenario.impl_file(s.id)
        try:
            names = public_names(path) | {n.name for n in ast.parse(path.read_text()).body
                                          if isinstance(n, ast.FunctionDef)}
        except SyntaxError as exc:
            rows.append(CheckRow("files", "fail", f"{scenario.rel_file(s.id)}: syntax error at line {exc.lineno}"))
            continue
        missing = {label: attr for label, attr in scenario.variants(s.id).items() if attr not in names}
        rows.append(CheckRow("variants", "fail" if missing else "pass",
                            f"{s.id}: " + (", ".join(f"{label} -> {attr} is not in {scenario.rel_file(s.id)}"
                                                     for label, attr in missing.items())
                                           if missing else f"{len(scenario.variants(s.id))} variant"
                                           + ("s" * (len(scenario.variants(s.id)) != 1)) + " found")))
    return rows


def _parity_rows(scenario: Scenario) -> list[CheckRow]:
    try:
        found = parity(scenario)
    except SyntaxError:
        return []
    if not found:
        return []
    union = set().union(*found.values())
    gaps = {f: sorted(union - names) for f, names in found.items() if union - names}
    if not gaps:
        return [CheckRow("names", "pass", f"{len(found)} files expose the same {len(union)} public names")]
    return [CheckRow("names", "fail", f"{f} lacks {', '.join(g)} (or list them in EXTRAS)")
            for f, g in gaps.items()]


def _with_imports(path: Path) -> str:
    """A file's text and that of the implementation files it imports from (a static path that
    reuses the eager functions points at their BUG lines)."""
    root = path.parents[2]
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("dynamic_impl", "static_impl")):
            imported = root / (node.module.replace(".", "/") + ".py")
            if imported.exists():
                text += imported.read_text(encoding="utf-8")
    return text


def _bug_rows(scenario: Scenario) -> list[CheckRow]:
    """A variant expected to point at its bug needs a `# BUG` line to point at."""
    rows = []
    for (system, label), want in scenario.field("EXPECTED").items():
        if not (want.get("points_to_bug") or want.get("message_points_to_bug")) or not scenario.has_impl(system):
            continue
        text = _with_imports(scenario.impl_file(system))
        if BUG_MARKER not in text:
            rows.append(CheckRow("bug markers", "fail",
                                 f"{system} {label} is expected to point at a `{BUG_MARKER}` line, "
                                 f"and {scenario.rel_file(system)} has none"))
    marked = [scenario.rel_file(ids[0]) for path, ids in files_by_path(scenario).items()
              if BUG_MARKER in path.read_text()]
    rows.append(CheckRow("bug markers", "pass", f"`{BUG_MARKER}` lines in: {', '.join(marked) or 'no file'}"))
    return rows


def check_scenario(name: str, path: str | None = None) -> CheckReport:
    """Every check, as rows (check, status: pass|warn|fail, detail); exit 1 on any fail,
    2 when there is no such scenario file. With `path`, the spec in that file is checked."""
    module_name = name.replace("-", "_")
    if path is None and module_name not in module_names():
        return CheckReport(name, [CheckRow("spec", "fail", f"no file scenarios/{module_name}.py")], 2)
    try:
        scenario = load(module_name) if path is None else load_file(path)
    except SpecError as exc:
        return CheckReport(name, [CheckRow("spec", "fail", str(exc))], 1)
    rows = _spec_rows(scenario) + _file_rows(scenario) + _parity_rows(scenario) + _bug_rows(scenario)
    return CheckReport(name, rows, 1 if any(r.status == "fail" for r in rows) else 0)
