"""Everything the lab draws. The only module that imports rich; it reads plain data only."""
from __future__ import annotations

import time

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from compare import systems as registry
from lab.verdicts import counted, fmt_s

STATUS_STYLE = {"ok": "green", "error": "red", "wrong": "magenta", "unavailable": "yellow",
                "crashed": "red", "timeout": "yellow", "interrupted": "yellow"}
SIDE_BY_SIDE_MIN_WIDTH = 160
TRACE_FRAMES_SHOWN = 6


def console(stderr: bool = False, no_color: bool = False, record: bool = False,
            width: int | None = None, file=None) -> Console:
    # rich honours NO_COLOR by itself; --no-color is the flag form.
    return Console(stderr=stderr, no_color=no_color or None, record=record, width=width,
                   highlight=False, soft_wrap=False, file=file)


def lesson(con: Console, scenario) -> None:
    # A spec's text is never markup: a TITLE with `[/]` must not crash, nor `x[i]` turn italic.
    con.print(Panel(Text(scenario.lesson), title=f"[bold]{escape(scenario.name)}[/]: {escape(scenario.title)}",
                    subtitle=f"claim tested: {escape(scenario.claim)}", border_style="cyan"))


def code(con: Console, files: dict) -> None:
    """The implementations side by side (stacked below 160 columns), changed lines marked."""
    # Imported here: pygments behind Syntax costs ~20 ms that `lab list` should not pay.
    from rich.columns import Columns
    from rich.syntax import Syntax
    panels = []
    seen = set()
    for fw, info in files.items():
        if info["file"] in seen:  # two systems of one file (tf.function and tf eager): show it once
            continue
        seen.add(info["file"])
        changed = set((info.get("diff_vs_eager") or {}).get("changed", []))
        syntax = Syntax(info["source"], "python", line_numbers=True, highlight_lines=changed,
                        word_wrap=False, theme="ansi_dark", background_color="default")
        c = info["counts"]
        subtitle = f"{c['lines']} lines · {c['tokens']} tokens"
        if changed:
            subtitle += f" · {len(changed)} lines differ from eager (highlighted)"
        panels.append(Panel(syntax, title=escape(f"{fw}: {info['file']}"), subtitle=subtitle,
                            border_style="blue", expand=True))
    if con.width >= SIDE_BY_SIDE_MIN_WIDTH and len(panels) > 1:
        con.print(Columns(panels, equal=True, expand=True))
    else:
        for panel in panels:
            con.print(panel)


def code_size_table(files: dict) -> Table:
    table = Table(title="Code size (non-blank code lines, tokens, chars; per variant)", box=box.SIMPLE)
    for col in ("file", "function", "lines", "tokens", "chars", "compiler-only constructs"):
        # Names never cut; the constructs list wraps instead.
        table.add_column(col, justify="right" if col in ("lines", "tokens", "chars") else "left",
                         no_wrap=col != "compiler-only constructs")
    seen = set()
    for fw, info in files.items():
        if info["file"] in seen:
            continue
        seen.add(info["file"])
        where = info["file"].rsplit("/", 2)[-2]  # the implementation folder: tensorflow, jax, torch
        for name, c in info["functions"].items():
            constructs = ", ".join(f"{k}×{v}" for k, v in c["constructs"].items()) or "-"
            table.add_row(where, name, str(c["lines"]), str(c["tokens"]), str(c["chars"]), constructs)
        c = info["counts"]
        table.add_row(where, "[dim](whole file)[/]", str(c["lines"]), str(c["tokens"]), str(c["chars"]),
                      ", ".join(f"{k}×{v}" for k, v in c["constructs"].items()) or "-")
    return table


def _points_to(run: dict) -> str:
    e = run.get("error")
    if not e:
        return ""
    user = e.get("innermost_user")
    named = e.get("message_locations") or []
    if user:
        where = f"{user['file']}:{user['line']}"
    elif named:
        where = f"(no user frame; message: {named[-1]['file']}:{named[-1]['line']})"
    else:
        where = "(no user frame)"
    marks = []
    if e.get("points_to_bug"):
        marks.append("the BUG line")
    if e.get("message_points_to_bug") and not e.get("points_to_bug"):
        marks.append("message names the BUG line")
    if e.get("cause_points_to_bug") and not e.get("points_to_bug"):
        marks.append("its cause's traceback reaches the BUG line")
    return where + (f" [{'; '.join(marks)}]" if marks else "")


