"""`lab demo`: a paced walk-through, and `lab report`: every scenario in one HTML page.

The workers start in the background while the lesson and the code are on screen, so the run is
often finished by the time the lecturer reaches it.
"""
from __future__ import annotations

import sys
import threading
import time

from lab import discovery, errors, render, session


def worst(codes: list[int]) -> int:
    for code in (errors.INTERRUPTED, errors.FAILED, errors.INCOMPLETE):
        if code in codes:
            return code
    return errors.OK


class _Background:
    """session.compare on a thread, cancellable, with progress kept for the live board."""

    def __init__(self, name: str, board: render.ProgressBoard, **kwargs):
        self.cancel = threading.Event()
        self.doc: dict | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(name, board, kwargs), daemon=True)
        self.thread.start()

    def _run(self, name, board, kwargs):
        try:
            self.doc = session.compare(name, on_progress=board.update, cancel=self.cancel, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            self.error = exc

    def wait(self) -> dict:
        while self.thread.is_alive():
            self.thread.join(0.1)
        if self.error:
            raise self.error
        return self.doc


def run_demo(names: list[str], *, auto: float | None, no_color: bool, plot: str | None = None,
             full_traceback: bool = False, **compare_kwargs) -> int:
    out = render.console(no_color=no_color)
    err = render.console(stderr=True, no_color=no_color)
    interactive = auto is None and sys.stdin.isatty()

    def pause(next_step: str) -> None:
        if auto is not None:
            time.sleep(auto)
        elif interactive:
            out.print(f"[dim]Enter: {next_step}[/]", end="")
            input()

    codes = []
    for number, name in enumerate(names, 1):
        spec = discovery.get(name)
        board = render.ProgressBoard(err, compare_kwargs["frameworks"])
        job = _Background(name, board, **compare_kwargs)
        try:
            out.rule(f"[bold]{number}/{len(names)}  {name}[/]")
            out.print("[bold cyan]1. The lesson[/]")
            render.lesson(out, spec)
            pause("the code")
            out.print("[bold cyan]2. The code, side by side[/] (lines that differ from eager highlighted)")
            render.code(out, session.code_view(spec, compare_kwargs["frameworks"]))
            pause("the live run")
            out.print("[bold cyan]3. The live run[/]")
            with board:
                doc = job.wait()
            pause("the results")
        except KeyboardInterrupt:
            job.cancel.set()
            doc = job.wait()
            render.results(out, doc, full_traceback=full_traceback)
            err.print("[yellow]Interrupted: partial results above.[/]")
            return errors.INTERRUPTED
        out.print("[bold cyan]4. The results[/]")
        render.results(out, dict(doc, verdicts=[]), full_traceback=full_traceback)
        pause("the takeaway")
        out.print("[bold cyan]5. Takeaway[/]")
        render.verdict_panel(out, dict(doc, verdicts=doc.get("takeaways") or doc["verdicts"]))
        if plot:
            from lab.plot import save_png
            target = plot if len(names) == 1 else plot.replace(".png", f"-{name}.png")
            save_png(doc, target)
        codes.append(doc["exit_code"])
        if number < len(names):
            pause("the next scenario")
    return worst(codes)


def run_report(names: list[str], out_dir: str, *, no_color: bool, **compare_kwargs) -> tuple[int, list[str]]:
    """Run every scenario; write report.html (what the terminal shows, all scenarios) and report.json."""
    import io
    import json
    import os
    # Recorded off-screen at projector width; the terminal gets the progress board only.
    con = render.console(no_color=no_color, record=True, width=160, file=io.StringIO())
    err = render.console(stderr=True, no_color=no_color)
    docs = []
    for name in names:
        spec = discovery.get(name)
        con.rule(f"[bold]{name}[/]")
        render.lesson(con, spec)
        render.code(con, session.code_view(spec, compare_kwargs["frameworks"]))
        with render.ProgressBoard(err, compare_kwargs["frameworks"]) as board:
            doc = session.compare(name, on_progress=board.update, **compare_kwargs)
        render.results(con, doc, full_traceback=True)
        docs.append(doc)
        if doc["interrupted"]:
            break
    if docs:
        con.rule("[bold]Environment[/]")
        con.print_json(data=docs[0]["environment"])
    os.makedirs(out_dir, exist_ok=True)
    html_path = os.path.join(out_dir, "report.html")
    json_path = os.path.join(out_dir, "report.json")
    con.save_html(html_path)
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump({"scenarios": docs}, fh, indent=2, default=str)
    return worst([d["exit_code"] for d in docs]), [html_path, json_path]
