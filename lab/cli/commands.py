"""The `lab` commands: each parses its options into a lab.selection.Selection (or its own few
arguments), calls its use case (lab/usecases) and hands the result to lab/views through one
Display. Nothing here draws or decides an outcome.

Heavy imports (numpy, the renderer, the runner) happen inside the commands, so `lab --help`
stays instant; tensorflow, jax and torch are never imported in this process at all.
"""
from __future__ import annotations

import functools
from typing import Annotated, List, Optional

import typer

from compare.systems import FRAMEWORK_NAMES
from lab import options, selection
from lab.cli import compare_command
from lab.cli.compare_command import DEFAULTS as C
from lab.errors import LabError
from lab.views.display import Display, error

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="The static-vs-dynamic graph lab: each claim about static graphs, measured.")

FRAMEWORKS_HELP = "Comma-separated frameworks (always run in the registry's order); see `lab systems`."
MODES_HELP = ("default (the design card's trio) | static | dynamic | all (both modes of every "
              "framework; torch.compile costs ~20 s on CPU). Mapped onto systems.")
SYSTEMS_HELP = ("Comma-separated system ids, or all (overrides --frameworks/--modes); "
                "`lab systems` lists them.")
ALL = ",".join(FRAMEWORK_NAMES)

# Options shared by the commands that run workers (typer's Annotated form, defined once).
Frameworks = Annotated[str, typer.Option(help=FRAMEWORKS_HELP)]
Modes = Annotated[str, typer.Option(help=MODES_HELP)]
Systems = Annotated[Optional[str], typer.Option(help=SYSTEMS_HELP)]
Repeats = Annotated[int, typer.Option(help="Steady-state samples (auto-ranged blocks) per variant.")]
Device = Annotated[str, typer.Option(help="cpu | cuda | auto")]
Timeout = Annotated[float, typer.Option(help="Seconds before a worker is stopped and reported.")]
Threads = Annotated[int, typer.Option(help="Intra- and inter-op threads, the same for every framework.")]
NoColor = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
FullTraceback = Annotated[bool, typer.Option(
    "--full-traceback", help="Whole tracebacks, and each again with the framework's filtering off.")]


