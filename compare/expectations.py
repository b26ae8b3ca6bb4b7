"""A variant's observed outcome against what its scenario declares (EXPECTED): lesson drift.

One rule for `lab compare`, `lab verify` and `lab claims`: each declared key is read from the
run (status, the error's type, a run field, or an error field) and compared; a string value may
name a count that the inputs report (`"distinct_lengths"`), so the expectation follows the seed.
"""
from __future__ import annotations


def resolve(want, inputs: dict):
    if isinstance(want, str) and want in inputs:
        value = inputs[want]
        return len(set(value)) if isinstance(value, list) else value
    return want


def observe(key: str, run: dict):
    error = run.get("error") or {}
    if key == "status":
        return run["status"]
    if key == "error_type":
        return error.get("type")
    if key in run:
        return run[key]
    return error.get(key)


def drift(declared: dict | None, run: dict, inputs: dict) -> tuple[dict, list[str]]:
    """(observed values, mismatch sentences) for one run against its declared expectation."""
    observed, mismatches = {}, []
    for key, want in (declared or {}).items():
        got = observe(key, run)
        if key not in ("status", "error_type"):
            want = resolve(want, inputs)
        observed[key] = got
        if got != want:
            mismatches.append(f"{key}: expected {want!r}, observed {got!r}")
    return observed, mismatches
