"""`lab demo`: a paced walk-through (`lab report` is lab/report.py).

The workers start in the background while the lesson and the code are on screen, so the run is
often finished by the time the lecturer reaches it.
"""
from __future__ import annotations

import sys
import threading
import time

from compare import systems
from compare.discovery import get
from lab import errors, session
from lab.views import render
from lab.views.display import Display


class _Background:
    """session.run_many on a thread (one worker per framework for every scenario), cancellable;
    each scenario's document is kept as it arrives, and progress goes to the board on screen."""

    def __init__(self, names: list[str], **kwargs):
        self.cancel = threading.Event()
        self.docs: dict[str, dict] = {}
        self.board: render.ProgressBoard | None = None
        self.error: BaseException | None = None
        # Set when run_many returns: Thread.is_alive() can read False early when Ctrl-C lands
        # inside Thread.join (Python 3.11), so the main thread waits on this instead.
        self.done = threading.Event()
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
        finally:
            self.done.set()

    def wait(self, name: str) -> dict:
        while name not in self.docs and not self.done.is_set():
            self.done.wait(0.1)
        if self.error:
            raise self.error
        # run_many assembles every scenario before it returns (placeholders when interrupted).
        return self.docs[name]


def run_demo(names: list[str], *, auto: float | None, no_color: bool, plot: str | None = None,
             full_traceback: bool = False, **compare_kwargs) -> int:
    display = Display(no_color=no_color)
    out = display.out
    interactive = auto is None and sys.stdin.isatty()

    def pause(next_step: str) -> None:
        if auto is not None:
            time.sleep(auto)
        elif interactive:
            out.print(f"[dim]Enter: {next_step}[/]", end="")
            try:
                input()
            except EOFError:  # Ctrl-D at the prompt ends the demo as Ctrl-C does
                raise KeyboardInterrupt from None

    job = _Background(names, **compare_kwargs)
    try:
        return _walk(names, job, display, pause, plot, full_traceback, compare_kwargs)
    finally:
        # However the walk ended (done, Ctrl-C at any prompt, an error), the background run
        # stops and removes its workers and scratch folder before the demo returns.
        job.cancel.set()
        job.done.wait(10)


def _walk(names, job, display, pause, plot, full_traceback, compare_kwargs) -> int:
    out, codes = display.out, []
    fws = systems.frameworks_of(compare_kwargs["systems_"])
    for number, name in enumerate(names, 1):
        spec = get(name)
        board = display.progress(fws)
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
            display.note("Interrupted: partial results above.")
            return errors.INTERRUPTED
        out.print("[bold cyan]4. The results[/]")
        render.results(out, doc, full_traceback=full_traceback, with_takeaways=False)
        pause("the takeaway")
        out.print("[bold cyan]5. Takeaway[/]")
        render.takeaway_panel(out, doc)
        if plot is not None:
            from lab.plot import save_png, scenario_paths
            save_png(doc, scenario_paths(plot, names)[name])
        codes.append(doc["exit_code"])
        if number < len(names):
            pause("the next scenario")
    if len(names) > 1:  # a full demo closes on the scoreboard, graded from the runs just shown
        from lab.claims import grade
        from lab.views.claims import scoreboard
        pause("the scoreboard")
        out.rule("[bold]The scoreboard: does each claim hold?[/]")
        board = grade([job.docs[name] for name in names])
        scoreboard(out, board, evidence=False)
        codes.append(board["exit_code"])
    return errors.worst(codes)

