"""Sentences about a run, each computed from that run's numbers. Nothing here is canned.

A scenario may add its own with a `verdicts(doc)` function in its spec.
"""
from __future__ import annotations

from lab.discovery import FRAMEWORKS


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _where(error: dict) -> str:
    user = error.get("innermost_user")
    if user:
        return f"{user['file']}:{user['line']} (`{user['code']}`)"
    where = f"no line of yours in its {len(error['frames'])} frames"
    named = error.get("message_locations") or []
    if named:
        where += f"; only its message names {named[-1]['file']}:{named[-1]['line']}"
    return where


def outcome_sentence(run: dict) -> str:
    """What one variant did, in words."""
    who = f"{run.get('mode_name') or run['framework']} {run['variant']}"
    status = run["status"]
    if status == "error":
        e = run["error"]
        s = f"{who} raised {e['type']} at {_where(e)}"
        if e.get("call_index"):
            s += f" on call {e['call_index'] + 1} of {run.get('calls', '?')}"
        return s + "."
    if status == "wrong":
        w = run.get("wrong") or {}
        err = run.get("max_abs_err")
        return (f"{who} raised nothing but returned a wrong result"
                + (f" (max abs error {err:.3g})" if err is not None else "")
                + (f": {w['why']}" if w.get("why") else "")
                + (f" on call {w['call_index'] + 1}" if "call_index" in w else "") + ".")
    if status == "ok":
        s = f"{who} matched the reference on all {run.get('calls', '?')} calls"
        if run.get("compiles") is not None:
            unit = "trace" if run["framework"] == "tensorflow" else "compile"
            s += f" with {run['compiles']} {unit}{'s' if run['compiles'] != 1 else ''}"
        return s + "."
    reason = run.get("reason") or ""
    return f"{who}: {status}" + (f" ({reason.splitlines()[0]})" if reason else "") + "."


def verdicts(doc: dict, scenario) -> list[str]:
    out = []
    runs = doc["runs"]
    for run in runs:
        # Failures always; successes only for naive ports (the scenario's own takeaways speak
        # for its other variants, and a list of "matched" lines would bury the point).
        if run["status"] != "ok" or run["variant"] == "naive":
            out.append(outcome_sentence(run))
    # Code size of the working static versions against torch eager.
    code = doc.get("code", {})
    eager = code.get("torch", {}).get("functions", {}).get("forward")
    for fw in FRAMEWORKS[:2]:
        fwcode = code.get(fw)
        if not fwcode or not eager or "forward" not in fwcode["functions"]:
            continue
        static = fwcode["functions"]["forward"]
        constructs = ", ".join(f"{k} ×{v}" for k, v in static["constructs"].items()) or "none"
        changed = fwcode["diff_vs_eager"]["functions"].get("forward", {}).get("changed") \
            if fwcode.get("diff_vs_eager") else None
        out.append(f"The working {fw} version is {static['lines']} lines / {static['tokens']} tokens "
                   f"against {eager['lines']} / {eager['tokens']} in torch eager"
                   + (f"; {changed} of its lines {'differs' if changed == 1 else 'differ'} from the eager code"
                      if changed is not None else "")
                   + f"; compiler-only constructs: {constructs}.")
    # First call against steady state, for the working variants that ran.
    for run in runs:
        t = run.get("timing") or {}
        if run["variant"] in ("static", "eager", "compiled") and run["status"] == "ok" \
                and t.get("first_call_s") and t.get("steady_median_s"):
            ratio = t["first_call_s"] / t["steady_median_s"]
            out.append(f"{run.get('mode_name', run['framework'])}: first call {fmt_s(t['first_call_s'])}, "
                       f"steady state {fmt_s(t['steady_median_s'])} per call ("
                       + (f"{ratio:,.0f}× faster once warm)." if ratio >= 1.5 else "no faster once warm)."))
    return out + takeaways(doc, scenario)


def takeaways(doc: dict, scenario) -> list[str]:
    """The scenario's own sentences (its spec's `verdicts(doc)`), the lesson's punchline."""
    extra = getattr(scenario.spec, "verdicts", None)
    return list(extra(doc)) if extra else []
