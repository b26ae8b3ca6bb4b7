"""What a run is called on screen: its system and its role in the lesson ("as written",
"ported"), never the JSON's variant id where that id only restates the system ("torch-eager
eager", "jax-jit static"). The JSON keeps `variant` as it is."""
from __future__ import annotations

from compare import systems


def role(run: dict) -> str:
    """The eager code run as written, the hand port a static system needed, or, for a variant of
    the scenario's own (`shape_bug`, `with_print`), its own name."""
    return _role(run.get("system"), run.get("function"), run.get("variant") or "",
                 bool((run.get("capture") or {}).get("fullgraph")))


def role_in(scenario, system: str, variant: str) -> str:
    """The same, for a variant named by its label alone (a `lab verify` row): the scenario says
    which function it runs, and how."""
    function, how = scenario.variant_table(system).get(variant, (None, None))
    return _role(system, function, variant, how == "fullgraph")


def _role(system_id, function, variant: str, fullgraph: bool) -> str:
    system = systems.BY_ID.get(system_id)
    static = system.static if system is not None else True
    if function == "naive" or (function == "forward" and not static):
        # torch.compile(fullgraph=True) of the code as written: the flag is what this run tests.
        return "fullgraph" if fullgraph and static else "as written"
    if function == "forward":
        return "ported"
    return variant


def run_label(run: dict, system: str | None = None) -> str:
    """`system role`, with the system's id or the name given (a short or display label)."""
    return f"{system or run['system']} {role(run)}"
