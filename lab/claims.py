"""`lab claims`: every seed claim graded for every system, from this invocation's runs.

A cell is computed by the scenario's own rule (its spec's CLAIM_RULE): either a callable
`rule(doc, system) -> (verdict, evidence, run labels[, extra]) | None`, or data naming one of the
rule kinds below with its parameters. A cell holds, or partly holds, only on the causes the
claim is about (the spec's CAUSES, lab/causes.py): a run that failed for another cause is listed
in `unrelated` and does not count; a run that returned a wrong result without raising is listed
in `silent`. Nothing here knows a framework or a scenario by name.

Verdicts: holds | partly | does-not-hold | not-applicable | unavailable, and error where the
scenario's own rule raised (that cell alone, and exit 1). Rows come grouped by the side of the
trade their claim speaks for (the spec's SIDE): what static graphs cost, then what they buy; on
a row of either side "holds" means what the claim says was measured for that system.
"""
from __future__ import annotations

from compare import systems
from compare.contract import ReadingError
from compare.discovery import get
from compare.results import SCHEMA_VERSION
from compare import signals
from lab import errors
from lab.causes import OTHER, classify, troubled
from lab.scoreboard import BoardSystem, Cell, ClaimRow, Scoreboard, Side
from lab.verdicts import counted
from scenarios._cells import label as _label
from scenarios._readings import as_written, on_call, outcome, printed

VERDICTS = ("holds", "partly", "does-not-hold", "not-applicable", "unavailable", "error")
# The two sides of the trade a claim speaks for (a spec's SIDE), in the scoreboard's order, and
# what "holds" means on a row of each: the legend reads from here.
SIDES = {"costs": {"title": "What static graphs cost", "rows": "cost rows", "holds": "the cost was measured"},
         "buys": {"title": "What static graphs buy", "rows": "benefit rows", "holds": "the benefit was measured"}}
GRADES = VERDICTS[:-1]  # what a rule may return
NOT_RUN = ("unavailable", "timeout", "crashed", "interrupted")


def _outcome(run: dict) -> str:
    """What one run did, in a few words, from its data."""
    return outcome(run, run["variant"], _matched, call=lambda k: on_call(k, " before any call"))


def _matched(run: dict, who: str) -> str:
    s = f"{who} matched on all {run.get('calls')} calls"
    if run.get("compiles") is not None:
        s += f" ({counted(run['system'], run['compiles'])})"
    said = signals.sentence(run)
    return s + (f", but {said}" if said else "")


def _judged(doc: dict, runs: list[dict], causes: dict) -> dict[str, dict]:
    """{label: classification} for the runs that failed, went wrong, fell back or showed a cause."""
    return {_label(r): classify(r, doc, causes) for r in runs if troubled(r, doc, causes)}


def _cell(verdict: str, evidence: str, labels: list[str], judged: dict, counted: list[dict]) -> Cell:
    """A rule's result: the cause it rests on (holds/partly only), the silent runs and the runs
    left out for another cause, each said in the evidence too."""
    mine = [judged[_label(r)] for r in counted if _label(r) in judged]
    cause = next((c for c in mine), None) if verdict in ("holds", "partly") else None
    unrelated = [c for c in judged.values() if c["cause"] == OTHER]
    silent = [c for c in judged.values() if c["silent"]]
    if cause:
        evidence += f"; cause: {cause['words']}"
    told = {_label(r) for r in counted}  # their outcome already says they raised nothing
    if [c for c in silent if c["run"] not in told]:
        evidence += "; silent: " + ", ".join(f"{c['run'].split('/', 1)[1]} {c['words']}" for c in silent
                                             if c["run"] not in told)
    if unrelated:
        evidence += "; not counted, " + "; ".join(f"{c['run'].split('/', 1)[1]}: {c['words']}" for c in unrelated)
    return Cell(verdict, evidence, labels, cause=cause and cause["cause"], cause_words=cause and cause["words"],
                causes=sorted({c["cause"] for c in mine}), silent=silent, unrelated=unrelated)


