"""Save what was shown: HTML and SVG from the recording console, Markdown and JSON from the data."""
from __future__ import annotations

import json

from lab.verdicts import fmt_s


def markdown(doc: dict) -> str:
    out = [f"# {doc['scenario']}: {doc['title']}", "", f"**Claim tested:** {doc['claim']}", "",
           doc["lesson"], ""]
    for fw, info in doc["code"].items():
        c = info["counts"]
        out += [f"## {fw}: `{info['file']}` ({c['lines']} lines, {c['tokens']} tokens)", "",
                "```python", info["source"].rstrip(), "```", ""]
    out += [f"## Runs on {doc['device']} (rtol={doc['tolerances']['rtol']:g}, "
            f"atol={doc['tolerances']['atol']:g})", "",
            "| run | mode | status | points to | max abs err | first call | steady (median ± IQR) | compiles |",
            "|---|---|---|---|---|---|---|---|"]
    for run in doc["runs"]:
        t = run.get("timing") or {}
        e = run.get("error")
        where = ""
        if e and e.get("innermost_user"):
            where = f"{e['innermost_user']['file']}:{e['innermost_user']['line']}"
        status = f"error: {e['type']}" if e else run["status"]
        steady = (f"{fmt_s(t['steady_median_s'])} ± {fmt_s(t.get('steady_iqr_s'))}"
                  if t.get("steady_median_s") is not None else "-")
        err = run.get("max_abs_err")
        out.append(f"| {run['system']} {run['variant']} | {run['mode_name']} | "
                   f"{status} | {where} | {'-' if err is None else f'{err:.1e}'} | "
                   f"{fmt_s(t.get('first_call_s')) if t.get('first_call_s') else '-'} | {steady} | "
                   f"{'-' if run.get('compiles') is None else run['compiles']} |")
    out += ["", "## What this run showed", ""] + [f"- {v}" for v in doc.get("verdicts", [])]
    env = doc.get("environment", {})
    out += ["", "## Environment", "",
            f"- versions: {', '.join(f'{k} {v}' for k, v in doc['versions'].items())}",
            f"- Python {env.get('python')}, CPU: {env.get('cpu')} ({env.get('cpu_count')} cores)",
            f"- threads: {env.get('threads_requested')} per framework; device used: {env.get('device_used')}",
            f"- timing policy: {json.dumps(env.get('timing_policy'))}", ""]
    return "\n".join(out)


def save(con, doc: dict, path: str) -> None:
    """`con` must be a recording console (render.console(record=True))."""
    lower = path.lower()
    if lower.endswith(".html"):
        con.save_html(path, clear=False)
    elif lower.endswith(".svg"):
        con.save_svg(path, title=f"lab compare {doc['scenario']}", clear=False)
    elif lower.endswith(".md"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(markdown(doc))
    else:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, default=str)
