"""`lab demo`: a paced walk-through, and `lab report`: every scenario in one HTML page.

The workers start in the background while the lesson and the code are on screen, so the run is
often finished by the time the lecturer reaches it.
"""
from __future__ import annotations

import sys
import threading
import time

from compare import systems
from compare.discovery import get
from lab import errors, render, session


def worst(codes: list[int]) -> int:
    for code in (errors.INTERRUPTED, errors.FAILED, errors.DRIFT, errors.INCOMPLETE):
        if code in codes:
            return code
    return errors.OK


class _Background:
    """session.run_many on a thread (one worker per framework for every scenario), cancellable;
    each scenario's document is kept as it arrives, and progress goes to the board on screen."""

    def __init__(self, names: list[str], **kwargs):
        self.cancel = threading.Event()
        self.docs: dict[str, dict] = {}
        self.board: render.ProgressBoard | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(names, kwargs), daemon=True)
        self.thread.start()

    def _progress(self, *args) -> None:
        if self.board is not None:
            self.board.update(*args)

    def _run(self, names, kwargs):
        try:
            session.run_many(names, on_progress=self._progress, cancel=self.cancel,
                             on_doc=lambda doc: self.docs.setdefault(doc["scenario"], doc), **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            self.error = exc

    def wait(self, name: str) -> dict:
        while name not in self.docs and self.thread.is_alive():
            self.thread.join(0.1)
        if self.error:
            raise self.error
        return self.docs[name]


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
    fws = systems.frameworks_of(compare_kwargs["systems_"])
    job = _Background(names, **compare_kwargs)
    for number, name in enumerate(names, 1):
        spec = get(name)
        board = render.ProgressBoard(err, fws)
        job.board = board
        try:
            out.rule(f"[bold]{number}/{len(names)}  {name}[/]")
            out.print("[bold cyan]1. The lesson[/]")
            render.lesson(out, spec)
            pause("the code")
            out.print("[bold cyan]2. The code, side by side[/] (lines that differ from eager highlighted)")
            render.code(out, session.code_view(spec, compare_kwargs["systems_"]))
            pause("the live run")
            out.print("[bold cyan]3. The live run[/]")
            with board:
                doc = job.wait(name)
            pause("the results")
        except KeyboardInterrupt:
            job.cancel.set()
            doc = job.wait(name)
            render.results(out, doc, full_traceback=full_traceback)
            err.print("[yellow]Interrupted: partial results above.[/]")
            return errors.INTERRUPTED
        out.print("[bold cyan]4. The results[/]")
        render.results(out, doc, full_traceback=full_traceback, with_takeaways=False)
        pause("the takeaway")
        out.print("[bold cyan]5. Takeaway[/]")
        render.takeaway_panel(out, doc)
        if plot:
            from lab.plot import save_png
            target = plot if len(names) == 1 else plot.replace(".png", f"-{name}.png")
            save_png(doc, target)
        codes.append(doc["exit_code"])
        if number < len(names):
            pause("the next scenario")
    return worst(codes)


def run_report(names: list[str], out_dir: str, *, no_color: bool, **compare_kwargs) -> tuple[int, list[str]]:
    """Run every scenario (one worker per framework for all of them); write report.html (the
    terminal's view, all scenarios) and report.json."""
    import io
    import json
    import os
    # Recorded off-screen at projector width; the terminal gets the progress board only.
    con = render.console(no_color=no_color, record=True, width=160, file=io.StringIO())
    err = render.console(stderr=True, no_color=no_color)
    with render.ProgressBoard(err, systems.frameworks_of(compare_kwargs["systems_"])) as board:
        docs = session.run_many(names, on_progress=board.update, **compare_kwargs)
    for doc in docs:
        spec = get(doc["scenario"])
        con.rule(f"[bold]{doc['scenario']}[/]")
        render.lesson(con, spec)
        render.code(con, doc["code"])
        render.results(con, doc, full_traceback=True)
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