def results_table(doc: dict, con: Console) -> Table:
    """The widest layout that fits the terminal without cutting cells: every column, then without
    'points to' (the traceback panels below say where each error points), then without 'mode',
    then short cells for a projector at 80 columns, then short system names, then without IQR."""
    any_error = any(r.get("error") for r in doc["runs"])
    layouts = [dict(long=True, mode=True, points=any_error), dict(long=True, mode=True), dict(long=True),
               dict(), dict(short_fw=True), dict(short_fw=True, iqr=False)]
    for layout in layouts:
        table = _results_table(doc, **layout)
        if _natural_width(table) <= con.width:
            return table
    return table


def _results_table(doc: dict, long: bool = False, mode: bool = False, points: bool = False,
                   short_fw: bool = False, iqr: bool = True) -> Table:
    used = doc.get("environment", {}).get("device_used") or {}
    where = ", ".join(f"{fw} {dev}" for fw, dev in used.items() if dev) or doc["device"]
    table = Table(title=f"Runs (--device {doc['device']}: {where}; tolerance rtol={doc['tolerances']['rtol']:g}, "
                        f"atol={doc['tolerances']['atol']:g})", box=box.SIMPLE_HEAVY,
                  padding=(0, 1) if long else (0, 0, 0, 1))
    columns = ["run"] + (["mode"] if mode else []) + ["status"] + (["points to"] if points else []) + \
        ["max abs err" if long else "err", "first call" if long else "first",
         "steady median" if long else "steady"] + (["IQR"] if iqr else []) + ["compiles" if long else "comp."]
    for col in columns:
        table.add_column(col, no_wrap=True, overflow="ellipsis",
                         justify="left" if col in ("run", "mode", "status", "points to") else "right")
    for run in doc["runs"]:
        t = run.get("timing") or {}
        status = run["status"]
        detail = f"error: {run['error']['type']}" if status == "error" and long else status
        err = run.get("max_abs_err")
        fw = registry.get(run["system"]).short if short_fw else run["system"]
        row = [escape(f"{fw} {run['variant']}")]
        if mode:
            row.append(run.get("mode_name") or run["mode"])
        row.append(f"[{STATUS_STYLE.get(status, 'white')}]{detail}[/]")
        if points:
            row.append(escape(_points_to(run)))
        row += ["-" if err is None else f"{err:.1e}" if long else f"{err:.0e}",
                fmt_s(t.get("first_call_s")) if t.get("first_call_s") is not None else "-",
                fmt_s(t.get("steady_median_s")) if t.get("steady_median_s") is not None else "-"]
        if iqr:
            row.append(fmt_s(t.get("steady_iqr_s")) if t.get("steady_iqr_s") is not None else "-")
        row.append("-" if run.get("compiles") is None else str(run["compiles"]))
        table.add_row(*row)
    return table


# Each system's own names for its first call's phases: TF1 builds a graph (trace) and creates a
# Session (compile); torch.export exports (trace); Dynamo traces bytecode, then a backend compiles
# (its AOT step is inside that, so not a column of its own). jit.script compiles before the call.
SPLIT_COLUMNS = {"trace_s": ("trace_s", "export_s", "bytecode_tracing_s"),
                 "lower_s": ("lower_s",),
                 "compile_s": ("compile_s", "session_s", "backend_compile_s")}


