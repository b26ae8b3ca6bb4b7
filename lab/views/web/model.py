"""From the lab's JSON documents to plain dicts the templates print. Every accessor tolerates a
missing or null field: a placeholder run for an unavailable framework is mostly nulls."""
from __future__ import annotations

import json
import math
import re

from compare.results import SPLIT_COLUMNS, GraphReport, Timing
from compare.tracebacks import BUG_MARKER, informative_lines
from compare.units import fmt_s
from lab.labels import role, run_label
from lab.scoreboard import Cell, Scoreboard, Side
from lab.views.web import svg
from lab.views.web.code import file_model

# Runs written before runs carried "system": the id each (mode_name) or (framework, mode) maps to.
_KNOWN_DOC_KEYS = {"schema", "scenario", "seed", "title", "claim", "lesson", "device", "versions",
                   "environment", "tolerances", "frameworks", "runs", "code", "interrupted",
                   "verdicts", "takeaways", "exit_code", "_exit_code", "systems", "drift",
                   "reading_errors"}
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


def system_id(run: dict) -> str:
    run = d(run)
    if run.get("system"):
        return text(run["system"])
    # A document from before schema 2 has no system: its framework and mode name stand in.
    return slug(f"{text(run.get('framework'))} {text(run.get('mode_name') or run.get('mode'))}")


def system_order(docs: list[dict], systems: list[dict] | None) -> list[dict]:
    """The given order and labels first, then systems as they first appear in the runs."""
    out, seen = [], set()
    for s in lst(systems):
        sid = text(d(s).get("id"))
        if sid and sid not in seen:
            seen.add(sid)
            out.append({"id": sid, "label": text(d(s).get("label")) or sid})
    for doc in docs:
        for run in lst(d(doc).get("runs")):
            sid = system_id(run)
            if sid not in seen:
                seen.add(sid)
                run = d(run)
                label = text(run.get("mode_name")) or " ".join(
                    text(run.get(k)) for k in ("framework", "mode") if run.get(k)) or sid
                out.append({"id": sid, "label": label})
    return out


def _time(x) -> str:
    return "–" if x is None else fmt_s(x)


def fmt_err(x) -> str:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return "–"
    return "0" if x == 0 else f"{x:.1e}"


def ordered_runs(doc: dict, order: dict) -> list[dict]:
    runs = [d(r) for r in lst(doc.get("runs"))]
    return sorted(runs, key=lambda r: order.get(system_id(r), len(order)))  # stable: variants keep their order


def _run_label(run: dict, labels: dict) -> str:
    return run_label(run, labels.get(system_id(run), system_id(run))) if run.get("system") else \
        f"{labels.get(system_id(run), system_id(run))} {text(run.get('variant'))}".strip()


def _status(run: dict, frameworks: dict) -> dict:
    status = text(run.get("status")) or "unknown"
    expected = text(d(run.get("expected")).get("status"))
    note = ""
    if expected and status != "ok":
        note = "expected" if expected == status else f"expected {expected}"
    elif expected and expected != "ok":
        note = f"expected {expected}"
    fw = d(d(frameworks).get(run.get("framework")))
    reason = run.get("reason") or (fw.get("reason") if status not in ("ok", "error", "wrong") else None)
    return {"status": status, "cls": status if status in STATUSES else "other", "note": note,
            "reason": text(reason)}


def results_rows(runs: list[dict], labels: dict, frameworks: dict) -> list[dict]:
    rows = []
    for run in runs:
        t = d(run.get("timing"))
        gr = GraphReport.from_dict(run.get("graph_report"))
        notes = [gr.summary()] if gr else []
        comp = run.get("compiles")
        rows.append({"system": labels.get(system_id(run), system_id(run)), "variant": role(run),
                     "function": text(run.get("function")), **_status(run, frameworks),
                     "first": _time(t.get("first_call_s")), "steady": _time(t.get("steady_median_s")),
                     "iqr": fmt_s(t.get("steady_iqr_s")) if t.get("steady_iqr_s") is not None else "",
                     "compiles": "–" if comp is None else text(comp), "err": fmt_err(run.get("max_abs_err") if run.get("status") in ("ok", "wrong") else None),
                     "notes": "; ".join(notes), "break_reasons": list(gr.break_reasons) if gr else []})
    return rows


