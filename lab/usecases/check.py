"""`lab check`: a new scenario checked before it runs (no framework is imported)."""
from __future__ import annotations

import os

from compare.results import CheckReport
from lab.errors import LabError


def run(scenario: str) -> CheckReport:
    """A scenario name, or a spec file's path (that very file is checked)."""
    from compare.checks import check_scenario
    if scenario.endswith(".py"):
        if not os.path.isfile(scenario):
            raise LabError(f"no file {scenario}.")
        return check_scenario(os.path.basename(scenario)[:-3].replace("_", "-"), path=scenario)
    return check_scenario(scenario)
