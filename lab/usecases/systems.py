"""`lab systems`: the registry, in its display order (its own module: `lab list` loads none of it)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from compare import systems as registry


@dataclass
class SystemRow:
    """One system of the registry at its place in the display order: `lab systems --json`'s row."""
    system: registry.System
    order: int

    def to_dict(self) -> dict:
        return dict(asdict(self.system), order=self.order)


def run() -> list[SystemRow]:
    return [SystemRow(s, i) for i, s in enumerate(registry.SYSTEMS)]
