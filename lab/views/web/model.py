"""From the lab's typed documents (compare.results.CompareDoc) to plain dicts the templates print.
What stays free-form JSON in a document (the environment, a worker's info, the code table, the
scenario's inputs) is read defensively: a framework that was not installed leaves it sparse."""
from __future__ import annotations

import json
import math
import re

from compare.results import SPLIT_COLUMNS, CompareDoc, ErrorAnatomy, Frame, Run, WorkerResult
from compare.tracebacks import BUG_MARKER, informative_lines
from compare.units import fmt_s
from lab.charts import speedup_series
from lab.labels import run_label, run_role
from lab.scoreboard import Cell, Scoreboard, Side
from lab.views.web import svg
from lab.views.web.code import file_model

VERDICTS = {"holds": "holds", "partly": "partly", "does-not-hold": "does not hold",
            "not-applicable": "n/a", "unavailable": "unavailable", "error": "error"}
LEGENDS = {"per-call": [("blue", "call"), ("orange", "call that traced or compiled ▲")],
           "first-vs-steady": [("orange", "first call"), ("blue", "steady-state median")],
           "split": [("blue", "trace"), ("purple", "lower"), ("orange", "compile"), ("grey", "rest")]}
STATUSES = ("ok", "error", "wrong", "unavailable", "crashed", "timeout", "interrupted")


def d(x) -> dict:
    return x if isinstance(x, dict) else {}


def lst(x) -> list:
    return x if isinstance(x, list) else []


def text(x) -> str:
    return "" if x is None else str(x)


def slug(s) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text(s).lower()).strip("-") or "x"


def system_order(docs: list[CompareDoc], systems: list[dict] | None) -> list[dict]:
    """The given order and labels ({"id", "label"}) first, then systems as they first appear in the runs."""
    out, seen = [], set()
    for s in lst(systems):
        sid = text(d(s).get("id"))
        if sid and sid not in seen:
            seen.add(sid)
            out.append({"id": sid, "label": text(d(s).get("label")) or sid})
    for doc in docs:
        for run in doc.runs:
            if run.system not in seen:
                seen.add(run.system)
                label = run.mode_name or " ".join(x for x in (run.framework, run.mode) if x) or run.system
                out.append({"id": run.system, "label": label})
    return out


def _time(x) -> str:
    return "–" if x is None else fmt_s(x)


def fmt_err(x) -> str:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return "–"
    return "0" if x == 0 else f"{x:.1e}"


def ordered_runs(doc: CompareDoc, order: dict) -> list[Run]:
    return sorted(doc.runs, key=lambda r: order.get(r.system, len(order)))  # stable: variants keep their order


def _run_label(run: Run, labels: dict) -> str:
    return run_label(run, labels.get(run.system, run.system))


def _status(run: Run, frameworks: dict[str, WorkerResult]) -> dict:
    status = run.status or "unknown"
    expected = (run.expected or {}).get("status") or ""
    note = ""
    if expected and status != "ok":
        note = "expected" if expected == status else f"expected {expected}"
    elif expected and expected != "ok":
        note = f"expected {expected}"
    worker = frameworks.get(run.framework)
    reason = run.reason or (worker.reason if worker is not None and status not in ("ok", "error", "wrong") else None)
    return {"status": status, "cls": status if status in STATUSES else "other", "note": note,
            "reason": text(reason)}


def results_rows(runs: list[Run], labels: dict, frameworks: dict[str, WorkerResult]) -> list[dict]:
    rows = []
    for run in runs:
        t, gr = run.timing, run.graphs
        iqr = t.split.get("steady_iqr_s")  # measured with the steady state, kept among the timing's own keys
        rows.append({"system": labels.get(run.system, run.system), "variant": run_role(run),
                     "function": run.function, **_status(run, frameworks),
                     "first": _time(t.first_call_s), "steady": _time(t.steady_median_s),
                     "iqr": fmt_s(iqr) if iqr is not None else "",
                     "compiles": "–" if run.compiles is None else str(run.compiles),
                     "err": fmt_err(run.max_abs_err if run.status in ("ok", "wrong") else None),
                     "notes": gr.summary() if gr else "", "break_reasons": list(gr.break_reasons) if gr else []})
    return rows


