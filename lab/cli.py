"""The `lab` command. Commands parse options and call functions that return plain data.

Heavy imports (numpy, the renderer, the runner) happen inside the commands, so `lab --help`
stays instant; tensorflow, jax and torch are never imported in this process at all.
"""
from __future__ import annotations

import functools
import os
import sys
from typing import Annotated, List, Optional

import typer

from compare.systems import FRAMEWORK_NAMES
from lab import errors
from lab.errors import LabError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="The static-vs-dynamic graph lab: each claim about static graphs, measured.")

FRAMEWORKS_HELP = "Comma-separated frameworks (always run in the registry's order); see `lab systems`."
MODES_HELP = ("default (the design card's trio) | static | dynamic | all (both modes of every "
              "framework; torch.compile costs ~20 s on CPU). Mapped onto systems.")
SYSTEMS_HELP = ("Comma-separated system ids, or all (overrides --frameworks/--modes); "
                "`lab systems` lists them.")


# Options shared by the commands that run workers (typer's Annotated form, defined once).
Frameworks = Annotated[str, typer.Option(help=FRAMEWORKS_HELP)]
Modes = Annotated[str, typer.Option(help=MODES_HELP)]
Systems = Annotated[Optional[str], typer.Option(help=SYSTEMS_HELP)]
Repeats = Annotated[int, typer.Option(help="Steady-state samples (auto-ranged blocks) per variant.")]
Device = Annotated[str, typer.Option(help="cpu | cuda | auto")]
Timeout = Annotated[float, typer.Option(help="Seconds before a worker is stopped and reported.")]
Threads = Annotated[int, typer.Option(help="Intra- and inter-op threads, the same for every framework.")]
NoColor = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")]
FullTraceback = Annotated[bool, typer.Option(
    "--full-traceback", help="Whole tracebacks, and each again with the framework's filtering off.")]
ALL = ",".join(FRAMEWORK_NAMES)


