"""What a run is called on screen: its system and its role in the lesson ("as written",
"ported"), never the JSON's variant id where that id only restates the system ("torch-eager
eager", "jax-jit static"). The JSON keeps `variant` as it is."""
from __future__ import annotations

from typing import TYPE_CHECKING

from compare import systems
from scenarios._readings import role, role_of  # noqa: F401 - role(run): the specs' own reading too

if TYPE_CHECKING:
    from compare.results import Run


def role_in(scenario, system: str, variant: str) -> str:
    """The same, for a variant named by its label alone (a `lab verify` row): the scenario says
    which function it runs, and how."""
    function, how = scenario.variant_table(system).get(variant, (None, None))
    entry = systems.BY_ID.get(system)
    return role_of(function, variant, entry.static if entry is not None else True, how == "fullgraph")


def run_label(run: dict, system: str | None = None) -> str:
    """`system role`, with the system's id or the name given (a short or display label)."""
    return f"{system or run['system']} {role(run)}"


def run_role(run: "Run") -> str:
    """role() of a typed Run: the specs' readings take the JSON form, the views the typed one."""
    return role_of(run.function, run.variant or "", run.mode != "dynamic", bool((run.capture or {}).get("fullgraph")))