def charts(runs: list[Run], labels: dict, name: str) -> list[dict]:
    series, fvs, split = [], [], []
    for run in runs:
        label, t = _run_label(run, labels), run.timing
        if len(run.call_times_s) >= 2:
            series.append({"label": label, "times": run.call_times_s, "compiles": run.call_compiles})
        fvs.append({"label": label, "first_s": t.first_call_s, "steady_s": t.steady_median_s})
        first = run.first_call
        if first is not None:  # each system's own phases, in the column each belongs to
            split.append({"label": label, "first_s": first.first_s, "rest_s": first.rest_s,
                          "parts": {c: (first.column(c), "+".join(p.name for p in first.phases if p.column == c))
                                    for c in SPLIT_COLUMNS if first.column(c) is not None}})
    out = []
    speedups = speedup_series(runs)
    for workload in dict.fromkeys(x["workload"] for x in speedups):
        rows = [dict(x, label=_run_label(x["run"], labels)) for x in speedups if x["workload"] == workload]
        out.append({"kind": "speedup", "title": f"{workload}: speed-up over the framework's eager system",
                    "caption": "Log axes: steady-state speed-up against size, one line per compiled run; the "
                    "dashed line is its framework's eager system (1×). By each point: the calls after which "
                    "the first call, compile included, is paid back (never: not faster there).",
                    "svg": svg.speedup(rows, f"{name}: {workload}: speed-up over the framework's eager system"),
                    "legend": []})
    for kind, title, caption, draw, rows in (
            ("per-call", f"{name}: Time of every call", "Every call of every run, in order. Bar height: the "
             "call's time, on a log scale shared by all rows.", svg.per_call, series),
            ("first-vs-steady", f"{name}: First call against steady state", "Log axis. The first call includes "
             "tracing and compiling.", svg.first_vs_steady, fvs),
            ("split", f"{name}: First call, split by the framework's own counters", "Linear axis. TF reports "
             "tracing only, so its rest includes graph optimisation and running.", svg.first_call_split, split)):
        body = draw(rows, title) if rows else ""
        if body:
            out.append({"kind": kind, "title": title.split(": ", 1)[-1], "caption": caption, "svg": body,
                        "legend": LEGENDS.get(kind, [])})
    return out


def _frames(frames: list[Frame], err: ErrorAnatomy) -> list[dict]:
    inner = err.innermost_user
    out = []
    for f in frames:
        origin = f.origin or "other"
        here = inner is not None and (f.file, f.line) == (inner.file, inner.line)
        out.append({"file": f.file, "line": text(f.line), "function": f.function,
                    "origin": origin, "cls": origin if origin in ("user", "framework", "generated") else "other",
                    "code": f.code, "bug": "# BUG" in f.code or (err.points_to_bug and here)})
    return out


def _at(place: dict | None) -> str:
    """file:line of a place the traceback reader recorded as plain data (a cause's, a message's)."""
    return f"{text(place.get('file'))}:{text(place.get('line'))}" if place else ""


def tracebacks(runs: list[Run], labels: dict, bug_systems: frozenset = frozenset()) -> list[dict]:
    """`bug_systems`: the systems whose file marks a `# BUG` line; only there does "points at the
    # BUG line" mean anything."""
    out = []
    for run in runs:
        err = run.error
        if err is None:
            continue
        facts = []
        if run.system in bug_systems:
            facts.append(("points at the # BUG line", "yes" if err.points_to_bug else "no"))
        facts.append(("frames before your code", str(err.frames_before_user)))
        if err.message_points_to_bug:
            facts.append(("the message names the bug line", ", ".join(_at(m) for m in err.message_locations) or "yes"))
        facts.append(("frames shown / with filtering off",
                      f"{err.filtered_len} / {'?' if err.unfiltered_len is None else err.unfiltered_len}"))
        if err.call_index is not None:
            facts.append(("raised on call", str(err.call_index + 1)))
        causes = [{"type": c["type"], "points_to_bug": bool(c.get("points_to_bug")), "at": _at(c.get("innermost_user"))}
                  for c in err.causes]
        out.append({"run": _run_label(run, labels), "type": err.type or "error",
                    "qualified_type": err.qualified_type,
                    "message": "\n".join(informative_lines(err.message)),
                    "full_message": err.message,
                    "facts": facts, "frames": _frames(err.frames, err),
                    "unfiltered": _frames(err.unfiltered_frames or [], err), "causes": causes})
    return out


def code_columns(doc: CompareDoc, order: list[dict]) -> list[dict]:
    """One column per implementation file, in system order; `code` is keyed by system, and two
    systems that run one file (tf.function and tf eager) share its column and its title."""
    rank = {s["id"]: i for i, s in enumerate(order)}
    labels = {s["id"]: s["label"] for s in order}
    by_file: dict = {}
    for sid in sorted(doc.code, key=lambda k: rank.get(k, len(rank))):
        entry = doc.code[sid]
        by_file.setdefault(entry.get("file") or sid, []).append((sid, entry))
    cols = []
    for pairs in by_file.values():
        sid, entry = pairs[0]
        title = " · ".join(labels.get(k, k) for k, _ in pairs)
        baseline = entry.get("diff_vs_eager") is None
        cols.append(file_model(sid, entry, title, baseline))
    return cols


def _compact(v, limit: int = 240) -> str:
    s = v if isinstance(v, str) else json.dumps(v, default=str)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _bug_systems(doc: CompareDoc) -> frozenset:
    return frozenset(k for k, v in doc.code.items() if BUG_MARKER in (v.get("source") or ""))