def naive_port(doc: dict, system: str, runs: list[dict], *, causes: dict, naive: list[str] | None = None,
               also: tuple = (), rewrite: str = "holds", per_input: str | None = None) -> Cell | None:
    """The eager code put through the system: the runs whose role is "as written" (from each
    run's function and mode: the registry's naive and eager variants) and the spec's `also`
    labels, or exactly its `naive` labels. Runs that failed, went wrong
    or fell back for another cause than the claim's are left out. Of the rest: all failing for
    the claim's cause means the claim holds (or `rewrite` when a rewritten version then worked);
    some failing, or running but degraded by the claim's cause (compiled again per input, fell
    back to eager, broke the graph): partly; all running cleanly: does not hold."""
    if per_input and not any("recompiled" in c for c in causes.values()):  # the older spelling
        causes = {**causes, "recompiled": {"words": f"compiled again for new inputs ({per_input})",
                                           "recompiled": per_input}}
    ported = [r for r in runs if (r["variant"] in naive if naive is not None else as_written(r) or r["variant"] in also)]
    if not ported:
        return None
    judged = _judged(doc, ported, causes)
    counted = [r for r in ported if judged.get(_label(r), {}).get("cause") != OTHER]
    labels = [_label(r) for r in ported]
    if not counted:
        return _cell("not-applicable", "no run of the eager code reached the claim", labels, judged, counted)
    failed = [r for r in counted if r["status"] in ("error", "wrong")]
    degraded = [r for r in counted if r["status"] == "ok" and _label(r) in judged]
    rewritten = [r for r in runs if r not in ported and r["status"] == "ok"
                 and r["variant"] in systems.get(system).working]
    said = "; ".join(_outcome(r) for r in counted)
    if len(failed) == len(counted):
        if rewritten:
            fixed = "; ".join(_outcome(r) for r in rewritten)
            return _cell(rewrite, f"the eager code failed: {said}; rewritten for the compiler: {fixed}",
                         labels + [_label(r) for r in rewritten], judged, counted)
        return _cell("holds", f"the eager code failed: {said}", labels, judged, counted)
    if failed or degraded:
        return _cell("partly", f"the eager code ran, but not cleanly: {said}" if not failed else said,
                     labels, judged, counted)
    return _cell("does-not-hold", f"the eager code ran as written: {said}", labels, judged, counted)


def error_location(doc: dict, system: str, runs: list[dict], *, bugs: list[str], causes: dict) -> Cell | None:
    """For each planted bug, where the system's report points: the traceback's innermost line of
    yours is the BUG line, only the message names it, or neither. A run that raised nothing is
    silent, and an error that is not the bug's (the tool refused the code before any call) is
    another cause: neither counts as an error that points somewhere."""
    bugged = [r for r in runs if any(r["variant"] == b or r["variant"].startswith(b + "_") for b in bugs)
              and not r["variant"].endswith("_checked") and r["status"] in ("error", "wrong", "ok")]
    if not bugged:
        return None
    judged = {_label(r): classify(r, doc, causes) for r in bugged
              if r["status"] != "error" or not (r.get("error") or {}).get("points_to_bug")}
    raised = [r for r in bugged if r["status"] == "error" and judged.get(_label(r), {}).get("cause") != OTHER]
    for r in bugged:  # raised nothing, so it points nowhere: never counted
        if r["status"] != "error":
            wrong = r["status"] == "wrong"
            judged[_label(r)] = {**judged[_label(r)], "cause": "silent" if wrong else OTHER, "silent": wrong,
                                 "words": "raised nothing and returned a " + ("wrong" if wrong else "right") + " result"}
    at_line, in_message, neither = [], [], []
    for r in raised:
        e = r.get("error") or {}
        (at_line if e.get("points_to_bug") else in_message if e.get("message_points_to_bug") else neither).append(r)
    parts = []
    for group, words in ((at_line, "its traceback reaches the BUG line"),
                         (in_message, "only its message names the BUG line"),
                         (neither, "neither traceback nor message names the BUG line")):
        if group:
            parts.append(f"{', '.join(r['variant'] for r in group)}: {words}")
    labels = [_label(r) for r in bugged]
    if not raised:
        return _cell("not-applicable", "no planted bug raised an error of its own", labels, judged, raised)
    evidence = "; ".join(parts)
    if len(at_line) == len(raised):
        return _cell("does-not-hold", evidence, labels, judged, raised)
    if not at_line and not in_message:
        return _cell("holds", evidence, labels, judged, raised)
    return _cell("partly", evidence, labels, judged, raised)


def inspection(doc: dict, system: str, runs: list[dict], *, python_print: str,
               framework_print: str, causes: dict) -> Cell | None:
    """Can you look at an intermediate value on every call? With Python's own print: the claim
    does not hold; only with the framework's print: partly; with neither: it holds. A print run
    that failed for another cause (the tool refused the code) says nothing about printing."""
    by = {r["variant"].split("_compiled")[0].split("_eager")[0]: r for r in runs}
    plain, framework = by.get(python_print), by.get(framework_print)
    if plain is None:
        return None

    def every_call(run: dict | None) -> bool:
        counts = (run or {}).get("print_counts") or []
        return bool(run) and run["status"] == "ok" and len(counts) == run.get("calls") \
            and all(counts) and run.get("inspection") == "concrete"

    def said(run: dict | None) -> str:
        return printed(run, run["variant"], run.get("calls")) if run["status"] != "error" else _outcome(run)

    tried = [r for r in (plain, framework) if r]
    judged = {_label(r): classify(r, doc, causes) for r in tried if not every_call(r)}
    counted = [r for r in tried if judged.get(_label(r), {}).get("cause") != OTHER]
    labels = [_label(r) for r in tried]
    evidence = "; ".join(said(r) for r in counted) or "no print ran"
    if every_call(plain):
        return _cell("does-not-hold", evidence, labels, judged, counted)
    if every_call(framework):
        return _cell("partly", evidence + " (only the framework's own print shows values every call)",
                     labels, judged, counted)
    if not counted:
        return _cell("not-applicable", "no print reached the claim", labels, judged, counted)
    return _cell("holds", evidence, labels, judged, counted)