def charts(runs: list[dict], labels: dict, name: str) -> list[dict]:
    series, fvs, split = [], [], []
    for run in runs:
        label, t = _run_label(run, labels), d(run.get("timing"))
        times = lst(run.get("call_times_s"))
        if len(times) >= 2:
            series.append({"label": label, "times": times, "compiles": lst(run.get("call_compiles"))})
        fvs.append({"label": label, "first_s": t.get("first_call_s"), "steady_s": t.get("steady_median_s")})
        first = Timing.from_dict(t).first_call_split()
        if first is not None:  # each system's own phases, in the column each belongs to
            split.append({"label": label, "first_s": first.first_s, "rest_s": first.rest_s,
                          "parts": {c: (first.column(c), "+".join(p.name for p in first.phases if p.column == c))
                                    for c in SPLIT_COLUMNS if first.column(c) is not None}})
    from lab.charts import speedup_series
    out = []
    for workload in dict.fromkeys(x["workload"] for x in speedup_series({"runs": runs})):
        rows = [dict(x, label=_run_label(x["run"], labels))
                for x in speedup_series({"runs": runs}) if x["workload"] == workload]
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


def _same_place(a: dict, b: dict) -> bool:
    return bool(a and b) and a.get("file") == b.get("file") and a.get("line") == b.get("line")


def _frames(frames, err: dict) -> list[dict]:
    inner = d(err.get("innermost_user"))
    out = []
    for f in lst(frames):
        f = d(f)
        code = text(f.get("code"))
        origin = text(f.get("origin")) or "other"
        out.append({"file": text(f.get("file")), "line": text(f.get("line")), "function": text(f.get("function")),
                    "origin": origin, "cls": origin if origin in ("user", "framework", "generated") else "other",
                    "code": code,
                    "bug": "# BUG" in code or (bool(err.get("points_to_bug")) and _same_place(f, inner))})
    return out


def tracebacks(runs: list[dict], labels: dict, bug_systems: frozenset = frozenset()) -> list[dict]:
    """`bug_systems`: the systems whose file marks a `# BUG` line; only there does "points at the
    # BUG line" mean anything."""
    out = []
    for run in runs:
        err = run.get("error")
        if not isinstance(err, dict):
            continue
        locs = [f"{text(d(m).get('file'))}:{text(d(m).get('line'))}" for m in lst(err.get("message_locations"))]
        facts = []
        if "points_to_bug" in err and system_id(run) in bug_systems:
            facts.append(("points at the # BUG line", "yes" if err.get("points_to_bug") else "no"))
        if err.get("frames_before_user") is not None:
            facts.append(("frames before your code", text(err.get("frames_before_user"))))
        if err.get("message_points_to_bug"):
            facts.append(("the message names the bug line", ", ".join(locs) or "yes"))
        if err.get("filtered_len") is not None or err.get("unfiltered_len") is not None:
            facts.append(("frames shown / with filtering off",
                          f"{text(err.get('filtered_len')) or '?'} / {text(err.get('unfiltered_len')) or '?'}"))
        if err.get("call_index") is not None and isinstance(err.get("call_index"), int):
            facts.append(("raised on call", text(err["call_index"] + 1)))
        causes = [{"type": text(d(c).get("type")), "points_to_bug": bool(d(c).get("points_to_bug")),
                   "at": (f"{text(d(d(c).get('innermost_user')).get('file'))}:"
                          f"{text(d(d(c).get('innermost_user')).get('line'))}") if d(c).get("innermost_user") else ""}
                  for c in lst(err.get("causes"))]
        out.append({"run": _run_label(run, labels), "type": text(err.get("type")) or "error",
                    "qualified_type": text(err.get("qualified_type")),
                    "message": "\n".join(informative_lines(text(err.get("message")))),
                    "full_message": text(err.get("message")),
                    "facts": facts, "frames": _frames(err.get("frames"), err),
                    "unfiltered": _frames(err.get("unfiltered_frames"), err), "causes": causes})
    return out