def first_call_table(doc: dict) -> Table | None:
    """The first call split into trace / lower / compile / the rest, where the framework says."""
    rows = []
    for run in doc["runs"]:
        t = run.get("timing") or {}
        parts = {}
        for column, keys in SPLIT_COLUMNS.items():  # the first key a system reports, per column
            found = next((t[k] for k in keys if t.get(k)), None)
            if found:
                parts[column] = found
        if parts and t.get("first_call_s"):
            rest = t["first_call_s"] - sum(parts.values())
            rows.append((_run_label(run), fmt_s(t["first_call_s"]),
                         *(fmt_s(parts.get(k)) if k in parts else "-" for k in ("trace_s", "lower_s", "compile_s")),
                         fmt_s(max(rest, 0.0))))
    if not rows:
        return None
    table = Table(title="First call, split by the framework's own counters", box=box.SIMPLE)
    for col in ("run", "first call", "trace", "lower", "compile", "rest"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for row in rows:
        table.add_row(*row)
    return table


def per_call_chart(doc: dict) -> Panel | None:
    from lab.charts import per_call_series, spark
    series = per_call_series(doc)
    if not series:
        return None
    lo = min(min(s["times"]) for s in series)
    hi = max(max(s["times"]) for s in series)
    body = Text()
    width = max(len(s["label"]) for s in series)
    any_marked = False
    for s in series:
        body.append(f"{s['label']:<{width}} ", "bold")
        marks = s["call_compiles"]
        for index, char in enumerate(spark(s["times"], lo, hi)):
            compiled = index < len(marks) and marks[index] > 0
            body.append(char, "bold yellow" if compiled else "cyan")
        compiles = "" if s["compiles"] is None else f"  {counted(s['system'], s['compiles'])}"
        if marks:  # counted in this row only: a row's yellow columns are its own calls
            hit = sum(1 for n in marks if n > 0)
            any_marked = any_marked or hit > 0
            compiles += f" on {hit} of {len(s['times'])} calls"
        body.append(f"  total {fmt_s(s['total_s'])}{compiles}\n")
        if len(s["reasons"]) > 1:  # why each of this row's retraces happened, under its column
            marks_row = [" "] * len(s["times"])
            for r in s["reasons"]:
                if r["call"] < len(marks_row):
                    marks_row[r["call"]] = REASON_MARK.get(r["category"], "?")
            body.append(f"{'':<{width}} " + "".join(marks_row) + "\n", "yellow")
    body.append(f"one column per call, log scale from {fmt_s(lo)} (▁) to {fmt_s(hi)} (█)"
                + ("; yellow: a call on which that row's own counter went up" if any_marked else ""), "dim")
    if any(len(s["reasons"]) > 1 for s in series):
        body.append("\nwhy, under each retrace: " + ", ".join(f"{m} {c}" for c, m in REASON_MARK.items()), "dim")
    return Panel(body, title="Per-call time against call index", border_style="cyan")


REASON_MARK = {"new-function": "n", "shape": "s", "dtype": "d", "python-value": "p",
               "data-dependent": "D", "other": "o"}


def retrace_table(doc: dict) -> Table | None:
    """Why each retrace or recompile happened, for the runs that traced more than once."""
    runs = [r for r in doc["runs"] if len(r.get("retrace_reasons") or []) > 1]
    if not runs:
        return None
    table = Table(title="Why each retrace happened (framework's account, else derived from the inputs)",
                  box=box.SIMPLE)
    for col in ("run", "calls", "why", "first reason after call 1"):
        table.add_column(col, overflow="fold", no_wrap=col in ("run",))
    for run in runs:
        reasons = run["retrace_reasons"]
        counts: dict = {}
        for r in reasons:
            counts[r["category"]] = counts.get(r["category"], 0) + 1
        later = next((r for r in reasons if r["call"] > 0), None)
        table.add_row(_run_label(run), ", ".join(str(r["call"] + 1) for r in reasons),
                      ", ".join(f"{c} ×{n}" for c, n in counts.items()),
                      escape(f"{later['detail']} ({later['source']})") if later else "-")
    return table


def first_vs_steady_chart(doc: dict, width: int) -> Panel | None:
    from lab.charts import first_vs_steady, log_bar
    rows = first_vs_steady(doc)
    if not rows:
        return None
    lo = min(r["steady_s"] for r in rows) / 2
    hi = max(r["first_s"] for r in rows)
    label_w = max(len(r["label"]) for r in rows)
    bar_w = max(10, min(60, width - label_w - 32))
    body = Text()
    for r in rows:
        body.append(f"{r['label']:<{label_w}} first  ", "bold")
        body.append("█" * log_bar(r["first_s"], lo, hi, bar_w), "yellow")
        body.append(f" {fmt_s(r['first_s'])}\n")
        body.append(f"{'':<{label_w}} steady ", "bold")
        body.append("█" * log_bar(r["steady_s"], lo, hi, bar_w), "green")
        body.append(f" {fmt_s(r['steady_s'])}\n")
    body.append("log scale", "dim")
    return Panel(body, title="First call vs steady state", border_style="yellow")


def errors_panel(doc: dict, full: bool = False) -> list[Panel]:
    panels = []
    for run in doc["runs"]:
        e = run.get("error")
        if not e:
            continue
        lines = Text()
        _frame_lines(lines, e["frames"] if full else _informative(e["frames"]))
        message = e["message"] if full else e["message"].splitlines()[0][:300]
        lines.append(f"{e['type']}: {message}\n", "red")
        for loc in e.get("message_locations") or []:
            lines.append(f"  the message names {loc['file']}:{loc['line']}\n", "bold green")
        below = (f"frames below your innermost line: {e['frames_before_user']}" if e.get("innermost_user")
                 else "none of them is yours")
        # Only a framework that filters tracebacks has a "filtering off" count that differs.
        unfiltered = e.get("unfiltered_len")
        lines.append(f"frames: {e['filtered_len']} as raised"
                     + (f", {unfiltered} with filtering off" if unfiltered and unfiltered != e["filtered_len"] else "")
                     + f"; {below}", "dim")
        if full and e.get("unfiltered_frames"):
            lines.append(f"\n\nThe same error with the framework's traceback filtering off "
                         f"({len(e['unfiltered_frames'])} frames):\n", "bold")
            _frame_lines(lines, e["unfiltered_frames"])
        call = e.get("call_index")
        panels.append(Panel(lines, title=f"{_run_label(run)}: {escape(e['type'])}"
                                         + (f" (call {call + 1})" if call is not None else ""),
                            border_style="red"))
    return panels


def _informative(frames: list[dict]) -> list:
    """Your outermost frame down to where it was raised; when that is long, your innermost frame
    and the last few below it. An int stands for that many frames left out."""
    users = [i for i, f in enumerate(frames) if f["origin"] == "user"]
    start = users[0] if users else max(0, len(frames) - TRACE_FRAMES_SHOWN)
    if len(frames) - start > TRACE_FRAMES_SHOWN and users:
        start = users[-1]
    shown: list = ([start] if start else []) + frames[start:]
    if len(frames) - start > TRACE_FRAMES_SHOWN:
        tail = TRACE_FRAMES_SHOWN - 1
        hidden = len(frames) - start - 1 - tail
        shown = shown[:2 if start else 1] + [hidden] + frames[-tail:]
    return shown


def _frame_lines(lines: Text, frames: list) -> None:
    for f in frames:
        if isinstance(f, int):
            lines.append(f"… {f} frame{'s' if f != 1 else ''} hidden (--full-traceback)\n", "dim")
            continue
        style = {"user": "bold green", "framework": "dim", "generated": "yellow"}.get(f.get("origin"), "dim")
        lines.append(f"{f.get('origin', ''):>9}  {f['file']}:{f['line']} in {f['function']}\n", style)
        if f.get("code"):
            lines.append(f"           {f['code']}\n", style)


def printed_table(doc: dict, width: int) -> Table | None:
    """What each inspection really printed, call by call, the frameworks side by side (first line
    of each call's output, cropped to the column; the JSON keeps every line)."""
    runs = [r for r in doc["runs"] if "print_counts" in r]
    # Leave out variants that printed nothing anywhere and raised nothing (the plain model).
    quiet = {r["variant"] for r in runs} - {r["variant"] for r in runs if any(r["printed"]) or r.get("error")}
    runs = [r for r in runs if r["variant"] not in quiet]
    if not runs:
        return None
    frameworks = list(dict.fromkeys(r["system"] for r in runs))
    by_key = {(r["system"], r["variant"]): r for r in runs}
    variants = list(dict.fromkeys(r["variant"] for r in runs))

    def build(cell_w: int) -> Table:
        table = Table(title="What each inspection printed, call by call (+N: more lines, all in --json)",
                      box=box.SIMPLE, show_lines=True)
        table.add_column("inspection", no_wrap=True)
        for fw in frameworks:
            table.add_column(fw, no_wrap=True)
        for variant in variants:
            table.add_row(escape(variant), *(_printed_cell(by_key[fw, variant], cell_w) if (fw, variant) in by_key
                                     else Text("-", "dim") for fw in frameworks))
        return table

    # The widest cells that fit, measured rather than guessed (width grows with cell_w: bisect).
    lo, hi, best = 15, 80, build(14)
    while lo <= hi:
        mid = (lo + hi) // 2
        table = build(mid)
        if _natural_width(table) <= width:
            best, lo = table, mid + 1
        else:
            hi = mid - 1
    return best


def _natural_width(renderable) -> int:
    wide = Console(width=10_000)
    return Measurement.get(wide, wide.options, renderable).maximum


def _printed_cell(run: dict, width: int) -> Text:
    cell = Text()
    failed_at = (run.get("error") or {}).get("call_index")
    for index in range(run["calls"]):
        if index:
            cell.append("\n")
        cell.append(f"{index + 1}: ", "dim")
        lines = run["printed"][index] if index < len(run["printed"]) else None
        if failed_at is not None and index > failed_at:
            cell.append("(not run)", "dim")
        elif failed_at == index and not lines:
            cell.append(_crop(f"raised {run['error']['type']}", width - 3), "red")
        elif not lines:
            cell.append("(nothing)", "dim")
        else:
            more = f" +{len(lines) - 1}" if len(lines) > 1 else ""
            cell.append(_crop(" ".join(lines[0].split()), width - 3 - len(more)))
            cell.append(more, "dim")
    return cell


def _crop(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(1, width - 1)] + "⋯"


def problems(doc: dict) -> list[Panel]:
    out = []
    for fw, info in doc["frameworks"].items():
        if info.get("status") == "ok":
            continue
        body = Text(f"{info['status']}: {info.get('reason') or ''}\n")
        if info.get("install"):
            body.append(f"install: {info['install']}\n", "bold")
        for line in info.get("stderr_tail") or []:
            body.append(line + "\n", "dim")
        out.append(Panel(body, title=f"{fw} worker", border_style="yellow"))
    return out


def results(con: Console, doc: dict, full_traceback: bool = False, show_code_table: bool = True,
            with_takeaways: bool = True) -> None:
    if show_code_table:
        con.print(code_size_table(doc["code"]))
    for panel in problems(doc):
        con.print(panel)
    con.print(results_table(doc, con))
    for extra in (first_call_table(doc), per_call_chart(doc), retrace_table(doc),
                  first_vs_steady_chart(doc, con.width),
                  printed_table(doc, con.width)):
        if extra is not None:
            con.print(extra)
    for panel in errors_panel(doc, full_traceback):
        con.print(panel)
    for run in doc["runs"]:
        report = run.get("graph_report")
        if report and "graph_breaks" in report:  # torch.compile: Dynamo's explain
            con.print(Panel("\n".join([f"graphs: {report['graphs']}, graph breaks: {report['graph_breaks']}"]
                                      + [f"• {escape(r)}" for r in report["break_reasons"]]),
                            title=f"{_run_label(run)}: torch._dynamo.explain",
                            border_style="magenta"))
        elif report:  # torch.export: what the exported graph holds
            ops = ", ".join(report.get("control_flow_ops") or []) or "none"
            con.print(Panel(f"nodes: {report.get('nodes')}, control-flow operators: {escape(ops)}",
                            title=f"{_run_label(run)}: the exported graph",
                            border_style="magenta"))
    for drifted in doc.get("drift") or []:
        con.print(Panel(escape("; ".join(drifted["mismatches"])), border_style="red",
                        title=f"lesson drift: {_run_label(drifted)} no longer does "
                              "what the lesson says (exit 4)"))
    verdict_panel(con, doc)
    reading_errors(con, doc)
    if with_takeaways:
        takeaway_panel(con, doc)


def _run_label(run: dict) -> str:
    """`system variant` as rich markup: a spec's variant label is text, never markup."""
    return escape(f"{run['system']} {run['variant']}")


def reading_errors(con: Console, doc: dict) -> None:
    """The scenario's own readings that raised: one red line each (exit 1); the runs above stand."""
    for line in doc.get("reading_errors") or []:
        con.print(Text(f"reading error: {line}", style="bold red"))


def verdict_panel(con: Console, doc: dict) -> None:
    if doc.get("verdicts"):
        # Verdicts quote code (`if left[i] < 0`): escape it, or rich reads [i] as markup.
        con.print(Panel("\n".join(f"• {escape(v)}" for v in doc["verdicts"]), title="What this run showed",
                        border_style="green"))


def takeaway_panel(con: Console, doc: dict) -> None:
    if doc.get("takeaways"):
        con.print(Panel("\n".join(f"• {escape(v)}" for v in doc["takeaways"]),
                        title="What it means for the claim", border_style="green"))


class ProgressBoard:
    """Live per-framework progress on stderr, so nothing looks hung while frameworks import."""

    def __init__(self, con: Console, frameworks: list[str]):
        self.con, self.start = con, time.monotonic()
        self.state = {fw: ("starting", "") for fw in frameworks}
        from rich.live import Live
        self.live = Live(self._render(), console=con, refresh_per_second=8, transient=True) \
            if con.is_terminal else None

    def _render(self) -> Table:
        table = Table(box=None, show_header=False)
        for fw, (stage, detail) in self.state.items():
            style = STATUS_STYLE.get(stage, "cyan")
            table.add_row(f"[bold]{fw}[/]", f"[{style}]{stage}[/]", detail,
                          f"{time.monotonic() - self.start:5.1f} s")
        return table

    def update(self, framework: str, stage: str, detail: str) -> None:
        self.state[framework] = (stage, detail)
        if self.live:
            self.live.update(self._render())

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.__exit__(*exc)
