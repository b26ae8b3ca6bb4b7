"""`lab diff`: the eager code and each static version, function by function (nothing runs)."""
from __future__ import annotations

from dataclasses import dataclass

from compare.diff import DiffView


@dataclass
class Diff:
    view: DiffView             # its to_dict() is `lab diff --json`
    sources: dict[str, str]    # file -> source, for a view that colours the code


def run(name: str, systems: list[str]) -> Diff:
    from compare import discovery
    from compare.systems import EAGER_BASELINE
    from lab import options
    from lab.session import aligned_view
    spec = options.with_eager(discovery.get(name))
    sources = {spec.rel_file(s): spec.impl_file(s).read_text()
               for s in [EAGER_BASELINE, *systems] if spec.has_impl(s)}
    return Diff(aligned_view(spec, systems), sources)
