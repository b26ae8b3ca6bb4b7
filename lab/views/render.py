"""Everything the lab draws. The only module that imports rich; it reads the typed results
(compare/results.py: CompareDoc, Run)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from compare import systems as registry
from lab.labels import run_label
from lab.views.display import console  # noqa: F401 - render.console, as the tests call it
from lab.views.lesson import lesson  # noqa: F401 - render.lesson, as the demo and the exports call it
from lab.verdicts import counted, fmt_s

if TYPE_CHECKING:  # annotations only: `lab list` needs no results
    from compare.results import CompareDoc, Frame, Run

STATUS_STYLE = {"ok": "green", "error": "red", "wrong": "magenta", "unavailable": "yellow",
                "crashed": "red", "timeout": "yellow", "interrupted": "yellow"}
SIDE_BY_SIDE_MIN_WIDTH = 160
TRACE_FRAMES_SHOWN = 6


CONTINUED = "↪"  # marks a code line wrapped onto the next screen row: nothing is cut


def code(con: Console, files: dict) -> None:
    """The implementations side by side in equal columns from 160 columns (stacked below), every
    line wrapped rather than cut, changed lines marked."""
    shown, seen = [], set()
    for fw, info in files.items():
        if info["file"] not in seen:  # two systems of one file (tf.function and tf eager): show it once
            seen.add(info["file"])
            shown.append((fw, info))
    side = con.width >= SIDE_BY_SIDE_MIN_WIDTH and len(shown) > 1
    panel_w = con.width // len(shown) if side else con.width
    panels = [_code_panel(fw, info, panel_w) for fw, info in shown]
    if side:
        grid = Table.grid(expand=True)
        for _ in panels:
            grid.add_column(ratio=1)
        grid.add_row(*panels)
        con.print(grid)
    else:
        for panel in panels:
            con.print(panel)


def _code_panel(fw: str, info: dict, width: int) -> Panel:
    changed = set((info.get("diff_vs_eager") or {}).get("changed", []))
    c = info["counts"]
    subtitle = f"{c['lines']} lines · {c['tokens']} tokens"
    if changed:
        subtitle += f" · {len(changed)} lines differ from eager (▌)"
    # A title rich would crop: the system and path if they fit, else the path, else the file name.
    title = next((t for t in (f"{fw}: {info['file']}", info["file"]) if len(t) <= width - 6),
                 info["file"].rsplit("/", 1)[-1])
    return Panel(code_text(info["source"], changed, width - 4), title=escape(title),
                 subtitle=subtitle, border_style="blue", expand=True)


def _wrap_points(plain: str, width: int) -> list[int]:
    """Where to break a line into rows of at most `width` characters: after the last space or
    punctuation in a row's second half when there is one, else at the width."""
    cuts, start = [], 0
    while len(plain) - start > width:
        window = plain[start:start + width]
        soft = max(window.rfind(ch) for ch in " ,.(:")
        cut = start + (soft + 1 if soft >= width // 2 else width)
        cuts.append(cut)
        start = cut
    return cuts


def code_text(source: str, changed: set, width: int) -> Text:
    """Highlighted source with line numbers, wrapped to `width` cells: a wrapped row starts with
    the continuation mark instead of a number, so a long line is never cut silently."""
    # Imported here: pygments behind Syntax costs ~20 ms that `lab list` should not pay.
    from rich.syntax import Syntax
    lines = Syntax(source, "python", theme="ansi_dark", background_color="default") \
        .highlight(source).split("\n", allow_blank=True)
    if lines and not lines[-1].plain:
        lines.pop()
    gutter = len(str(len(lines)))
    body_w = max(8, width - gutter - 2)
    out = Text(no_wrap=True, overflow="ignore")
    for number, line in enumerate(lines, 1):
        line.expand_tabs()
        for index, row in enumerate(line.divide(_wrap_points(line.plain, body_w))):
            head = f"{number:>{gutter}}" if index == 0 else f"{CONTINUED:>{gutter}}"
            out.append(head, "bold yellow" if number in changed else "dim")
            out.append("▌" if number in changed else " ", "yellow")
            out.append(" ")
            out.append_text(row)
            out.append("\n")
    out.rstrip()
    return out


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


def _points_to(run: Run) -> str:
    e = run.error
    if not e:
        return ""
    user = e.innermost_user
    named = e.message_locations or []
    if user:
        where = f"{user.file}:{user.line}"
    elif named:
        where = f"(no user frame; message: {named[-1]['file']}:{named[-1]['line']})"
    else:
        where = "(no user frame)"
    marks = []
    if e.points_to_bug:
        marks.append("the BUG line")
    if e.message_points_to_bug and not e.points_to_bug:
        marks.append("message names the BUG line")
    if e.cause_points_to_bug and not e.points_to_bug:
        marks.append("its cause's traceback reaches the BUG line")
    return where + (f" [{'; '.join(marks)}]" if marks else "")


def results_table(doc: CompareDoc, con: Console) -> Table:
    """The widest layout that fits the terminal without cutting cells: every column, then without
    'points to' (the traceback panels below say where each error points), then without 'mode',
    then short cells for a projector at 80 columns, then short system names, then without IQR."""
    any_error = any(r.error for r in doc.runs)
    layouts = [dict(long=True, mode=True, points=any_error), dict(long=True, mode=True), dict(long=True),
               dict(), dict(short_fw=True), dict(short_fw=True, iqr=False)]
    for layout in layouts:
        table = _results_table(doc, **layout)
        if _natural_width(table) <= con.width:
            return table
    return table


def _results_table(doc: CompareDoc, long: bool = False, mode: bool = False, points: bool = False,
                   short_fw: bool = False, iqr: bool = True) -> Table:
    used = doc.environment.get("device_used") or {}
    where = ", ".join(f"{fw} {dev}" for fw, dev in used.items() if dev) or doc.device
    table = Table(title=f"Runs (--device {doc.device}: {where}; tolerance rtol={doc.tolerances['rtol']:g}, "
                        f"atol={doc.tolerances['atol']:g})", box=box.SIMPLE_HEAVY,
                  padding=(0, 1) if long else (0, 0, 0, 1))
    columns = ["run"] + (["mode"] if mode else []) + ["status"] + (["points to"] if points else []) + \
        ["max abs err" if long else "err", "first call" if long else "first",
         "steady median" if long else "steady"] + (["IQR"] if iqr else []) + ["compiles" if long else "comp."]
    for col in columns:
        table.add_column(col, no_wrap=True, overflow="ellipsis",
                         justify="left" if col in ("run", "mode", "status", "points to") else "right")
    expected_any = False
    for run in doc.runs:
        t = run.timing
        status = run.status
        detail = f"error: {run.error.type}" if status == "error" and long and run.error else status
        # A failure the lesson expects (a naive port) is the finding, not breakage: not red, and marked.
        expected = status != "ok" and (run.expected or {}).get("status") == status
        expected_any = expected_any or expected
        style = "yellow" if expected else STATUS_STYLE.get(status, "white")
        detail += "*" if expected else ""
        # An errored run compared nothing that counts: its error value would read as a result.
        err = run.max_abs_err if status in ("ok", "wrong") else None
        fw = registry.get(run.system).short if short_fw else run.system
        row = [escape(run_label(run, fw))]
        if mode:
            row.append(run.mode_name or run.mode)
        row.append(f"[{style}]{escape(detail)}[/]")
        if points:
            row.append(escape(_points_to(run)))
        row += ["-" if err is None else f"{err:.1e}" if long else f"{err:.0e}",
                fmt_s(t.first_call_s) if t.first_call_s is not None else "-",
                fmt_s(t.steady_median_s) if t.steady_median_s is not None else "-"]
        if iqr:
            iqr_s = t.split.get("steady_iqr_s")  # measured alongside the median, kept with the counters
            row.append(fmt_s(iqr_s) if iqr_s is not None else "-")
        row.append("-" if run.compiles is None else str(run.compiles))
        table.add_row(*row)
    if expected_any:
        table.caption, table.caption_justify = "* expected: the lesson says this version fails this way", "left"
    return table


def first_call_table(doc: CompareDoc) -> Table | None:
    """The first call split into trace / lower / compile / the rest, where the framework says;
    the caption gives each system's own name for a phase where it is not the column's."""
    from compare.results import SPLIT_COLUMNS  # here: `lab list` needs no results
    rows, named = [], {}
    for run in doc.runs:
        split = run.first_call
        if split is None:
            continue
        for p in split.phases:
            if p.name != p.column:
                named.setdefault(run.system, {})[p.column] = p.name + (
                    "" if p.in_first_call else ", before the call")
        rows.append((_run_label(run), fmt_s(split.first_s),
                     *(fmt_s(split.column(c)) if split.column(c) is not None else "-" for c in SPLIT_COLUMNS),
                     fmt_s(split.rest_s)))
    if not rows:
        return None
    caption = "; ".join(f"{system}: " + ", ".join(f"{column} = {name}" for column, name in cols.items())
                        for system, cols in named.items())
    table = Table(title="First call, split by the framework's own counters", box=box.SIMPLE,
                  caption=escape(caption) or None, caption_justify="left")
    for col in ("run", "first call", *SPLIT_COLUMNS, "rest"):  # a long run name folds, never cut
        table.add_column(col, justify="left" if col == "run" else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def per_call_chart(doc: CompareDoc) -> Panel | None:
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


def retrace_table(doc: CompareDoc) -> Table | None:
    """Why each retrace or recompile happened, for the runs that traced more than once."""
    runs = [r for r in doc.runs if len(r.retrace_reasons or []) > 1]
    if not runs:
        return None
    table = Table(title="Why each retrace happened (framework's account, else derived from the inputs)",
                  box=box.SIMPLE)
    for col in ("run", "calls", "why", "first reason after call 1"):
        table.add_column(col, overflow="fold", no_wrap=col in ("run",))
    for run in runs:
        reasons = run.retrace_reasons
        counts: dict = {}
        for r in reasons:
            counts[r["category"]] = counts.get(r["category"], 0) + 1
        later = next((r for r in reasons if r["call"] > 0), None)
        table.add_row(_run_label(run), ", ".join(str(r["call"] + 1) for r in reasons),
                      ", ".join(f"{c} ×{n}" for c, n in counts.items()),
                      escape(f"{later['detail']} ({later['source']})") if later else "-")
    return table


def first_vs_steady_chart(doc: CompareDoc, width: int) -> Panel | None:
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


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2f}×"


def speedup_tables(doc: CompareDoc) -> list[Table]:
    """A sweep's chart (speed): per workload, each compiled run's steady-state speed-up over its
    framework's eager run at each size, with the calls after which its first call is paid back
    on the row below, and the speed-up against size as one character per size on a log scale
    shared by all rows."""
    from lab.charts import speedup_series, spark, sweep_sizes
    series = speedup_series(doc.runs)
    if not series:
        return []
    ratios = [p["speedup"] for s in series for p in s["points"]]
    lo, hi = min(ratios + [1.0]), max(ratios + [1.0])
    tables = []
    for workload in dict.fromkeys(s["workload"] for s in series):
        rows = [s for s in series if s["workload"] == workload]
        sizes = sweep_sizes(rows)
        table = Table(title=f"{workload}: speed-up over the framework's eager system (steady state) and the "
                            "calls that pay back the first call", box=box.SIMPLE,
                      caption=f"trend: speed-up against size, log scale from {_times(lo)} (▁) to {_times(hi)} (█); green: "
                              "faster, red: slower than op by op (as the scenario judges); never: not faster, "
                              "so never paid back", caption_justify="left")
        table.add_column("run", no_wrap=True)
        table.add_column("", no_wrap=True)
        for size in sizes:
            table.add_column(f"{size:,}", justify="right", no_wrap=True)
        table.add_column("trend", no_wrap=True)
        for s in rows:
            by = {p["size"]: p for p in s["points"]}
            ratio, paid = [], []
            for size in sizes:
                p = by.get(size)
                ratio.append(Text(_times(p["speedup"]), {True: "green", False: "red"}.get(p["faster"], ""))
                             if p else Text("-"))
                paid.append(Text("-" if p is None else "never" if p["break_even_calls"] is None
                                 else f"{p['break_even_calls']:,}", "dim"))
            # The workload is the table's: the row names the system, and a variant of its own (XLA).
            own = s["run"].variant.removeprefix(workload).strip("-_")
            table.add_row(Text(f"{s['system']} {own}".strip()), Text("speed-up"), *ratio,
                          Text(spark([p["speedup"] for p in s["points"]], lo, hi), "cyan"))
            table.add_row(Text(""), Text("paid back", "dim"), *paid, Text(""))
        tables.append(table)
    return tables


def errors_panel(doc: CompareDoc, full: bool = False) -> list[Panel]:
    from compare.tracebacks import informative_lines
    panels = []
    for run in doc.runs:
        e = run.error
        if not e:
            continue
        lines = Text()
        _frame_lines(lines, e.frames if full else _informative(e.frames))
        message = e.message if full else "\n".join(informative_lines(e.message))
        lines.append(f"{e.type}: {message}\n", "red")
        for loc in e.message_locations or []:
            lines.append(f"  the message names {loc['file']}:{loc['line']}\n", "bold green")
        below = (f"frames below your innermost line: {e.frames_before_user}" if e.innermost_user
                 else "none of them is yours")
        # Only a framework that filters tracebacks has a "filtering off" count that differs.
        unfiltered = e.unfiltered_len
        lines.append(f"frames: {e.filtered_len} as raised"
                     + (f", {unfiltered} with filtering off" if unfiltered and unfiltered != e.filtered_len else "")
                     + f"; {below}", "dim")
        if full and e.unfiltered_frames:
            lines.append(f"\n\nThe same error with the framework's traceback filtering off "
                         f"({len(e.unfiltered_frames)} frames):\n", "bold")
            _frame_lines(lines, e.unfiltered_frames)
        call = e.call_index
        panels.append(Panel(lines, title=f"{_run_label(run)}: {escape(e.type)}"
                                         + (f" (call {call + 1})" if call is not None else ""),
                            border_style="red"))
    return panels


def _informative(frames: list[Frame]) -> list:
    """Your outermost frame down to where it was raised; when that is long, your innermost frame
    and the last few below it. An int stands for that many frames left out."""
    users = [i for i, f in enumerate(frames) if f.origin == "user"]
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
        style = {"user": "bold green", "framework": "dim", "generated": "yellow"}.get(f.origin, "dim")
        lines.append(f"{f.origin:>9}  {f.file}:{f.line} in {f.function}\n", style)
        if f.code:
            lines.append(f"           {f.code}\n", style)


def printed_table(doc: CompareDoc, width: int) -> Table | None:
    """What each inspection really printed, call by call, the frameworks side by side: the first
    line of each call's output, wrapped in its column, never cut (the JSON keeps every line)."""
    runs = [r for r in doc.runs if "print_counts" in r.extra]  # the inspection scenario's own field
    # Leave out variants that printed nothing anywhere and raised nothing (the plain model).
    quiet = {r.variant for r in runs} - {r.variant for r in runs if any(r.printed) or r.error}
    runs = [r for r in runs if r.variant not in quiet]
    if not runs:
        return None
    frameworks = list(dict.fromkeys(r.system for r in runs))
    by_key = {(r.system, r.variant): r for r in runs}
    variants = list(dict.fromkeys(r.variant for r in runs))
    table = Table(title="What each inspection printed, call by call (+N: more lines, all in --json)",
                  box=box.SIMPLE, show_lines=True, width=width)
    table.add_column("inspection", no_wrap=True)
    for fw in frameworks:  # equal shares of what is left; a long line folds onto the next row
        table.add_column(fw, ratio=1, overflow="fold")
    for variant in variants:
        table.add_row(escape(variant), *(_printed_cell(by_key[fw, variant]) if (fw, variant) in by_key
                                 else Text("-", "dim") for fw in frameworks))
    return table


def _natural_width(renderable) -> int:
    wide = Console(width=10_000)
    return Measurement.get(wide, wide.options, renderable).maximum


def _printed_cell(run: Run) -> Text:
    cell = Text()
    failed_at = run.error.call_index if run.error else None
    for index in range(run.calls):
        if index:
            cell.append("\n")
        cell.append(f"{index + 1}: ", "dim")
        lines = run.printed[index] if index < len(run.printed) else None
        if failed_at is not None and index > failed_at:
            cell.append("(not run)", "dim")
        elif failed_at == index and not lines:
            cell.append(f"raised {run.error.type}", "red")
        elif not lines:
            cell.append("(nothing)", "dim")
        else:
            cell.append(" ".join(lines[0].split()))
            if len(lines) > 1:
                cell.append(f" +{len(lines) - 1}", "dim")
    return cell


def problems(doc: CompareDoc) -> list[Panel]:
    out = []
    for fw, info in doc.frameworks.items():
        if info.status == "ok":
            continue
        body = Text(f"{info.status}: {info.reason or ''}\n")
        if info.install:
            body.append(f"install: {info.install}\n", "bold")
        for line in info.stderr_tail or []:
            body.append(line + "\n", "dim")
        out.append(Panel(body, title=f"{fw} worker", border_style="yellow"))
    return out


def results(con: Console, doc: CompareDoc, full_traceback: bool = False, show_code_table: bool = True,
            with_takeaways: bool = True) -> None:
    if show_code_table:
        con.print(code_size_table(doc.code))
    for panel in problems(doc):
        con.print(panel)
    con.print(results_table(doc, con))
    for extra in (first_call_table(doc), per_call_chart(doc), retrace_table(doc),
                  first_vs_steady_chart(doc, con.width),
                  printed_table(doc, con.width), *speedup_tables(doc)):
        if extra is not None:
            con.print(extra)
    for panel in errors_panel(doc, full_traceback):
        con.print(panel)
    for run in doc.runs:
        report = run.graphs
        if report is None:
            continue
        # Dynamo's explain lists graphs and breaks; an exported program has neither, only its graph.
        title = "torch._dynamo.explain" if report.has_breaks else "the exported graph"
        lines = [escape(report.summary())] + [f"• {escape(r)}" for r in report.break_reasons]
        con.print(Panel("\n".join(lines), title=f"{_run_label(run)}: {title}",
                        border_style="magenta"))
    for drifted in doc.drift or []:  # {system, variant, mismatches, observed}
        con.print(Panel(escape("; ".join(drifted["mismatches"])), border_style="red",
                        title=f"lesson drift: {_run_label(drifted)} no longer does "
                              "what the lesson says (exit 4)"))
    verdict_panel(con, doc)
    reading_errors(con, doc)
    if with_takeaways:
        takeaway_panel(con, doc)


def _run_label(run) -> str:
    """`system variant` as rich markup: a spec's variant label is text, never markup."""
    return escape(run_label(run))


def worker_logs(con: Console, doc: CompareDoc) -> None:
    """`lab compare --verbose`: what each framework's worker printed."""
    for fw, info in doc.frameworks.items():
        con.print(f"[bold]--- {fw} worker output ---[/]")
        con.print(info.log, markup=False, highlight=False)


def reading_errors(con: Console, doc: CompareDoc) -> None:
    """The scenario's own readings that raised: one red line each (exit 1); the runs above stand."""
    for line in doc.reading_errors or []:
        con.print(Text(f"reading error: {line}", style="bold red"))


def verdict_panel(con: Console, doc: CompareDoc) -> None:
    if doc.verdicts:
        # Verdicts quote code (`if left[i] < 0`): escape it, or rich reads [i] as markup.
        con.print(Panel("\n".join(f"• {escape(v)}" for v in doc.verdicts), title="What this run showed",
                        border_style="green"))


def takeaway_panel(con: Console, doc: CompareDoc) -> None:
    if doc.takeaways:
        con.print(Panel("\n".join(f"• {escape(v)}" for v in doc.takeaways),
                        title="What it means for the claim", border_style="green"))


TICKS_PER_SECOND = 4


class ProgressBoard:
    """Live per-framework progress on stderr, so nothing looks hung while frameworks import."""

    def __init__(self, con: Console, frameworks: list[str]):
        self.con, self.start = con, time.monotonic()
        self.state = {fw: ("starting", "") for fw in frameworks}
        from rich.live import Live
        # get_renderable: every refresh redraws the clocks, so a slow import never looks hung.
        self.live = Live(console=con, refresh_per_second=TICKS_PER_SECOND, transient=True,
                         get_renderable=self._render) if con.is_terminal else None

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
            self.live.refresh()

    def __enter__(self):
        if self.live:
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.__exit__(*exc)
