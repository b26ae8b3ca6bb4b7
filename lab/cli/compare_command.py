"""`lab compare`'s body, free of typer: the typer command (lab/cli/commands.py) and main()'s
fast path (lab/cli/plain_args.py) both run it, so that the lesson reaches the screen without
typer's option machinery (~0.15 s of imports and pydantic adapters) in front of it."""
from __future__ import annotations

from lab import options, selection
from lab.errors import LabError
from lab.views.display import Display

# The options' defaults, declared once for both parsers.
DEFAULTS = {"frameworks": selection.ALL_FRAMEWORKS, "modes": "default", "systems": None, "repeats": 5,
            "device": "cpu", "timeout": 300.0, "threads": 1, "as_json": False, "export": None,
            "plot": None, "no_color": False, "full_traceback": False, "verbose": False}


def run(scenario: str, **given) -> int:
    """Check everything (exit 2 before any worker starts), show the lesson, run, show; the
    exit code is the worst outcome (lab/errors.py)."""
    o = dict(DEFAULTS, **given)
    export, plot, as_json = o["export"], o["plot"], o["as_json"]
    from compare.systems import frameworks_of
    from lab.usecases import compare as use
    spec = options.spec(scenario, "compare")
    chosen = selection.parse(systems=o["systems"], frameworks=o["frameworks"], modes=o["modes"],
                             device=o["device"], repeats=o["repeats"], threads=o["threads"],
                             timeout=o["timeout"])
    if export:  # the formats' table costs `lab compare` ~20 ms of imports before its first line
        from lab.views import export as formats
        for path in export:
            options.writable(path, "--export", formats.suffixes("compare"))
        if as_json and any(formats.lookup(p).screen for p in export):
            raise LabError("--json shows no page: .terminal.html and .svg save what the terminal showed; "
                           "use .html, .md, .json or .png with --json.")
    if plot is not None:
        options.writable(plot, "--plot", (".png",))
    display = Display(no_color=o["no_color"], record=bool(export))
    if not as_json:  # the lesson first: it is on screen while the rest loads and the workers start
        from lab.views.lesson import lesson
        lesson(display.out, spec)
    from lab.views import render
    if not as_json:
        render.code(display.out, use.code(spec, chosen.systems))
    with display.progress(frameworks_of(chosen.systems)) as board:
        doc = use.run(spec, chosen, on_progress=board.update)
    # The workers' logs go into the JSON only where they are shown or saved with the terminal's view.
    logs = o["verbose"] or not as_json
    if as_json:
        display.json(doc.to_dict(with_logs=logs))
    else:
        render.results(display.out, doc, full_traceback=o["full_traceback"])
        if o["verbose"]:
            render.worker_logs(display.err, doc)
        if doc.interrupted:
            display.note("Interrupted: partial results above.")
    from lab.atomic import partial_name
    # An interrupted run writes under names of its own: an earlier good file stays as it was.
    named = partial_name if doc.interrupted else (lambda path: path)
    for path in export or []:
        from lab.views.export import save
        save(display.out, doc, named(path), logs=logs, specs=[spec])
    if plot is not None:
        from lab.plot import save_png
        save_png(doc, named(plot))
    return doc.exit_code
