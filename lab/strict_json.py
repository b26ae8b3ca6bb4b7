"""JSON that strict parsers accept (JavaScript's JSON.parse rejects NaN and Infinity).

A non-finite number becomes null, and the object holding it gets `<key>_note` saying which it
was: "nan", "inf" or "-inf" for a number, or {"<index>": "nan", ...} for numbers inside a list
(indices joined by "." when lists nest). README's JSON section documents this.
"""
from __future__ import annotations

import json
import math


def _note(value: float) -> str:
    return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"


def _bad(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _list(items: list, notes: dict, prefix: str) -> list:
    out = []
    for i, item in enumerate(items):
        at = f"{prefix}{i}"
        if _bad(item):
            notes[at] = _note(item)
            out.append(None)
        elif isinstance(item, (list, tuple)):
            out.append(_list(list(item), notes, at + "."))
        else:
            out.append(strict(item))
    return out


def strict(data):
    """`data` with every non-finite float replaced by None and noted beside it."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if _bad(value):
                out[key], out[f"{key}_note"] = None, _note(value)
            elif isinstance(value, (list, tuple)):
                notes: dict = {}
                out[key] = _list(list(value), notes, "")
                if notes:
                    out[f"{key}_note"] = notes
            else:
                out[key] = strict(value)
        return out
    if isinstance(data, (list, tuple)):
        return _list(list(data), {}, "")  # a bare list has no key to note beside: null alone
    return None if _bad(data) else data


def dumps(data, indent: int | None = 2) -> str:
    """What the lab prints and writes: strict JSON (allow_nan=False would raise on a miss)."""
    return json.dumps(strict(data), indent=indent, default=str, allow_nan=False)


def loads_strict(text: str):
    """A parser as strict as JSON.parse: NaN, Infinity and -Infinity are errors (for tests)."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)