def guard(command):
    """Turn the lab's own errors into one line on stderr and an exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LabError as exc:
            error(str(exc))
            raise typer.Exit(exc.code)
    return wrapper


def done(code: int):
    """Every command ends here: its exit code is the worst outcome it met (lab/errors.py)."""
    raise typer.Exit(code)


@app.command("list")
@guard
def list_cmd(as_json: Json = False):
    """Name, title and lesson of each scenario."""
    from lab.cli import list_scenarios
    done(list_scenarios(as_json))


@app.command()
@guard
def compare(
    scenario: str = typer.Argument(..., help="Scenario name (see `lab list`)."),
    frameworks: Frameworks = C["frameworks"],
    modes: Modes = C["modes"],
    systems: Systems = C["systems"],
    repeats: Repeats = C["repeats"],
    device: Device = C["device"],
    timeout: Timeout = C["timeout"],
    threads: Threads = C["threads"],
    as_json: bool = typer.Option(C["as_json"], "--json", help="Print one JSON document to stdout, nothing else."),
    export: Optional[List[str]] = typer.Option(C["export"], help="Save the run: .html (the web page), .terminal.html or .svg (what the terminal showed), .md, .json or .png (repeatable)."),
    plot: Optional[str] = typer.Option(C["plot"], help="Write the charts to a PNG (needs matplotlib)."),
    no_color: NoColor = C["no_color"],
    full_traceback: FullTraceback = C["full_traceback"],
    verbose: bool = typer.Option(C["verbose"], "--verbose", help="Also show what the frameworks printed."),
):
    """Run one scenario in every system, side by side."""
    # The body is typer-free: main() runs it without typer too (lab/cli/plain_args.py).
    done(compare_command.run(scenario, frameworks=frameworks, modes=modes, systems=systems, repeats=repeats,
                             device=device, timeout=timeout, threads=threads, as_json=as_json, export=export,
                             plot=plot, no_color=no_color, full_traceback=full_traceback, verbose=verbose))


@app.command()
@guard
def diff(
    scenario: str = typer.Argument(..., help="Scenario name (see `lab list`)."),
    systems: Systems = None,
    frameworks: Optional[str] = typer.Option(None, help="Frameworks whose default systems to show."),
    as_json: Json = False,
    no_color: NoColor = False,
):
    """The eager code and each static version, function by function, side by side: what changed."""
    from lab.usecases import diff as use
    name = options.scenario(scenario, "diff")
    found = use.run(name, selection.diff_ids(systems, frameworks))
    display = Display(no_color=no_color)
    if as_json:
        return display.json(found.view.to_dict())
    from lab.views.diff import diff_view
    diff_view(display.out, found.view)


@app.command()
@guard
def demo(
    scenarios: Optional[List[str]] = typer.Argument(None, help="Scenarios to show (default: all, in order)."),
    auto: Optional[float] = typer.Option(None, help="Advance by itself after this many seconds."),
    frameworks: Frameworks = ALL,
    modes: Modes = "default",
    systems: Systems = None,
    repeats: Repeats = 5,
    device: Device = "cpu",
    timeout: Timeout = 300.0,
    threads: Threads = 1,
    plot: Optional[str] = typer.Option(None, help="Also write the charts to PNG (one per scenario)."),
    no_color: NoColor = False,
    full_traceback: FullTraceback = False,
):
    """A paced walk-through: lesson, code, live run, results, takeaway. Enter advances."""
    chosen = selection.parse(scenarios=scenarios, many=True, systems=systems, frameworks=frameworks,
                             modes=modes, device=device, repeats=repeats, threads=threads, timeout=timeout,
                             warn=Display.warn)
    if auto is not None:
        options.seconds(auto, "--auto", zero=True)
    from lab.plot import scenario_paths
    for path in scenario_paths(plot, chosen.scenarios).values():
        options.writable(path, "--plot", (".png",))
    from lab.demo import run_demo
    code = run_demo(chosen.scenarios, auto=auto, no_color=no_color, plot=plot, full_traceback=full_traceback,
                    **chosen.run_kwargs())
    done(chosen.fold(code))


@app.command()
@guard
def report(
    out: str = typer.Option("lab-report", "--out", help="Folder for report.html (the web page), terminal.html and report.json."),
    scenarios: Optional[List[str]] = typer.Argument(None, help="Scenarios (default: all)."),
    frameworks: Frameworks = ALL,
    modes: Modes = "default",
    systems: Systems = None,
    repeats: Repeats = 5,
    device: Device = "cpu",
    timeout: Timeout = 300.0,
    threads: Threads = 1,
    no_color: NoColor = False,
):
    """Run every scenario on every system (narrow with --systems) and write one self-contained web page (plus the terminal's view and the JSON)."""
    from compare.systems import frameworks_of
    from lab.usecases import report as use
    # A report shows then (TF 1.x) against now (every system), unless narrowed.
    chosen = selection.parse(scenarios=scenarios, many=True, systems=systems, frameworks=frameworks,
                             modes=modes, default=selection.EVERY, device=device, repeats=repeats,
                             threads=threads, timeout=timeout, warn=Display.warn)
    options.report_folder(out, "--out", use.FILES)
    display = Display(no_color=no_color)
    with display.progress(frameworks_of(chosen.systems)) as board:
        written = use.run(chosen, out, no_color=no_color, on_progress=board.update)
    if written.interrupted:
        display.note(f"Interrupted: partial results in {written.folder}; any earlier report is left as it was.")
    for path in written.paths:
        display.say(f"wrote {path}")
    done(written.exit_code)


@app.command()
@guard
def doctor(
    frameworks: Frameworks = ALL,
    device: Device = "auto",
    timeout: float = typer.Option(120.0, help="Seconds before a framework's probe is stopped."),
    threads: int = typer.Option(1, help="Thread count to pin and report."),
    as_json: Json = False,
):
    """Each framework: installed or not, version, devices it sees, threads; how to install."""
    from lab.usecases import doctor as use
    options.seconds(timeout, "--timeout")
    options.count(threads, "--threads")
    if device not in ("cpu", "cuda", "auto"):
        options.device(device)
    fws = options.frameworks(frameworks)
    display = Display()
    with display.progress(fws) as board:  # TF alone takes ~4 s to import
        found = use.run(fws, device=device, threads=threads, timeout=timeout, on_progress=board.update)
    if as_json:
        display.json(found.to_dict())
    else:
        from lab.views.doctor import doctor_table
        display.show(doctor_table(found))
    done(found.exit_code)


@app.command()
@guard
def verify(
    scenarios: Optional[List[str]] = typer.Argument(None, help="Scenarios (default: all)."),
    frameworks: Frameworks = ALL,
    systems: Systems = None,
    device: Device = "cpu",
    timeout: Timeout = 600.0,
    threads: Threads = 1,
    thorough: bool = typer.Option(False, "--thorough", help="Many more hypothesis examples."),
    as_json: Json = False,
    junit_xml: Optional[str] = typer.Option(None, "--junit-xml", help="Also write JUnit XML here."),
    no_color: NoColor = False,
):
    """Numeric equivalence in CI: forward and gradients, every framework, plus lesson drift.

    Exit codes: 0 all agree, 1 a mismatch, 3 incomplete, 4 lesson drift."""
    from compare.systems import frameworks_of
    from lab.usecases import verify as use
    chosen = selection.parse(scenarios=scenarios, many=True, systems=systems, frameworks=frameworks,
                             device=device, threads=threads, timeout=timeout, warn=Display.warn)
    from lab.views import export as formats
    if junit_xml is not None:
        options.writable(junit_xml, "--junit-xml", (".xml",))
    display = Display(no_color=no_color)
    with display.progress(frameworks_of(chosen.systems)) as board:
        found = use.run(chosen, thorough=thorough, on_progress=board.update)
    if junit_xml is not None:
        from lab.atomic import partial_name
        from lab.errors import INTERRUPTED
        formats.write(partial_name(junit_xml) if found.exit_code == INTERRUPTED else junit_xml,
                      formats.Output("verify", verify=found))
    if as_json:
        display.json(found.to_dict())
    else:
        from lab.views.verify import verify_table
        verify_table(display.out, found)
    done(found.exit_code)


@app.command()
@guard
def claims(
    scenarios: Optional[List[str]] = typer.Argument(None, help="Scenarios (default: all)."),
    frameworks: Frameworks = ALL,
    modes: Modes = "default",
    systems: Annotated[Optional[str], typer.Option(
        help=SYSTEMS_HELP + " Default here: all.")] = None,
    repeats: Repeats = 1,
    device: Device = "cpu",
    timeout: Timeout = 600.0,
    threads: Threads = 1,
    as_json: Json = False,
    export: Optional[List[str]] = typer.Option(None, help="Also save the scoreboard: .html, .md or .json (repeatable)."),
    no_color: NoColor = False,
):
    """The scoreboard: every seed claim graded for every system, from this run.

    Exit codes: 0 as the lessons expect, 1 a working variant failed, 3 incomplete, 4 drift."""
    from compare.systems import frameworks_of
    from lab.usecases import claims as use
    chosen = selection.parse(scenarios=scenarios, many=True, systems=systems, frameworks=frameworks,
                             modes=modes, default=selection.EVERY, device=device, repeats=repeats,
                             threads=threads, timeout=timeout, warn=Display.warn)
    from lab.views import export as formats
    for path in export or []:
        options.writable(path, "--export", formats.suffixes("claims"))
    display = Display(no_color=no_color)
    with display.progress(frameworks_of(chosen.systems)) as board:
        scored = use.run(chosen, on_progress=board.update)
    if as_json:
        display.json(scored.board.to_dict())
    else:
        from lab.views.claims import scoreboard as show
        show(display.out, scored.board)
    from lab.atomic import partial_name
    for path in export or []:
        formats.write(partial_name(path) if scored.interrupted else path,
                      formats.Output("claims", docs=scored.docs, claims=scored.board))
    done(scored.exit_code)


@app.command()
@guard
def check(
    scenario: str = typer.Argument(..., help="Scenario name, or the spec file's path."),
    as_json: Json = False,
):
    """Check a new scenario before running it: spec fields, implementation files, the same public
    names across them, variants that exist, `# BUG` markers. No framework is imported."""
    from lab.usecases import check as use
    found = use.run(scenario)
    display = Display()
    if as_json:
        display.json(found.to_dict())
    else:
        from lab.views.check import check_view
        check_view(display.out, found)
    done(found.exit_code)


@app.command("systems")
@guard
def systems_cmd(as_json: Json = False):
    """Every system (a framework in one mode), in the fixed display order."""
    from lab.usecases import systems as use
    rows = use.run()
    display = Display()
    if as_json:
        return display.json([row.to_dict() for row in rows])
    from lab.views.check import systems_table
    display.show(systems_table(rows))
