"""`lab claims`: every seed claim graded for every system, from this invocation's runs.

A cell is computed by the scenario's own rule (its spec's CLAIM_RULE): either a callable
`rule(doc, system) -> (verdict, evidence, run labels) | None`, or data naming one of the rule
kinds below with its parameters. Nothing here knows a framework or a scenario by name.

Verdicts: holds | partly | does-not-hold | not-applicable | unavailable, and error where the
scenario's own rule raised (that cell alone, and exit 1).
"""
from __future__ import annotations

from compare import systems
from compare.contract import ReadingError
from compare.discovery import get
from compare.results import SCHEMA_VERSION
from lab import errors
from lab.verdicts import counted

VERDICTS = ("holds", "partly", "does-not-hold", "not-applicable", "unavailable", "error")
GRADES = VERDICTS[:-1]  # what a rule may return
NOT_RUN = ("unavailable", "timeout", "crashed", "interrupted")


def _label(run: dict) -> str:
    return f"{run['system']}/{run['variant']}"


def _outcome(run: dict) -> str:
    """What one run did, in a few words, from its data."""
    if run["status"] == "error":
        e = run["error"] or {}
        call = e.get("call_index")
        return f"{run['variant']} raised {e.get('type')}" + (f" on call {call + 1}" if call is not None else " before any call")
    if run["status"] == "wrong":
        w = run.get("wrong") or {}
        return (f"{run['variant']} raised nothing and returned a wrong result"
                + (f" on call {w['call_index'] + 1}" if w.get("call_index") is not None else ""))
    s = f"{run['variant']} matched on all {run.get('calls')} calls"
    if run.get("compiles") is not None:
        s += f" ({counted(run['system'], run['compiles'])})"
    return s


def naive_port(doc: dict, system: str, runs: list[dict], *, naive: list[str],
               rewrite: str = "holds", per_input: str | None = None) -> tuple[str, str, list[str]] | None:
    """The eager code put through the system (the `naive` labels): it failing means the claim
    holds (or `rewrite` when a rewritten version then worked); it working means it does not hold,
    unless it compiled once per distinct input (`per_input`, a count the inputs report): partly."""
    ported = [r for r in runs if r["variant"] in naive]
    if not ported:
        return None
    failed = [r for r in ported if r["status"] in ("error", "wrong")]
    rewritten = [r for r in runs if r["variant"] not in naive and r["status"] == "ok"
                 and r["variant"] in systems.get(system).working]
    said = "; ".join(_outcome(r) for r in ported)
    if failed and len(failed) == len(ported):
        if rewritten:
            fixed = "; ".join(_outcome(r) for r in rewritten)
            verdict = rewrite
            return verdict, f"the eager code failed: {said}; rewritten for the compiler: {fixed}", \
                [_label(r) for r in ported + rewritten]
        return "holds", f"the eager code failed: {said}", [_label(r) for r in ported]
    if failed:
        return "partly", f"{said}", [_label(r) for r in ported]
    n = doc.get(per_input) if per_input else None
    distinct = len(set(n)) if isinstance(n, list) else n
    # Only a system that builds a graph recompiles; JAX op by op compiles each primitive once.
    recompiled = [r for r in ported if distinct and distinct > 1 and systems.get(system).static
                  and r.get("compiles") is not None and r["compiles"] > 1]
    if recompiled:
        return "partly", (f"the eager code ran, but compiled again for new inputs ({distinct} distinct "
                          f"{per_input.replace('distinct_', '')}): {said}"), [_label(r) for r in ported]
    return "does-not-hold", f"the eager code ran as written: {said}", [_label(r) for r in ported]


def error_location(doc: dict, system: str, runs: list[dict], *, bugs: list[str]) -> tuple[str, str, list[str]] | None:
    """For each planted bug, where the system's report points: the traceback's innermost line of
    yours is the BUG line, only the message names it, or neither (or nothing was raised)."""
    bugged = [r for r in runs if any(r["variant"] == b or r["variant"].startswith(b + "_") for b in bugs)
              and not r["variant"].endswith("_checked") and r["status"] in ("error", "wrong", "ok")]
    if not bugged:
        return None
    at_line, in_message, neither = [], [], []
    for r in bugged:
        e = r.get("error") or {}
        (at_line if e.get("points_to_bug") else in_message if e.get("message_points_to_bug") else neither).append(r)
    parts = []
    for group, words in ((at_line, "its traceback reaches the BUG line"),
                         (in_message, "only its message names the BUG line"),
                         (neither, "neither traceback nor message names the BUG line")):
        if group:
            parts.append(f"{', '.join(r['variant'] for r in group)}: {words}"
                         + "".join(" (it raised nothing)" for r in group if r["status"] != "error"))
    evidence = "; ".join(parts)
    labels = [_label(r) for r in bugged]
    if len(at_line) == len(bugged):
        return "does-not-hold", evidence, labels
    if not at_line and not in_message:
        return "holds", evidence, labels
    return "partly", evidence, labels


