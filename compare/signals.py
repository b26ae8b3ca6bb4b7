"""What the framework said that changes what a run means, read from the run's own data.

A run that "matched on all 30 calls" means something else when Dynamo stopped compiling after
its recompile limit and ran the rest eagerly, or when the graph broke and Python ran the pieces
between graphs. Each signal is data ({kind, said, ...}) that verdicts and `lab claims` cells
quote. Framework-free: it reads warnings (their wording in the installed versions, quoted in
tests), per-call graph runs and the graph report.

Kinds: recompile-limit, eager-fallback, graph-break, retracing, deprecation.
"""
from __future__ import annotations

import re

KINDS = ("recompile-limit", "eager-fallback", "graph-break", "retracing", "deprecation")
# torch 2.13 logs "torch._dynamo hit config.recompile_limit (8)" once, on the first call past it.
_LIMIT = re.compile(r"hit config\.(?:recompile|cache_size)_limit \((\d+)\)")
# TensorFlow 2.21 logs "5 out of the last 5 calls to <function naive at 0x...> triggered
# tf.function retracing" once a function has retraced often.
_RETRACING = re.compile(r"(\d+) out of the last (\d+) calls to <function (\S+).*?triggered tf\.function retracing")
_DEPRECATED = ("DeprecationWarning", "FutureWarning")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


def read(run: dict) -> list[dict]:
    """The signals of one run (a Run as a dict), in KINDS order."""
    out = []
    warned = run.get("warnings") or []
    limit = next((w for w in warned if _LIMIT.search(w["message"])), None)
    if limit:
        out.append({"kind": "recompile-limit", "limit": int(_LIMIT.search(limit["message"]).group(1)),
                    "said": _first_line(limit["message"])})
    # A call that ran no compiled graph ran eagerly (Dynamo gave the frame back to Python).
    per_call = run.get("call_graph_runs") or []
    eager = [k for k, n in enumerate(per_call) if n == 0]
    if eager and len(eager) < len(per_call):  # none ran at all: the graphs are not the lab's to count
        out.append({"kind": "eager-fallback", "calls": eager, "from_call": eager[0],
                    "of": len(per_call), "why": "recompile-limit" if limit else "no graph ran",
                    "said": limit and _first_line(limit["message"])})
    report = run.get("graph_report") or {}
    breaks = report.get("graph_breaks") or (run.get("timing") or {}).get("graph_breaks") or 0
    # The report is Dynamo's explain(), which re-traces without fullgraph; a fullgraph=True run
    # that completed had no break (any break raises), e.g. it captured the .item() explain breaks at.
    whole = (run.get("capture") or {}).get("fullgraph") and run.get("status") in ("ok", "wrong")
    if breaks > 0 and not whole:
        reasons = list(dict.fromkeys(report.get("break_reasons") or []))  # whole reasons, up to ~160 chars
        while len(reasons) > 1 and len("; ".join(reasons)) > 160:
            reasons.pop()
        out.append({"kind": "graph-break", "count": breaks, "said": "; ".join(reasons)[:200],
                    "graphs": report.get("graphs")})
    retraced = [w for w in warned if _RETRACING.search(w["message"])]
    if retraced:
        last = _RETRACING.search(retraced[-1]["message"])
        out.append({"kind": "retracing", "retraced": int(last.group(1)), "calls": int(last.group(2)),
                    "said": _first_line(retraced[-1]["message"]).split(". ")[0]})
    for w in warned:
        if w["category"] in _DEPRECATED:
            out.append({"kind": "deprecation", "said": _first_line(w["message"])})
    return out


def of(run: dict, kind: str) -> dict | None:
    """The run's first signal of this kind, or None."""
    return next((s for s in run.get("signals") or [] if s["kind"] == kind), None)


def sentence(run: dict) -> str | None:
    """The signals that change what the run means, in words; None when there are none."""
    parts = []
    limit, fallback = of(run, "recompile-limit"), of(run, "eager-fallback")
    if fallback:
        calls = fallback["calls"]
        parts.append((f"Dynamo hit its recompile limit ({limit['limit']}), so " if limit else "")
                     + f"{len(calls)} of its {fallback['of']} calls ran eagerly, from call "
                     f"{fallback['from_call'] + 1} on (calls {', '.join(str(k + 1) for k in calls)})")
    elif limit:
        parts.append(f"Dynamo hit its recompile limit ({limit['limit']})")
    broke = of(run, "graph-break")
    if broke:
        parts.append(f"its graph broke {broke['count']} time{'s' * (broke['count'] != 1)} and Python ran "
                     "the code between the graphs" + (f" ({broke['said']})" if broke["said"] else ""))
    retraced = of(run, "retracing")
    if retraced:
        parts.append(f"TensorFlow warned that {retraced['retraced']} of the last {retraced['calls']} "
                     "calls retraced")
    deprecated = of(run, "deprecation")
    if deprecated:
        parts.append(f"the tool is deprecated (\"{deprecated['said']}\")")
    return "; ".join(parts) or None
