"""What a run is called on screen: its system and its role in the lesson ("as written",
"ported"), never the JSON's variant id where that id only restates the system ("torch-eager
eager", "jax-jit static"). The JSON keeps `variant` as it is."""
from __future__ import annotations

from compare import systems


def role(run: dict) -> str:
    """The eager code run as written, the hand port a static system needed, or, for a variant of
    the scenario's own (`shape_bug`, `with_print`), its own name."""
    function, variant = run.get("function"), run.get("variant") or ""
    system = systems.BY_ID.get(run.get("system"))
    static = system.static if system is not None else True
    capture = run.get("capture") or {}
    if function == "naive" or (function == "forward" and not static):
        # torch.compile(fullgraph=True) of the code as written: the flag is what this run tests.
        return "fullgraph" if capture.get("fullgraph") and static else "as written"
    if function == "forward":
        return "ported"
    return variant


def run_label(run: dict, system: str | None = None) -> str:
    """`system role`, with the system's id or the name given (a short or display label)."""
    return f"{system or run['system']} {role(run)}"