def inspection(doc: dict, system: str, runs: list[dict], *, python_print: str,
               framework_print: str) -> tuple[str, str, list[str]] | None:
    """Can you look at an intermediate value on every call? With Python's own print: the claim
    does not hold; only with the framework's print: partly; with neither: it holds."""
    by = {r["variant"].split("_compiled")[0].split("_eager")[0]: r for r in runs}
    plain, framework = by.get(python_print), by.get(framework_print)
    if plain is None:
        return None

    def every_call(run: dict | None) -> bool:
        counts = (run or {}).get("print_counts") or []
        return bool(run) and run["status"] == "ok" and len(counts) == run.get("calls") \
            and all(counts) and run.get("inspection") == "concrete"

    def said(run: dict | None) -> str:
        if not run:
            return "not run"
        counts = run.get("print_counts") or []
        return (f"{run['variant']} printed on {sum(1 for c in counts if c)} of {run.get('calls')} calls "
                f"({run.get('inspection')})" if run["status"] != "error" else _outcome(run))

    labels = [_label(r) for r in (plain, framework) if r]
    evidence = "; ".join(said(r) for r in (plain, framework) if r)
    if every_call(plain):
        return "does-not-hold", evidence, labels
    if every_call(framework):
        return "partly", evidence + " (only the framework's own print shows values every call)", labels
    return "holds", evidence, labels


KINDS = {"naive-port": naive_port, "error-location": error_location, "inspection": inspection}


def cell(scenario, doc: dict, system: str) -> dict:
    runs = [r for r in doc["runs"] if r["system"] == system]
    drifted = {(d["system"], d["variant"]) for d in doc.get("drift") or []}
    if not runs or all(r["status"] in NOT_RUN for r in runs):
        reason = next((r.get("reason") for r in runs if r.get("reason")), None) or "no run"
        return {"verdict": "unavailable", "evidence": reason.splitlines()[0][:200],
                "runs": [_label(r) for r in runs], "drift": False}
    try:
        result = _graded(scenario, doc, system, runs)
    except ReadingError as exc:
        return {"verdict": "error", "evidence": str(exc), "runs": [], "drift": False}
    if result is None:
        return {"verdict": "not-applicable", "evidence": "no run of this system tests the claim",
                "runs": [], "drift": False}
    verdict, evidence, labels = result
    return {"verdict": verdict, "evidence": evidence, "runs": labels,
            "drift": any(tuple(label.split("/", 1)) in drifted for label in labels)}


def _graded(scenario, doc: dict, system: str, runs: list[dict]):
    """The rule's (verdict, evidence, labels) or None; a ReadingError for a rule that raises or
    returns anything else."""
    rule = scenario.field("CLAIM_RULE")
    if rule is None:
        return None
    if callable(rule):
        result = scenario.read("CLAIM_RULE", doc, system)
    elif rule["kind"] not in KINDS:
        raise scenario.reading_error("CLAIM_RULE", f"names unknown kind {rule['kind']!r}; valid: {', '.join(KINDS)}")
    else:
        params = {k: v for k, v in rule.items() if k != "kind"}
        try:
            result = KINDS[rule["kind"]](doc, system, runs, **params)
        except Exception as exc:  # noqa: BLE001 - parameters the spec gave (a missing key, a typo)
            raise scenario.reading_error("CLAIM_RULE", f"raised {type(exc).__name__}: {exc}") from None
    ok = result is None or (isinstance(result, (tuple, list)) and len(result) == 3 and result[0] in GRADES
                            and isinstance(result[1], str) and isinstance(result[2], (list, tuple)))
    if not ok:
        raise scenario.reading_error("CLAIM_RULE", f"returned {str(result)[:80]!r}, not None or "
                                                   f"(one of {', '.join(GRADES)}, evidence, run labels)")
    return result


def grade(docs: list[dict]) -> dict:
    """The scoreboard: one row per claim (scenario), one cell per system, from these documents."""
    ids = systems.ordered({s for doc in docs for s in doc["systems"]})
    versions: dict = {}
    rows = []
    for doc in docs:
        versions.update({k: v for k, v in doc["versions"].items() if v})
        scenario = get(doc["scenario"])
        rows.append({"claim": doc["claim"], "scenario": doc["scenario"], "title": doc["title"],
                     "cells": {s: cell(scenario, doc, s) for s in ids}})
    drift = any(c["drift"] for row in rows for c in row["cells"].values())
    codes = [d["exit_code"] for d in docs]
    if errors.INTERRUPTED in codes:
        code = errors.INTERRUPTED
    elif errors.FAILED in codes or any(c["verdict"] == "error" for row in rows for c in row["cells"].values()):
        code = errors.FAILED
    elif drift or errors.DRIFT in codes:
        code = errors.DRIFT
    elif any(c["verdict"] == "unavailable" for row in rows for c in row["cells"].values()):
        code = errors.INCOMPLETE
    else:
        code = errors.OK
    return {"schema": SCHEMA_VERSION,
            "systems": [{"id": s, "label": systems.get(s).label, "short": systems.get(s).short,
                         "static": systems.get(s).static} for s in ids],
            "versions": versions, "claims": rows,
            "skipped": [],  # broken specs the command left out (lab.options.Selection)
            "exit_code": code}
