"""The lab's one exception type and its exit codes."""

OK = 0
FAILED = 1          # a working implementation disagreed with its reference, raised or crashed
USAGE = 2           # bad input: unknown scenario, bad option
INCOMPLETE = 3      # a framework was unavailable or timed out; the other results are shown
DRIFT = 4           # lab verify: a naive variant no longer behaves as the lesson says
INTERRUPTED = 130   # Ctrl-C: partial results shown


class LabError(Exception):
    """A problem the user can fix; shown as one line, never as a traceback."""

    def __init__(self, message: str, code: int = USAGE):
        super().__init__(message)
        self.code = code


def worst(codes: list[int]) -> int:
    """The one exit-code rule, for every command: the worst outcome met. An interruption, then a
    failure, drift, incomplete; else 0."""
    for code in (INTERRUPTED, FAILED, DRIFT, INCOMPLETE):
        if code in codes:
            return code
    return OK


def outcome(*, interrupted: bool = False, failed: bool = False, drift: bool = False,
            incomplete: bool = False) -> int:
    """`worst` of what one result met, named: the exit code of a run, a scoreboard, a report."""
    met = {INTERRUPTED: interrupted, FAILED: failed, DRIFT: drift, INCOMPLETE: incomplete}
    return worst([code for code, seen in met.items() if seen])
