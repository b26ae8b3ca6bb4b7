"""Which lines of a static implementation differ from the eager one, aligned by function name.

Framework namespaces (`torch.`, `tf.`, `jnp.`) are normalised before comparing, so `torch.sin`
against `tf.sin` is not a change: only what the compiler forced on the code is marked.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from compare.codesize import function_spans
from compare.systems import FRAMEWORKS

# Longest prefixes first, so `tf.compat.v1.` is taken whole before `tf.`.
_PREFIXES = sorted([p for f in FRAMEWORKS for p in f.namespaces] + [r"np"], key=len, reverse=True)
_NAMESPACE = re.compile(r"\b(?:" + "|".join(_PREFIXES) + r")\.")
_DEF = re.compile(r"^def \w+\(")  # a function compared with its alias differs only in name


def normalise(line: str) -> str:
    line = line.split("#", 1)[0].strip()
    return _DEF.sub("def _(", _NAMESPACE.sub("F.", line))


@dataclass(frozen=True)
class DiffRow:
    """One row of the side-by-side view: a line of each side, (line_no, text), or None where
    that side has no line here."""
    eager: tuple[int, str] | None
    static: tuple[int, str] | None
    tag: str  # "same" | "changed" | "added" | "removed"

    def to_dict(self) -> dict:
        return {"eager": list(self.eager) if self.eager else None,
                "static": list(self.static) if self.static else None, "tag": self.tag}


@dataclass(frozen=True)
class FunctionDiff:
    """A function of the static file against the eager function of the same name."""
    function: str
    in_eager: bool  # False: the eager file has no function of this name
    rows: list[DiffRow]
    changed: int    # lines changed or added, blank and comment lines left out

    def to_dict(self) -> dict:
        return {"function": self.function, "in_eager": self.in_eager,
                "rows": [r.to_dict() for r in self.rows], "changed": self.changed}


@dataclass(frozen=True)
class FileDiff:
    """One system's implementation file, function by function."""
    file: str
    functions: list[FunctionDiff]

    def to_dict(self) -> dict:
        return {"file": self.file, "functions": [f.to_dict() for f in self.functions]}


@dataclass(frozen=True)
class DiffView:
    """`lab diff`: each chosen system's file against the eager baseline's (`to_dict()` is
    `lab diff --json`)."""
    scenario: str
    eager_system: str
    eager_file: str
    systems: dict[str, FileDiff]  # in display order

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "eager_system": self.eager_system,
                "eager_file": self.eager_file,
                "systems": {s: info.to_dict() for s, info in self.systems.items()}}


def changed_lines(eager_source: str, static_source: str) -> dict:
    """Line numbers (1-based) of `static_source` that have no counterpart in `eager_source`.

    Functions with the same name are compared with each other; a function the eager file lacks
    counts as wholly changed. Returns {"changed": [...], "functions": {name: {"changed": n,
    "lines": n, "only_static": bool}}}.
    """
    changed: list[int] = []
    functions = {}
    for view in aligned(eager_source, static_source):
        code = [r.static[0] for r in view.rows if r.static and normalise(r.static[1])]
        rows = [r.static[0] for r in view.rows
                if r.tag in ("changed", "added") and normalise(r.static[1])]
        changed += rows
        functions[view.function] = {"changed": len(rows), "lines": len(code),
                                    "only_static": not view.in_eager}
    return {"changed": sorted(changed), "functions": functions}


def aligned(eager_source: str, static_source: str) -> list[FunctionDiff]:
    """The side-by-side view: for each function of the static file, its lines against the eager
    function of the same name, row by row; lines are matched after namespace normalisation, as
    in `changed_lines`."""
    eager_lines, static_lines = eager_source.splitlines(), static_source.splitlines()
    eager_spans = function_spans(eager_source)
    views = []
    for name, (start, end) in function_spans(static_source).items():
        e_start, e_end = eager_spans.get(name, (1, 0))
        a = list(range(e_start, e_end + 1))
        b = list(range(start, end + 1))
        matcher = difflib.SequenceMatcher(None, [normalise(eager_lines[i - 1]) for i in a],
                                          [normalise(static_lines[i - 1]) for i in b], autojunk=False)
        rows = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            for k in range(max(i2 - i1, j2 - j1)):
                e = a[i1 + k] if i1 + k < i2 else None
                s = b[j1 + k] if j1 + k < j2 else None
                tag = "same" if op == "equal" else "changed" if e and s else "added" if s else "removed"
                rows.append(DiffRow((e, eager_lines[e - 1]) if e else None,
                                    (s, static_lines[s - 1]) if s else None, tag))
        views.append(FunctionDiff(name, name in eager_spans, rows,
                                  sum(1 for r in rows if r.tag in ("changed", "added")
                                      and normalise(r.static[1]))))
    return views