def guard(command):
    """Turn the lab's own errors into one line on stderr and an exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except LabError as exc:
            typer.echo(f"lab: {exc}", err=True)
            raise typer.Exit(exc.code)
    return wrapper


def _common(frameworks: str, modes: str, systems: str | None, repeats: int, device: str,
            timeout: float, threads: int):
    from lab import options
    options.count(repeats, "--repeats")
    options.seconds(timeout, "--timeout")
    options.count(threads, "--threads")
    return options.system_ids(systems, frameworks, modes), options.device(device)


def _warn(line: str) -> None:
    typer.echo(f"lab: warning: {line}", err=True)


def _emit_json(data) -> None:
    from lab.strict_json import dumps
    sys.stdout.write(dumps(data) + "\n")


@app.command("list")
@guard
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON only.")):
    """Name, title and lesson of each scenario."""
    from compare import discovery
    rows, problems = discovery.summaries()
    for problem in problems:
        _warn(f"skipped {problem}")
    if as_json:
        return _emit_json(rows)
    from lab.views.render import console
    from lab.views.check import scenarios_table
    console().print(scenarios_table(rows))


@app.command()
@guard
def compare(
    scenario: str = typer.Argument(..., help="Scenario name (see `lab list`)."),
    frameworks: Frameworks = ALL,
    modes: Modes = "default",
    systems: Systems = None,
    repeats: Repeats = 5,
    device: Device = "cpu",
    timeout: Timeout = 300.0,
    threads: Threads = 1,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document to stdout, nothing else."),
    export: Optional[List[str]] = typer.Option(None, help="Save the run: .html (the web page), .terminal.html or .svg (what the terminal showed), .md, .json or .png (repeatable)."),
    plot: Optional[str] = typer.Option(None, help="Write the charts to a PNG (needs matplotlib)."),
    no_color: NoColor = False,
    full_traceback: FullTraceback = False,
    verbose: bool = typer.Option(False, "--verbose", help="Also show what the frameworks printed."),
):
    """Run one scenario in every system, side by side."""
    from compare.systems import frameworks_of
    from lab import options
    spec = options.spec(scenario, "compare")
    ids, dev = _common(frameworks, modes, systems, repeats, device, timeout, threads)
    from lab.views import export as formats
    for path in export or []:
        options.writable(path, "--export", formats.suffixes("compare"))
    if as_json and export and any(formats.lookup(p).screen for p in export):
        raise LabError("--json shows no page: .terminal.html and .svg save what the terminal showed; "
                       "use .html, .md, .json or .png with --json.")
    if plot is not None:
        options.writable(plot, "--plot", (".png",))
    from lab import session
    from lab.views import render
    out = render.console(no_color=no_color, record=bool(export))
    if not as_json:
        render.lesson(out, spec)
        render.code(out, session.code_view(spec, ids))
    err = render.console(stderr=True, no_color=no_color)
    with render.ProgressBoard(err, frameworks_of(ids)) as board:
        # The workers' logs go into the document only where they are shown or saved.
        doc = session.compare(spec, systems_=ids, repeats=repeats, device=dev, threads=threads,
                              timeout=timeout, on_progress=board.update,
                              with_logs=verbose or not as_json)
    if as_json:
        _emit_json(doc)
    else:
        render.results(out, doc, full_traceback=full_traceback)
        if verbose:
            for fw, info in doc["frameworks"].items():
                err.print(f"[bold]--- {fw} worker output ---[/]")
                err.print(info.get("log", ""), markup=False, highlight=False)
        if doc["interrupted"]:
            err.print("[yellow]Interrupted: partial results above.[/]")
    from lab.atomic import partial_name
    # An interrupted run writes under names of its own: an earlier good file stays as it was.
    named = partial_name if doc["interrupted"] else (lambda path: path)
    if export:
        from lab.views.export import save
        for path in export:
            save(out, doc, named(path))
    if plot is not None:
        from lab.plot import save_png
        save_png(doc, named(plot))
    raise typer.Exit(doc["exit_code"])


@app.command()
@guard
def diff(
    scenario: str = typer.Argument(..., help="Scenario name (see `lab list`)."),
    systems: Systems = None,
    frameworks: Optional[str] = typer.Option(None, help="Frameworks whose default systems to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    no_color: NoColor = False,
):
    """The eager code and each static version, function by function, side by side: what changed."""
    from compare import discovery
    from compare.systems import DEFAULT, EAGER_BASELINE, IDS
    from lab import options
    name = options.scenario(scenario, "diff")
    chosen = options.system_ids(systems if systems is not None else None if frameworks else ",".join(DEFAULT),
                                frameworks or ALL, "default")
    ids = [s for s in chosen if s != EAGER_BASELINE]
    if not ids:
        raise LabError(f"--systems: name one or more of {', '.join(i for i in IDS if i != EAGER_BASELINE)}; "
                       f"{EAGER_BASELINE} is the left-hand side.")
    from lab.session import aligned_view
    view = aligned_view(options.with_eager(discovery.get(name)), ids)
    if as_json:
        return _emit_json(view)
    from lab.views import render
    from lab.views.diff import diff_view
    diff_view(render.console(no_color=no_color), view)


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
    from lab import options
    picked = options.scenarios(scenarios, warn=_warn)
    ids, dev = _common(frameworks, modes, systems, repeats, device, timeout, threads)
    if auto is not None:
        options.seconds(auto, "--auto", zero=True)
    from lab.plot import scenario_paths
    for path in scenario_paths(plot, picked.names).values():
        options.writable(path, "--plot", (".png",))
    from lab.demo import run_demo
    code = run_demo(picked.names, auto=auto, no_color=no_color, plot=plot, full_traceback=full_traceback,
                    systems_=ids, repeats=repeats, device=dev, threads=threads, timeout=timeout)
    raise typer.Exit(picked.fold(code))


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
    from lab import options
    from lab.report import FILES, run_report
    picked = options.scenarios(scenarios, warn=_warn)
    if systems is None and frameworks == ALL and modes == "default":
        systems = "all"  # a report shows then (TF 1.x) against now (every system), unless narrowed
    ids, dev = _common(frameworks, modes, systems, repeats, device, timeout, threads)
    options.report_folder(out, "--out", FILES)
    code, paths = run_report(picked, out, no_color=no_color, systems_=ids,
                             repeats=repeats, device=dev, threads=threads, timeout=timeout)
    for path in paths:
        typer.echo(f"wrote {path}")
    raise typer.Exit(code)


@app.command()
@guard
def doctor(
    frameworks: Frameworks = ALL,
    device: Device = "auto",
    timeout: float = typer.Option(120.0, help="Seconds before a framework's probe is stopped."),
    threads: int = typer.Option(1, help="Thread count to pin and report."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
):
    """Each framework: installed or not, version, devices it sees, threads; how to install."""
    from lab import options
    from lab.doctor import diagnose
    options.seconds(timeout, "--timeout")
    options.count(threads, "--threads")
    if device not in ("cpu", "cuda", "auto"):
        options.device(device)
    from lab.views.render import ProgressBoard, console
    from lab.views.doctor import doctor_table
    fws = options.frameworks(frameworks)
    with ProgressBoard(console(stderr=True), fws) as board:  # TF alone takes ~4 s to import
        report = diagnose(fws, device=device, threads=threads, timeout=timeout, on_progress=board.update)
    if as_json:
        _emit_json(report)
    else:
        console().print(doctor_table(report))
    raise typer.Exit(report["exit_code"])


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
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    junit_xml: Optional[str] = typer.Option(None, "--junit-xml", help="Also write JUnit XML here."),
    no_color: NoColor = False,
):
    """Numeric equivalence in CI: forward and gradients, every framework, plus lesson drift.

    Exit codes: 0 all agree, 1 a mismatch, 3 incomplete, 4 lesson drift."""
    from compare.systems import frameworks_of
    from lab import options
    picked = options.scenarios(scenarios, warn=_warn)
    ids, dev = _common(frameworks, "default", systems, 1, device, timeout, threads)
    from lab.views import export as formats
    if junit_xml is not None:
        options.writable(junit_xml, "--junit-xml", (".xml",))
    from lab.views import render
    from lab.verify import verify as run_verify
    err = render.console(stderr=True, no_color=no_color)
    with render.ProgressBoard(err, frameworks_of(ids)) as board:
        report_data = run_verify(picked.names, systems_=ids, device=dev, threads=threads, timeout=timeout,
                                 thorough=thorough, on_progress=board.update)
    report_data.update(skipped=picked.skipped, exit_code=picked.fold(report_data["exit_code"]))
    if junit_xml is not None:
        from lab.atomic import partial_name
        interrupted = report_data["exit_code"] == errors.INTERRUPTED
        formats.write(partial_name(junit_xml) if interrupted else junit_xml,
                      formats.Output("verify", verify=report_data))
    if as_json:
        _emit_json(report_data)
    else:
        from lab.views.verify import verify_table
        verify_table(render.console(no_color=no_color), report_data)
    raise typer.Exit(report_data["exit_code"])


@app.command()
@guard
def claims(
    scenarios: Optional[List[str]] = typer.Argument(None, help="Scenarios (default: all)."),
    frameworks: Frameworks = ALL,
    modes: Modes = "default",
    systems: Annotated[Optional[str], typer.Option(help=SYSTEMS_HELP + " Default here: all.")] = "all",
    repeats: Repeats = 1,
    device: Device = "cpu",
    timeout: Timeout = 600.0,
    threads: Threads = 1,
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    export: Optional[List[str]] = typer.Option(None, help="Also save the scoreboard: .html or .md (repeatable)."),
    no_color: NoColor = False,
):
    """The scoreboard: every seed claim graded for every system, from this run.

    Exit codes: 0 as the lessons expect, 1 a working variant failed, 3 incomplete, 4 drift."""
    from compare.systems import frameworks_of
    from lab import options
    picked = options.scenarios(scenarios, warn=_warn)
    ids, dev = _common(frameworks, modes, systems, repeats, device, timeout, threads)
    for path in export or []:
        options.writable(path, "--export", (".html", ".md"))
    from lab import session
    from lab.views import render
    from lab.claims import grade
    err = render.console(stderr=True, no_color=no_color)
    with render.ProgressBoard(err, frameworks_of(ids)) as board:
        docs = session.run_many(picked.specs, systems_=ids, repeats=repeats, device=dev, threads=threads,
                                timeout=timeout, on_progress=board.update)
    scoreboard = grade(docs)
    scoreboard.update(skipped=picked.skipped, exit_code=picked.fold(scoreboard["exit_code"]))
    if as_json:
        _emit_json(scoreboard)
    else:
        from lab.views.claims import scoreboard as show
        show(render.console(no_color=no_color), scoreboard)
    from lab import atomic
    from lab.views.export import claims_text
    for path in export or []:
        interrupted = any(d["interrupted"] for d in docs)
        atomic.write(atomic.partial_name(path) if interrupted else path, claims_text(path, scoreboard, docs))
    raise typer.Exit(scoreboard["exit_code"])


@app.command()
@guard
def check(
    scenario: str = typer.Argument(..., help="Scenario name, or the spec file's path."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
):
    """Check a new scenario before running it: spec fields, implementation files, the same public
    names across them, variants that exist, `# BUG` markers. No framework is imported."""
    from compare.checks import check_scenario
    if scenario.endswith(".py"):  # a path: that very file is checked
        if not os.path.isfile(scenario):
            raise LabError(f"no file {scenario}.")
        report_data = check_scenario(os.path.basename(scenario)[:-3].replace("_", "-"), path=scenario)
    else:
        report_data = check_scenario(scenario)
    if as_json:
        _emit_json(report_data)
    else:
        from lab.views.render import console
        from lab.views.check import check_view
        check_view(console(), report_data)
    raise typer.Exit(report_data["exit_code"])


@app.command("systems")
@guard
def systems_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON only.")):
    """Every system (a framework in one mode), in the fixed display order."""
    from dataclasses import asdict
    from compare import systems as registry
    rows = [dict(asdict(s), order=i) for i, s in enumerate(registry.SYSTEMS)]
    if as_json:
        return _emit_json(rows)
    from lab.views.render import console
    from lab.views.check import systems_table
    console().print(systems_table(rows))


def main() -> None:
    """Entry point. click's own usage errors become one line too (its default is a box)."""
    args = sys.argv[1:]
    if args in (["list"], ["list", "--json"]):
        # The first command a student types: skip typer's option coercion, which imports pydantic
        # (~80 ms) just to read the implicit --help flag. Same function, same output.
        list_cmd(as_json=args == ["list", "--json"])
        sys.exit(0)
    from lab import stopping
    stopping.install()  # SIGTERM and SIGHUP unwind as Ctrl-C does; the exit code names the signal
    try:
        sys.exit(stopping.exit_code(_run_app()))
    finally:
        from lab.runner import stop_all
        stop_all()  # whatever ended the command, no worker or scratch folder outlives it


def _run_app() -> int:
    try:
        code = app(standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        _quiet_echo("lab: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - click's usage errors (typer may vendor click)
        if type(exc).__name__ == "Abort":
            return 130
        if hasattr(exc, "format_message"):
            typer.echo(f"lab: {exc.format_message()}", err=True)
            return getattr(exc, "exit_code", 2)
        if os.environ.get("LAB_DEBUG"):
            raise
        # A bug in the lab itself: one line in front of the room, the traceback on request.
        _quiet_echo(f"lab: internal error: {type(exc).__name__}: {exc} "
                    "(set LAB_DEBUG=1 to see the traceback)")
        return 1


def _quiet_echo(line: str) -> None:
    """A last line on stderr, if there still is one (after SIGHUP the terminal may be gone)."""
    try:
        typer.echo(line, err=True)
    except OSError:
        pass
