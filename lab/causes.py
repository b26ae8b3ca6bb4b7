"""Why a run failed, went wrong or fell back: one of its claim's causes, or another cause.

A scenario declares the causes its claim is about (its spec's CAUSES): {id: {"words": what it
means, and conditions on the run's data, all of which must hold}}. Conditions:

    "error":         regex searched in the error's "Type: message" (the run raised)
    "called":        True: the error came from a call, not from capturing the code before any call
    "points_to_bug": bool: whether the error's traceback reaches the BUG line
    "silent":        True: the run returned a wrong result without raising
    "warning":       regex searched in the run's warnings ("Category: message")
    "signal":        a kind of compare/signals.py the run carries (eager-fallback, graph-break, ...)
    "recompiled":    a count the scenario's inputs report ("distinct_lengths"): a static system
                     compiled more than once over that many distinct inputs
    "fields":        {run field: regex} over the run's own fields (a scenario's annotations)

A variant's name never enters: only what the run did. Framework-free and scenario-free.
"""
from __future__ import annotations

import re

from compare import signals, systems
from scenarios import _cells, _readings

OTHER = _cells.OTHER  # one word for "another cause", in the built-in and the callable rules


def said(run: dict) -> str:
    """What the run did that is in question, in its own words ('' for a clean run)."""
    if run["status"] == "error":
        return _readings.said(run.get("error"))
    if run["status"] == "wrong":
        return "returned a wrong result without raising"
    return signals.sentence(run) or ""


def _recompiled(run: dict, doc: dict, count: str) -> bool:
    n = doc.get(count)
    distinct = len(set(n)) if isinstance(n, list) else n
    return bool(distinct and distinct > 1 and systems.get(run["system"]).static
                and run.get("compiles") is not None and run["compiles"] > 1)


def _holds(condition: str, want, run: dict, doc: dict) -> bool:
    e = run.get("error") or {}
    if condition in _cells.CONDITIONS:
        return _cells.holds(condition, want, run, run)
    if condition == "called":
        return run["status"] == "error" and (e.get("call_index") is not None) == want
    if condition == "points_to_bug":
        return run["status"] == "error" and bool(e.get("points_to_bug")) == want
    if condition == "silent":
        return (run["status"] == "wrong") == want
    if condition == "warning":
        return any(re.search(want, f"{w['category']}: {w['message']}") for w in run.get("warnings") or [])
    if condition == "signal":
        return signals.of(run, want) is not None
    if condition == "recompiled":
        return run["status"] == "ok" and _recompiled(run, doc, want)
    raise ValueError(f"unknown cause condition {condition!r}")


def troubled(run: dict, doc: dict, causes: dict) -> bool:
    """Did the run fail, go wrong, fall back, or show one of the claim's causes while it ran?"""
    if run["status"] in ("error", "wrong") or signals.of(run, "eager-fallback") or signals.of(run, "graph-break"):
        return True
    return any(_matches(run, spec, doc) for spec in causes.values())


def _matches(run: dict, spec: dict, doc: dict) -> bool:
    return all(_holds(k, v, run, doc) for k, v in spec.items() if k != "words")


def classify(run: dict, doc: dict, causes: dict) -> dict:
    """{run, cause, words, said, silent}: the first of the claim's causes the run's data shows,
    else OTHER with the run's own words."""
    label = _cells.label(run)
    for cause, spec in causes.items():
        if _matches(run, spec, doc):
            return {"run": label, "cause": cause, "words": spec["words"], "said": said(run),
                    "silent": run["status"] == "wrong"}
    return {"run": label, "cause": OTHER, "words": "another cause: " + (said(run) or "no cause the claim names"),
            "said": said(run), "silent": run["status"] == "wrong"}
