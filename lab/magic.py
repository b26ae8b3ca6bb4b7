"""The `%lab` line magic (`%load_ext lab`): the `lab` command's own parser in a notebook, the
lab.api functions behind it. Its own module, so that lab.api (the Python face) does not import
the CLI (the terminal face)."""
from __future__ import annotations

import shlex

from lab import api, options
from lab.errors import LabError

MAGIC_COMMANDS = ("compare", "diff", "claims", "list")
_RUN_KEYS = ("frameworks", "modes", "repeats", "device", "threads", "timeout")


def _parse(command: str, args: list[str]) -> dict | None:
    """The CLI's own parser for `lab <command>` (typer's click command): the same options, the
    same defaults, the same messages. None after --help (the help was printed)."""
    import typer.main
    from lab.cli.commands import app
    cli_command = typer.main.get_command(app).commands[command]
    try:
        return dict(cli_command.make_context(f"%lab {command}", list(args)).params)
    except Exception as exc:  # noqa: BLE001 - click's Exit (after --help) and usage errors
        if type(exc).__name__ == "Exit":
            return None
        if hasattr(exc, "format_message"):
            raise LabError(exc.format_message()) from None
        raise


def magic(line: str):
    """`%lab compare|diff|claims|list ...`: the CLI's arguments; returns the result object, which
    the notebook displays. `--export FILE` also saves it; `--json` returns the dict instead."""
    try:
        args = shlex.split(line)
    except ValueError as exc:
        raise LabError(f"%lab: {exc}") from None
    if not args or args[0] not in MAGIC_COMMANDS:
        raise LabError(f"usage: %lab {{{'|'.join(MAGIC_COMMANDS)}}} [ARGS] (the `lab` command's arguments); "
                       f"got {line.strip()!r}.")
    command, rest = args[0], args[1:]
    if command == "list":
        return api.scenarios()
    params = _parse(command, rest)
    if params is None:
        return None
    if command == "diff":
        result = api.diff(params["scenario"], params["systems"], frameworks=params["frameworks"])
    else:
        kwargs = {k: params[k] for k in _RUN_KEYS if k in params}
        from lab.views import export
        for path in params.get("export") or ():  # before any worker starts, as the CLI does
            options.writable(path, "--export", export.suffixes(command))
        if command == "compare":
            result = api.compare(params["scenario"], params["systems"], **kwargs)
        else:
            result = api.claims(list(params.get("scenarios") or []) or None, params.get("systems"), **kwargs)
        for path in params.get("export") or ():
            result.save(path)
    return result.to_dict() if params.get("as_json") else result


def load_ipython_extension(ipython) -> None:
    """`%load_ext lab`: registers the `%lab` line magic."""
    from IPython.core.error import UsageError

    def lab_magic(line: str):
        try:
            return magic(line)
        except LabError as exc:  # one line in the notebook, never a traceback
            raise UsageError(str(exc)) from None

    lab_magic.__doc__ = magic.__doc__
    ipython.register_magic_function(lab_magic, magic_kind="line", magic_name="lab")