# A spec that names no CAUSES: every failure counts, as before causes were graded (and the
# evidence says so).
ANY_FAILURE = {"any-failure": {"words": "the run failed (the scenario names no causes, so any failure counts)",
                               "error": "."},
               "any-wrong": {"words": "a wrong result (the scenario names no causes)", "silent": True}}
KINDS = {"naive-port": naive_port, "error-location": error_location, "inspection": inspection}


def cell(scenario, doc: dict, system: str) -> Cell:
    """`system`'s cell, graded by the scenario's rule from the document's JSON form (`doc`)."""
    runs = [r for r in doc["runs"] if r["system"] == system]
    drifted = {(d["system"], d["variant"]) for d in doc.get("drift") or []}
    if not runs or all(r["status"] in NOT_RUN for r in runs):
        reason = next((r.get("reason") for r in runs if r.get("reason")), None) or "no run"
        return Cell("unavailable", reason.splitlines()[0][:200], [_label(r) for r in runs], ruled=False)
    try:
        result = _graded(scenario, doc, system, runs)
    except ReadingError as exc:
        return Cell("error", str(exc), [], ruled=False)
    if result is None:
        return Cell("not-applicable", "no run of this system tests the claim", [], ruled=False)
    if isinstance(result, tuple):  # a callable rule's (verdict, evidence, labels[, fields])
        verdict, evidence, labels, *extra = result
        result = Cell.from_rule(verdict, evidence, list(labels), extra[0] if extra else {})
    result.drift = any(tuple(label.split("/", 1)) in drifted for label in result.runs)
    return result


def _graded(scenario, doc: dict, system: str, runs: list[dict]):
    """A built-in rule's cell, a callable rule's (verdict, evidence, labels[, extra]), or None; a
    ReadingError for a rule that raises or returns anything else."""
    rule = scenario.field("CLAIM_RULE")
    if rule is None:
        return None
    if not callable(rule):
        if rule["kind"] not in KINDS:
            raise scenario.reading_error("CLAIM_RULE", f"names unknown kind {rule['kind']!r}; valid: {', '.join(KINDS)}")
        params = {k: v for k, v in rule.items() if k != "kind"}
        try:
            return KINDS[rule["kind"]](doc, system, runs, causes=scenario.field("CAUSES") or ANY_FAILURE, **params)
        except Exception as exc:  # noqa: BLE001 - parameters the spec gave (a missing key, a typo)
            raise scenario.reading_error("CLAIM_RULE", f"raised {type(exc).__name__}: {exc}") from None
    result = scenario.read("CLAIM_RULE", doc, system)
    ok = result is None or (isinstance(result, (tuple, list)) and len(result) in (3, 4) and result[0] in GRADES
                            and isinstance(result[1], str) and isinstance(result[2], (list, tuple))
                            and (len(result) == 3 or isinstance(result[3], dict)))
    if not ok:
        raise scenario.reading_error("CLAIM_RULE", f"returned {str(result)[:80]!r}, not None or "
                                                   f"(one of {', '.join(GRADES)}, evidence, run labels[, fields])")
    return tuple(result) if result is not None else None


def grade(docs: list, specs: list = ()) -> Scoreboard:
    """The scoreboard: one row per claim (scenario), one cell per system, from these CompareDocs.
    The rules read each document's JSON form, as a spec's readings do by contract. `specs` are
    the scenarios already loaded (the selection's): a document's spec not among them is loaded
    here, once."""
    loaded = {s.name: s for s in specs}
    ids = systems.ordered({s for doc in docs for s in doc.systems})
    versions: dict = {}
    rows = []
    for doc in docs:
        versions.update({k: v for k, v in doc.versions.items() if v})
        if doc.scenario not in loaded:
            loaded[doc.scenario] = get(doc.scenario)
        scenario = loaded[doc.scenario]
        data = doc.to_dict(with_logs=False)
        rows.append(ClaimRow(doc.claim, doc.scenario, doc.title, scenario.field("SIDE"),
                             {s: cell(scenario, data, s) for s in ids}))
    rows.sort(key=lambda row: list(SIDES).index(row.side))  # grouped by side, stable within
    cells = [c for row in rows for c in row.cells.values()]
    codes = [d.exit_code for d in docs]
    verdicts = {c.verdict for c in cells}
    code = errors.outcome(interrupted=errors.INTERRUPTED in codes,
                          failed=errors.FAILED in codes or "error" in verdicts,
                          drift=any(c.drift for c in cells) or errors.DRIFT in codes,
                          incomplete="unavailable" in verdicts)
    return Scoreboard(
        schema=SCHEMA_VERSION,
        systems=[BoardSystem(s, systems.get(s).label, systems.get(s).short, systems.get(s).static) for s in ids],
        versions=versions, claims=rows,
        sides=[Side(side, **SIDES[side]) for side in SIDES if any(r.side == side for r in rows)],
        skipped=[],  # broken specs the command left out (lab.selection.Selection)
        exit_code=code)
