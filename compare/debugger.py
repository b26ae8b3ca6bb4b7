"""A debugger driven as a person would drive it, with no terminal: `breakpoint()` stops in a real
pdb whose commands come from a script and whose output goes to stdout (captured per call).

`scripted(commands)` is active for one run only: PYTHONBREAKPOINT points at `stop` (the worker's
stdin is /dev/null, and a plain pdb would read EOF and quit), and sys.stdin becomes a feed of the
same commands, for debuggers that read it themselves (jax.debug.breakpoint's). Each stop gets the
commands afresh; each command read is echoed after the prompt, as a terminal would show it.
"""
from __future__ import annotations

import contextlib
import os
import pdb
import sys

_commands: tuple[str, ...] = ()


class Feed:
    """A stdin that types the commands, then starts over (one round per stop), echoing each."""

    def __init__(self, commands, cycle: bool = False):
        self.commands, self.cycle, self.at = tuple(commands), cycle, 0

    def readline(self) -> str:
        if self.at >= len(self.commands):
            if not self.cycle:
                return ""  # EOF: pdb quits, as it would at the end of a terminal's input
            self.at = 0
        command = self.commands[self.at]
        self.at += 1
        sys.stdout.write(command + "\n")
        return command + "\n"

    def isatty(self) -> bool:
        return False


def stop(*args, **kwargs) -> None:
    """PYTHONBREAKPOINT's target: a pdb at the caller's frame, reading the scripted commands."""
    debugger = pdb.Pdb(stdin=Feed(_commands), stdout=sys.stdout, nosigint=True, readrc=False)
    debugger.set_trace(sys._getframe(1))


@contextlib.contextmanager
def scripted(commands):
    """For the duration: breakpoints stop the scripted pdb. No commands: nothing changes."""
    global _commands
    if not commands:
        yield
        return
    saved_env, saved_stdin, saved_commands = os.environ.get("PYTHONBREAKPOINT"), sys.stdin, _commands
    _commands = tuple(commands)
    os.environ["PYTHONBREAKPOINT"] = f"{__name__}.stop"
    sys.stdin = Feed(commands, cycle=True)
    try:
        yield
    finally:
        _commands, sys.stdin = saved_commands, saved_stdin
        if saved_env is None:
            os.environ.pop("PYTHONBREAKPOINT", None)
        else:
            os.environ["PYTHONBREAKPOINT"] = saved_env
