"""`lab list` and `lab systems`: what there is to run, without running or importing anything heavy."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Listing:
    """Each scenario's name, title and claim (`lab list --json`), and one line per spec skipped."""
    rows: list[dict]
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
            return Listing(plain, [])
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
    return Listing(rows, [str(p) for p in problems])


def systems() -> list[dict]:
    """The registry, in its display order (`lab systems --json`)."""
    from compare import systems as registry
    return [dict(asdict(s), order=i) for i, s in enumerate(registry.SYSTEMS)]