def code_columns(doc: dict, order: list[dict]) -> list[dict]:
    """One column per implementation file, in system order; `code` is keyed by system, and two
    systems that run one file (tf.function and tf eager) share its column and its title."""
    code = d(doc.get("code"))
    rank = {s["id"]: i for i, s in enumerate(order)}
    labels = {s["id"]: s["label"] for s in order}
    by_file: dict = {}
    for sid in sorted(code, key=lambda k: rank.get(k, len(rank))):
        entry = d(code.get(sid))
        by_file.setdefault(text(entry.get("file")) or sid, []).append((sid, entry))
    cols = []
    for pairs in by_file.values():
        sid, entry = pairs[0]
        title = " · ".join(labels.get(k, k) for k, _ in pairs)
        baseline = entry.get("diff_vs_eager") is None and bool(entry)
        cols.append(file_model(sid, entry, title, baseline))
    return cols


def _compact(v, limit: int = 240) -> str:
    s = v if isinstance(v, str) else json.dumps(v, default=str)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _bug_systems(doc: dict) -> frozenset:
    return frozenset(k for k, v in d(doc.get("code")).items() if BUG_MARKER in text(d(v).get("source")))


def scenario(doc: dict, systems: list[dict], sid: str) -> dict:
    doc = d(doc)
    order = {s["id"]: i for i, s in enumerate(systems)}
    labels = {s["id"]: s["label"] for s in systems}
    runs = ordered_runs(doc, order)
    name = text(doc.get("scenario")) or "scenario"
    takeaways = [text(x) for x in lst(doc.get("takeaways"))]
    verdicts = [text(x) for x in lst(doc.get("verdicts")) if text(x) not in takeaways]
    tol = d(doc.get("tolerances"))
    return {"id": sid, "name": name, "title": text(doc.get("title")), "claim": text(doc.get("claim")),
            "lesson": text(doc.get("lesson")), "device": text(doc.get("device")),
            "tolerance": ", ".join(f"{k}={v}" for k, v in tol.items()),
            "interrupted": bool(doc.get("interrupted")), "exit_code": doc.get("exit_code"),
            "code": code_columns(doc, systems), "results": results_rows(runs, labels, doc.get("frameworks")),
            "charts": charts(runs, labels, name), "tracebacks": tracebacks(runs, labels, _bug_systems(doc)),
            "takeaways": takeaways, "verdicts": verdicts,
            "reading_errors": [text(x) for x in lst(doc.get("reading_errors"))],
            "extras": [(k, _compact(v)) for k, v in doc.items() if k not in _KNOWN_DOC_KEYS]}


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


def environment(docs: list[dict]) -> dict:
    docs = [d(x) for x in docs]
    env = next((d(x.get("environment")) for x in docs if x.get("environment")), {})
    versions: dict = {}
    for x in docs:
        for k, v in d(x.get("versions")).items():
            versions.setdefault(k, [])
            if text(v) not in versions[k]:
                versions[k].append(text(v))
    fws = []
    for fw, vs in versions.items():
        info = next((d(d(d(x.get("frameworks")).get(fw)).get("info")) for x in docs
                     if d(d(x.get("frameworks")).get(fw)).get("info")), {})
        status = next((text(d(d(x.get("frameworks")).get(fw)).get("status")) for x in docs
                       if d(x.get("frameworks")).get(fw)), "")
        threads = d(d(env.get("threads")).get(fw))
        fws.append({"name": fw, "version": " / ".join(v or "–" for v in vs), "status": status,
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
    return {"frameworks": fws, "facts": facts, "policy": policy,
            "schemas": sorted({text(x.get("schema")) for x in docs if x.get("schema") is not None})}
