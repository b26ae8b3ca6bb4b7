"""`lab compare`'s arguments read without typer, for main()'s fast path: only the plain forms
(one scenario name, `--name value`, `--name=value`, the flags), read as typer reads them. Anything
else (--help, `--`, an unknown or misspelt option, a value typer would have to convert in its own
way) returns None and goes to typer, which has the messages for it: the fast path never decides
what typer would refuse.
"""
from __future__ import annotations

# Each option of `lab compare`: its parameter and how its value is read (tests/test_cli.py holds
# this table against typer's own declaration of the command).
STR, INT, FLOAT, FLAG, MANY = "str", "int", "float", "flag", "many"
COMPARE = {"--frameworks": ("frameworks", STR), "--modes": ("modes", STR), "--systems": ("systems", STR),
           "--repeats": ("repeats", INT), "--device": ("device", STR), "--timeout": ("timeout", FLOAT),
           "--threads": ("threads", INT), "--json": ("as_json", FLAG), "--export": ("export", MANY),
           "--plot": ("plot", STR), "--no-color": ("no_color", FLAG),
           "--full-traceback": ("full_traceback", FLAG), "--verbose": ("verbose", FLAG)}

_NUMBER = {INT: int, FLOAT: float}


def _plain_number(text: str, kind: str) -> bool:
    """Digits, a leading minus, and for FLOAT one point: the spelling every parser reads alike
    (int(), float() and pydantic accept more: " 5", "5_0", "1e3", "nan")."""
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.replace(".", "", kind == FLOAT).isdigit()


def compare(args: list[str]) -> dict | None:
    """{"scenario": name, parameter: value, ...} for the options given, or None: leave it to typer."""
    found, positional, rest = {}, [], list(args)
    while rest:
        token = rest.pop(0)
        if not token.startswith("-"):
            positional.append(token)
            continue
        name, eq, value = token.partition("=")
        if name not in COMPARE:
            return None
        param, kind = COMPARE[name]
        if kind == FLAG:
            if eq:
                return None
            found[param] = True
            continue
        if not eq:
            if not rest:
                return None
            value = rest.pop(0)
        if value.startswith("-") and kind not in _NUMBER:
            return None  # typer would take it as the value; a mistyped flag is likelier: let typer say
        if kind in _NUMBER:
            if not _plain_number(value, kind):
                return None
            value = _NUMBER[kind](value)
        if kind == MANY:
            found.setdefault(param, []).append(value)
        else:
            found[param] = value  # given twice, the last one counts, as in typer
    if len(positional) != 1:
        return None
    return {"scenario": positional[0], **found}