def scenario(doc: CompareDoc, systems: list[dict], sid: str) -> dict:
    order = {s["id"]: i for i, s in enumerate(systems)}
    labels = {s["id"]: s["label"] for s in systems}
    runs = ordered_runs(doc, order)
    name = doc.scenario or "scenario"
    verdicts = [x for x in doc.verdicts if x not in doc.takeaways]
    return {"id": sid, "name": name, "title": doc.title, "claim": doc.claim,
            "lesson": doc.lesson, "device": doc.device,
            "tolerance": ", ".join(f"{k}={v}" for k, v in doc.tolerances.items()),
            "interrupted": doc.interrupted, "exit_code": doc.exit_code,
            "code": code_columns(doc, systems), "results": results_rows(runs, labels, doc.frameworks),
            "charts": charts(runs, labels, name), "tracebacks": tracebacks(runs, labels, _bug_systems(doc)),
            "takeaways": list(doc.takeaways), "verdicts": verdicts, "reading_errors": list(doc.reading_errors),
            "extras": [(k, _compact(v)) for k, v in doc.inputs.items()]}


def board_systems(board: Scoreboard | None) -> list[dict]:
    """The scoreboard's columns ({"id", "label"}): they order the page's systems where it has any."""
    return [{"id": s.id, "label": s.label} for s in board.systems] if board is not None else []


def scoreboard(board: Scoreboard, systems: list[dict], sections: dict) -> dict:
    """The claims scoreboard as the template prints it: its columns in the board's order (else
    `systems`'), and a row per claim grouped by side; `sections` links each scenario's section."""
    cols = system_order([], board_systems(board) or systems)
    compact = len(cols) > 4
    for col in cols:  # many columns: the id, breakable after each hyphen, heads the column
        col["head"] = col["id"].replace("-", "-\u200b") if compact else col["label"]
    rows = []
    for c in board.claims:
        row = []
        for s in cols:
            cell = c.cells.get(s["id"]) or Cell("unavailable", "", [])
            label = VERDICTS.get(cell.verdict, cell.verdict)
            row.append({"verdict": cell.verdict,
                        "label": label.replace("unavailable", "unavail\u00adable") if compact else label,
                        "cls": cell.verdict if cell.verdict in VERDICTS else "other",
                        "evidence": cell.evidence, "system": s["label"], "cause": text(cell.cause),
                        "silent": len(cell.silent), "unrelated": len(cell.unrelated)})
        rows.append({"claim": c.claim, "scenario": c.scenario, "side": text(c.side),
                     "href": sections.get(c.scenario), "cells": row})
    has_error = any(c["verdict"] == "error" for r in rows for c in r["cells"])
    # Grouped by the side of the trade each claim speaks for; a board without sides is one group.
    sides = board.sides or [Side("", "", "", "")]
    groups = [{"side": text(x.side), "title": x.title, "holds": x.holds,
               "rows": [r for r in rows if r["side"] == text(x.side)]} for x in sides]
    return {"systems": cols, "rows": rows, "groups": [g for g in groups if g["rows"]], "compact": compact,
            "has_error": has_error}


def environment(docs: list[CompareDoc]) -> dict:
    env = next((x.environment for x in docs if x.environment), {})
    versions: dict = {}
    for x in docs:
        for k, v in x.versions.items():
            versions.setdefault(k, [])
            if text(v) not in versions[k]:
                versions[k].append(text(v))
    fws = []
    for fw, vs in versions.items():
        workers = [x.frameworks[fw] for x in docs if fw in x.frameworks]
        info = next((w.info for w in workers if w.info), {})
        threads = d(d(env.get("threads")).get(fw))  # none for a framework that was not installed
        fws.append({"name": fw, "version": " / ".join(v or "–" for v in vs),
                    "status": workers[0].status if workers else "",
                    "devices": ", ".join(text(v) for v in lst(info.get("devices"))),
                    "device_used": text(d(env.get("device_used")).get(fw)),
                    "threads": "/".join(text(threads.get(k)) for k in ("intra_op", "inter_op") if k in threads)
                    + (f" ({threads['how']})" if threads.get("how") else ""),
                    "import": fmt_s(info.get("import_s")) if info.get("import_s") is not None else "–"})
    facts = [(k.replace("_", " "), _compact(env.get(k), 400)) for k in
             ("python", "platform", "cpu", "cpu_count", "device_requested", "threads_requested", "gpu", "executable")
             if env.get(k) not in (None, "", [])]
    if lst(env.get("nvidia_smi")):
        facts.append(("nvidia-smi", _compact(env["nvidia_smi"], 400)))
    policy = [(text(k).replace("_", " "), _compact(v, 300)) for k, v in d(env.get("timing_policy")).items()]
    return {"frameworks": fws, "facts": facts, "policy": policy, "schemas": sorted({str(x.schema) for x in docs})}
