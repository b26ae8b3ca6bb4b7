"""Sentences about a run, each computed from that run's numbers. Nothing here is canned.

A scenario may add its own with a `verdicts(doc)` function in its spec.
"""
from __future__ import annotations

from compare import signals, systems
from compare.units import fmt_s  # noqa: F401 - the one formatter, used by the views through here
from lab.labels import role, run_label
from scenarios import _readings as readings


def _where(error: dict) -> str:
    user = error.get("innermost_user")
    if user:
        return f"{readings.at(user)} (`{user['code']}`)"
    n = len(error.get("frames") or [])
    where = f"no line of yours in its {n} frame{'' if n == 1 else 's'}"
    named = error.get("message_locations") or []
    if named:
        where += f"; only its message names {readings.at(named[-1])}"
    return where


def counted(system: str, n: int) -> str:
    """'1 trace', '3 compiles', '2 graphs': what the system's counter counts."""
    return readings.counted(n, systems.get(system).counter)


def outcome_sentence(run: dict) -> str:
    """What one variant did, in words, then what the framework said that changes its meaning
    (the recompile limit and the calls that ran eagerly, graph breaks, retracing, deprecation)."""
    said = signals.sentence(run)
    return _outcome_sentence(run) + (f" {said[0].upper()}{said[1:]}." if said else "")


def _outcome_sentence(run: dict) -> str:
    who = run_label(run, run.get("mode_name") or run["framework"])
    status, e = run["status"], run.get("error")
    if status == "error" and not e:
        return f"{who} failed (status error) with no exception recorded."
    if status not in ("ok", "error", "wrong"):
        reason = run.get("reason") or ""
        return f"{who}: {status}" + (f" ({reason.splitlines()[0]})" if reason else "") + "."
    return readings.outcome(run, who, _ran, at=e and _where(e),
                            call=lambda k: readings.on_call(k, of=run.get("calls") or "?")) + "."


def _ran(run: dict, who: str) -> str:
    compiles = run.get("compiles")
    return readings.matched(run, who) + (f" with {counted(run['system'], compiles)}" if compiles is not None else "")


def verdicts(doc: dict) -> list[str]:
    """What happened, generically: failures, naive ports, code size, first call vs steady state.
    The scenario's own sentences (what it means for the claim) are `takeaways`, kept apart."""
    out = []
    runs = doc["runs"]
    for run in runs:
        # Failures always; successes only for naive ports and runs whose meaning a framework
        # warning changed (the scenario's own takeaways speak for its other variants).
        meaning = [x for x in run.get("signals") or [] if x["kind"] != "deprecation"]
        if run["status"] != "ok" or run["variant"] == "naive" or meaning:
            out.append(outcome_sentence(run))
    # Code size of each static system's working versions that ran, against the eager baseline.
    code = doc.get("code", {})
    eager_sys = systems.EAGER_BASELINE
    eager = code.get(eager_sys, {}).get("functions", {}).get("forward")
    for run in runs:
        sys_code = code.get(run["system"])
        if not (_working(run, runs) and run["status"] == "ok"
                and run["mode"] == "static" and sys_code and eager and run.get("code")):
            continue
        static = run["code"]
        constructs = readings.constructs(static["constructs"]) or "none"
        changed = readings.changed_lines(doc, run)
        ran = "which ran and matched" if run.get("max_abs_err") is not None else "which ran; nothing to compare"
        out.append(f"The working {run['mode_name']} version ({role(run)}, {ran}) is "
                   f"{static['lines']} lines / {static['tokens']} tokens against {eager['lines']} / "
                   f"{eager['tokens']} in {systems.get(eager_sys).label}"
                   + (f"; {changed} of its lines {'differs' if changed == 1 else 'differ'} from the eager code"
                      if changed is not None else "")
                   + f"; compiler-only constructs: {constructs}.")
    # First call against the second call and the steady state, for the working variants.
    for run in runs:
        t = run.get("timing") or {}
        if _working(run, runs) and run["status"] == "ok" and t.get("first_call_s") and t.get("steady_median_s"):
            out.append(first_call_sentence(run))
    return out


def _working(run: dict, runs: list[dict]) -> bool:
    """A label the registry calls working for its system; or, where the scenario gave the system
    labels of its own only (speed's workloads), one its EXPECTED says runs ok."""
    work = systems.get(run["system"]).working
    if run["variant"] in work:
        return True
    own_only = not any(r["variant"] in work for r in runs if r["system"] == run["system"])
    return own_only and bool(run.get("expect_ok"))


def first_call_sentence(run: dict) -> str:
    """The measured ratios, whatever they are, and the compiles that came after call 1."""
    t = run["timing"]
    first, steady, second = t["first_call_s"], t["steady_median_s"], t.get("second_call_s")
    s = f"{run_label(run, run['mode_name'])}: first call {fmt_s(first)}"
    if second:
        s += f", {first / second:,.1f}× the second call ({fmt_s(second)})"
    s += f", {first / steady:,.1f}× the steady state ({fmt_s(steady)} per call)"
    per_call = run.get("call_compiles") or []
    if run.get("compiles") is None:
        # No counter. An eager system builds no graph of the function (it may still compile single
        # ops, as JAX op by op does), so the gap is not a trace or compile of the function.
        if systems.get(run["system"]).static:
            s += "; its compiles are not counted, so the lab cannot say how much of the gap they are"
        else:
            s += "; it builds no graph of the function, so the gap is not a trace or compile of it"
    elif per_call:
        later = sum(per_call[1:])
        calls_later = sum(1 for c in per_call[1:] if c)
        if later:
            s += (f"; {counted(run['system'], later)} came after call 1, on {calls_later} of the "
                  f"{len(per_call) - 1} later calls")
        elif per_call[0]:
            s += f"; {counted(run['system'], per_call[0])} on call 1 and none after"
        else:
            s += f"; its counter counted no {counted(run['system'], 2).split(' ', 1)[1]} on any call"
    return s + "."


def takeaways(doc: dict, scenario) -> list[str]:
    """The scenario's own sentences (its spec's `verdicts(doc)`), the lesson's punchline;
    a ReadingError if it raises or returns anything but a list of strings."""
    if not scenario.field("verdicts"):
        return []
    said = scenario.read("verdicts", doc)
    if not isinstance(said, (list, tuple)) or not all(isinstance(s, str) for s in said):
        raise scenario.reading_error("verdicts", f"returned {type(said).__name__}, not a list of sentences")
    return list(said)
