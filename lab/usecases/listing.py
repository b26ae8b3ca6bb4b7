"""`lab list`: the scenarios there are to run, without running or importing anything heavy.

Its row is typed here rather than in compare/results.py: `lab list --json` answers before
compare.results (and the registry it imports) is loaded, and stays that light."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ScenarioRow:
    """One scenario: `lab list --json`'s row, plus its lesson where one was asked for (the API)."""
    name: str
    title: str
    claim: str
    lesson: str | None = None

    def to_dict(self) -> dict:
        row = {"name": self.name, "title": self.title, "claim": self.claim}
        return row if self.lesson is None else dict(row, lesson=self.lesson)


@dataclass
class Listing:
    """Each scenario's name, title and claim, and one line per spec skipped."""
    rows: list[ScenarioRow]
    problems: list[str]


def scenarios(with_lessons: bool = False) -> Listing:
    """Read from the spec files' source (lab list): their first lines where that suffices
    (compare.spec_headers), else parsed. `with_lessons` imports each spec for its lesson (the
    API), and a spec that then fails to import is skipped too."""
    if not with_lessons:
        from compare.contract import REQUIRED
        from compare.spec_headers import summaries
        plain = summaries(REQUIRED)
        if plain is not None:
            return Listing([ScenarioRow(**row) for row in plain], [])
    from compare import discovery
    rows, problems = discovery.summaries()
    if with_lessons:
        kept = []
        for row in rows:
            try:
                kept.append(dict(row, lesson=discovery.get(row["name"]).lesson))
            except discovery.SpecError as exc:
                problems.append(exc)
        rows = kept
    return Listing([ScenarioRow(**row) for row in rows], [str(p) for p in problems])

