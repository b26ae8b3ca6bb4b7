"""`lab demo`: a paced walk-through: lesson, code, live run, results, takeaway, one scenario
after another, while lab/usecases/demo.py runs them all in the background. This module paces
(Enter, or `--auto` seconds) and handles Ctrl-C; what is drawn is lab/views."""
from __future__ import annotations

import sys
import time

from compare import systems
from compare.discovery import get
from lab import errors, session
from lab.usecases.demo import Background
from lab.views import demo as screens, render
from lab.views.display import Display


def run_demo(names: list[str], *, auto: float | None, no_color: bool, plot: str | None = None,
             full_traceback: bool = False, **compare_kwargs) -> int:
    display = Display(no_color=no_color)
    interactive = auto is None and sys.stdin.isatty()

    def pause(next_step: str) -> None:
        if auto is not None:
            time.sleep(auto)
        elif interactive:
            screens.prompt(display.out, next_step)
            try:
                input()
            except EOFError:  # Ctrl-D at the prompt ends the demo as Ctrl-C does
                raise KeyboardInterrupt from None

    job = Background(names, **compare_kwargs)
    try:
        return _walk(names, job, display, pause, plot, full_traceback, compare_kwargs)
    finally:
        # However the walk ended (done, Ctrl-C at any prompt, an error), the background run
        # stops and removes its workers and scratch folder before the demo returns.
        job.stop()


def _walk(names, job, display, pause, plot, full_traceback, compare_kwargs) -> int:
    out, codes = display.out, []
    fws = systems.frameworks_of(compare_kwargs["systems_"])
    for number, name in enumerate(names, 1):
        spec = get(name)
        board = display.progress(fws)
        job.on_progress = board.update
        try:
            screens.scenario_heading(out, number, len(names), name)
            screens.step(out, 1)
            render.lesson(out, spec)
            pause("the code")
            screens.step(out, 2)
            render.code(out, session.code_view(spec, compare_kwargs["systems_"]))
            pause("the live run")
            screens.step(out, 3)
            with board:
                doc = job.wait(name)
            pause("the results")
        except KeyboardInterrupt:
            job.cancel.set()
            doc = job.wait(name)
            render.results(out, doc, full_traceback=full_traceback)
            display.note("Interrupted: partial results above.")
            return errors.INTERRUPTED
        screens.step(out, 4)
        render.results(out, doc, full_traceback=full_traceback, with_takeaways=False)
        pause("the takeaway")
        screens.step(out, 5)
        render.takeaway_panel(out, doc)
        if plot is not None:
            from lab.plot import save_png, scenario_paths
            save_png(doc, scenario_paths(plot, names)[name])
        codes.append(doc.exit_code)
        if number < len(names):
            pause("the next scenario")
    if len(names) > 1:
        from lab.usecases.claims import grade
        pause("the scoreboard")
        scored = grade([job.docs[name] for name in names])
        screens.closing_scoreboard(out, scored.board)
        codes.append(scored.exit_code)
    return errors.worst(codes)
