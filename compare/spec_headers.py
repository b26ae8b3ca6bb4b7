"""The scenarios' names, titles and claims read from their sources' first lines, without parsing
or importing a spec (`lab list`): ast-parsing the nine specs cost ~20 ms of a ~60 ms command,
and listing them needs no more than these four lines of each.

A spec is read here when each of NAME, TITLE, CLAIM (and ORDER, if present) is one plain literal
on a line of its own and every required name is defined at the start of a line; anything less
plain (a computed or multi-line field, a name not found, a package) is left to
compare.discovery.summaries, which parses the file. The whole spec is checked when it is used
(`lab compare`, `lab check`), not when it is listed.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"

_FIELD = re.compile(r"^(NAME|TITLE|CLAIM|ORDER)[ \t]*=[ \t]*(.+?)[ \t]*$", re.M)
_DEFINED = re.compile(r"^(?:(?:async[ \t]+)?def[ \t]+(\w+)|class[ \t]+(\w+)"
                      r"|(\w+(?:[ \t]*,[ \t]*\w+)*)[ \t]*(?::[^=\n]*)?=(?!=)"
                      r"|from[ \t]+\S+[ \t]+import[ \t]+([^\n(]+))", re.M)
_PLAIN = re.compile(r"""^(?:"[^"\\]*"|'[^'\\]*'|\d+)$""")  # one string without escapes, or a whole number


def read(path: str, required: tuple[str, ...]) -> dict | None:
    """{NAME, TITLE, CLAIM[, ORDER]} of a plain spec; None where the parser must decide."""
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    fields = {}
    for key, value in _FIELD.findall(source):
        if key in fields or not _PLAIN.match(value):
            return None  # assigned twice, or not one plain literal
        fields[key] = int(value) if key == "ORDER" else value[1:-1]
    defined = set()
    for def_, class_, assigned, imported in _DEFINED.findall(source):
        defined.update(n for n in (def_, class_) if n)
        defined.update(n.strip() for n in assigned.split(","))
        defined.update(part.split(" as ")[-1].strip() for part in imported.split(",") if part.strip())
    if any(k not in fields for k in ("NAME", "TITLE", "CLAIM")) or any(k not in defined for k in required):
        return None
    return fields


def summaries(required: tuple[str, ...]) -> list[dict] | None:
    """Every scenario's {name, title, claim}, in ORDER then by name, as `lab list --json` prints
    them; None as soon as one spec needs the parser (then the caller parses them all)."""
    rows = []
    for entry in sorted(os.listdir(SCENARIO_DIR)):
        if entry.startswith(("_", ".")):
            continue
        if not entry.endswith(".py"):
            if (SCENARIO_DIR / entry / "__init__.py").exists():
                return None  # a package: the import system's rules, not this reader's
            continue
        fields = read(str(SCENARIO_DIR / entry), required)
        if fields is None:
            return None
        rows.append((fields.get("ORDER", 99), fields["NAME"],
                     {"name": fields["NAME"], "title": fields["TITLE"], "claim": fields["CLAIM"]}))
    return [row for _, _, row in sorted(rows, key=lambda r: r[:2])]
