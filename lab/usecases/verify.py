"""`lab verify`: numeric equivalence (forward and gradients) and lesson drift, for CI."""
from __future__ import annotations

from dataclasses import replace

from compare.results import VerifyReport
from lab.selection import Selection


def run(selection: Selection, *, thorough: bool = False, on_progress=None) -> VerifyReport:
    """The report (`lab verify --json` prints its to_dict); skipped scenarios fold into its exit code."""
    from lab.verify import verify
    kwargs = selection.run_kwargs()
    kwargs.pop("repeats")  # verify runs each case once
    report = verify(selection.scenarios, thorough=thorough, on_progress=on_progress, **kwargs)
    return replace(report, skipped=selection.skipped, exit_code=selection.fold(report.exit_code))
