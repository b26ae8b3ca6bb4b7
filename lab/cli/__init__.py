"""The `lab` command: the entry point and its one error boundary (lab/cli/commands.py parses
the options and calls the use cases).

`lab list` is answered here without typer (~30 ms of imports the first command a student types
should not pay), and so is a plainly written `lab compare` (its lesson is on screen ~0.15 s
sooner; lab/cli/plain_args.py); tensorflow, jax and torch are never imported in this process at all.
"""
from __future__ import annotations

import os
import sys


def __getattr__(name: str):
    if name == "app":  # the typer app, built on first use (tests drive it with CliRunner)
        from lab.cli.commands import app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def list_scenarios(as_json: bool) -> int:
    """`lab list`: the scenarios' names, titles and claims, read without importing a spec."""
    from lab.usecases import listing
    from lab.views import display
    found = listing.scenarios()
    for problem in found.problems:
        display.warn(f"skipped {problem}")
    if as_json:
        display.Display.json([row.to_dict() for row in found.rows])
    else:
        from lab.views.check import scenarios_table
        display.Display().show(scenarios_table(found.rows))
    return 0


def main() -> None:
    """Entry point. click's own usage errors become one line too (its default is a box)."""
    args = sys.argv[1:]
    if args in (["list"], ["list", "--json"]):
        sys.exit(list_scenarios(as_json=args == ["list", "--json"]))
    from lab import stopping
    stopping.install()  # SIGTERM and SIGHUP unwind as Ctrl-C does; the exit code names the signal
    try:
        sys.exit(stopping.exit_code(_run_app()))
    finally:
        from lab.runner import stop_all
        stop_all()  # whatever ended the command, no worker or scratch folder outlives it


def _compare_without_typer(args: list[str]) -> int | None:
    """`lab compare` in its plain forms, or None where typer must read the arguments."""
    if args[:1] != ["compare"]:
        return None
    from lab.cli import plain_args
    given = plain_args.compare(args[1:])
    if given is None:
        return None
    from lab.cli import compare_command
    from lab.errors import LabError
    try:
        return compare_command.run(**given)
    except LabError as exc:  # as commands.guard does: one line, the error's exit code
        _last_line(str(exc))
        return exc.code


def _run_app() -> int:
    from lab.errors import INTERRUPTED, USAGE
    try:
        code = _compare_without_typer(sys.argv[1:])
        if code is not None:
            return code
        from lab.cli.commands import app
        code = app(standalone_mode=False)
        return code if isinstance(code, int) else 0
    except KeyboardInterrupt:
        _last_line("interrupted")
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - click's usage errors and Exit (typer may vendor click)
        if type(exc).__name__ == "Exit":
            return exc.exit_code
        if type(exc).__name__ == "Abort":
            return INTERRUPTED
        if hasattr(exc, "format_message"):
            _last_line(exc.format_message())
            return getattr(exc, "exit_code", USAGE)
        if os.environ.get("LAB_DEBUG"):
            raise
        # A bug in the lab itself: one line in front of the room, the traceback on request.
        _last_line(f"internal error: {type(exc).__name__}: {exc} (set LAB_DEBUG=1 to see the traceback)")
        return 1


def _last_line(text: str) -> None:
    """A last line on stderr, if there still is one (after SIGHUP the terminal may be gone)."""
    from lab.views.display import error
    try:
        error(text)
    except OSError:
        pass
