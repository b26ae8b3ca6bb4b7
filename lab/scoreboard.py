"""The claims scoreboard as typed results (`lab claims`, graded by lab/claims.py): one row per
claim, one cell per system. `Scoreboard.to_dict()` is `lab claims --json`, `from_dict` reads it
back. The views take these objects; dicts exist only at that JSON boundary.

A cell's `silent` and `unrelated` entries stay as the rules wrote them ({run, cause, words, said,
silent}): a spec's callable rule builds them (scenarios/_cells.py), and the JSON keeps its order.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

# A cell's cause fields, in their JSON order; None and empty where its verdict rests on no cause.
CAUSE_FIELDS = ("cause", "cause_words", "causes", "silent", "unrelated")


@dataclass
class Cell:
    verdict: str             # holds | partly | does-not-hold | not-applicable | unavailable | error
    evidence: str
    runs: list[str]          # the "system/variant" labels the verdict rests on
    cause: str | None = None          # the claim's cause a holds/partly verdict rests on
    cause_words: str | None = None
    causes: list[str] = field(default_factory=list)
    silent: list[dict] = field(default_factory=list)     # runs that went wrong without raising
    unrelated: list[dict] = field(default_factory=list)  # runs left out: they failed for another cause
    drift: bool = False      # the cell rests on a run that drifted from its spec's EXPECTED
    extra: dict = field(default_factory=dict)  # any further field a spec's callable rule returned
    # False where no rule graded the cell (no run, the rule raised, or it had nothing to say): its
    # JSON says `drift` right after `runs`, as `lab claims --json` always has.
    ruled: bool = True

    def to_dict(self) -> dict:
        head = {"verdict": self.verdict, "evidence": self.evidence, "runs": self.runs}
        causes = {name: getattr(self, name) for name in CAUSE_FIELDS}
        if not self.ruled:
            return {**head, "drift": self.drift, **causes, **self.extra}
        return {**head, **causes, **self.extra, "drift": self.drift}

    @classmethod
    def from_rule(cls, verdict: str, evidence: str, runs: list[str], said: dict) -> "Cell":
        """A spec's callable rule's cell: its fields (`said`) set the cell's own, the rest are `extra`."""
        return cls._split({"verdict": verdict, "evidence": evidence, "runs": runs, **said}, ruled=True)

    @classmethod
    def from_dict(cls, data: dict) -> "Cell":
        """A cell of `lab claims --json`, typed again."""
        return cls._split(data, ruled=list(data)[3:4] != ["drift"])

    @classmethod
    def _split(cls, data: dict, ruled: bool) -> "Cell":
        known = {f.name for f in fields(cls)} - {"extra", "ruled"}
        return cls(**{k: v for k, v in data.items() if k in known},
                   extra={k: v for k, v in data.items() if k not in known}, ruled=ruled)


@dataclass
class ClaimRow:
    claim: str
    scenario: str
    title: str
    side: str | None         # the side of the trade the claim speaks for (lab.claims.SIDES)
    cells: dict[str, Cell]   # {system id: cell}, in the scoreboard's system order

    def to_dict(self) -> dict:
        return {"claim": self.claim, "scenario": self.scenario, "title": self.title, "side": self.side,
                "cells": {s: c.to_dict() for s, c in self.cells.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "ClaimRow":
        return cls(**{**data, "cells": {s: Cell.from_dict(c) for s, c in data["cells"].items()}})


@dataclass
class BoardSystem:
    """A column: the system's id and, from the registry, its label, short head and kind."""
    id: str
    label: str
    short: str
    static: bool


@dataclass
class Side:
    """A group of rows: its title, the legend's word for its rows, and what "holds" means there."""
    side: str | None         # None: the one group of a board without sides
    title: str
    rows: str
    holds: str


@dataclass
class Scoreboard:
    schema: int
    systems: list[BoardSystem]
    versions: dict[str, str]
    claims: list[ClaimRow]    # grouped by side, costs first
    sides: list[Side]         # the sides present, in that order
    skipped: list[str]        # broken specs the command left out (lab.selection.Selection)
    exit_code: int

    def to_dict(self) -> dict:
        """`lab claims --json`."""
        return {"schema": self.schema, "systems": [vars(s).copy() for s in self.systems],
                "versions": self.versions, "claims": [row.to_dict() for row in self.claims],
                "sides": [vars(s).copy() for s in self.sides], "skipped": self.skipped,
                "exit_code": self.exit_code}

    @classmethod
    def from_dict(cls, data: dict) -> "Scoreboard":
        return cls(schema=data["schema"], systems=[BoardSystem(**s) for s in data["systems"]],
                   versions=data["versions"], claims=[ClaimRow.from_dict(r) for r in data["claims"]],
                   sides=[Side(**s) for s in data["sides"]], skipped=data["skipped"],
                   exit_code=data["exit_code"])

    def cells(self):
        """Every cell, row by row."""
        return [c for row in self.claims for c in row.cells.values()]
