"""The scenario contract: every name a spec (`scenarios/<name>.py`) may define, declared once.

ADDING_A_SCENARIO.md lists the same table (a test keeps the two in step). Loading a spec checks
it against this table; a problem is a `SpecError` naming the file and the field, which the CLI
turns into one warning line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Field:
    name: str
    kind: str          # what `check` accepts: str, number, int, bool, callable, dict, tuple, rule, strs
    required: bool
    meaning: str
    default: Any = None
    choices: tuple = ()  # the only values it may take, where it has a fixed set


FIELDS: tuple[Field, ...] = (
    Field("NAME", "str", True, "CLI name, kebab-case; the file name with `-` for `_`"),
    Field("TITLE", "str", True, "one line, shown in `lab list`"),
    Field("CLAIM", "str", True, "the seed lessons' claim about static graphs that this tests"),
    Field("LESSON", "str", True, "a short paragraph: what the code does and what to look for"),
    Field("RTOL", "number", True, "relative float32 tolerance against the reference"),
    Field("ATOL", "number", True, "absolute float32 tolerance against the reference"),
    Field("calls", "callable", True, "calls(seed=0) -> list of input tuples (numpy arrays), seeded"),
    Field("reference", "callable", True, "reference(*inputs) -> numpy result (array or tuple), or None"),
    Field("ORDER", "int", False, "position in `lab list`, `lab demo`, `lab report`, `lab claims`", 99),
    Field("VARIANTS", "dict", False, "{system id: {label: function}}: which functions each system "
          "runs; a system left out runs its registry default", {}),
    Field("EXPECTED", "dict", False, "{(system id, label): {status, error_type, compiles, ...}}: "
          "what a variant is supposed to do; drift is exit 4 (`compare`, `verify`, `claims`)", {}),
    Field("describe_calls", "callable", False, "describe_calls(inputs) -> dict of extra JSON "
          "fields about the inputs (e.g. lengths), computed once per command", None),
    Field("verdicts", "callable", False, "verdicts(doc) -> list of takeaway sentences computed "
          "from the run's JSON document", None),
    Field("annotate", "callable", False, "annotate(run) -> dict of extra fields for one run, "
          "computed in the worker from the run's own data", None),
    Field("probe", "callable", False, "probe(run, module, fn, args[, kit]) -> dict of run fields "
          "measured in the worker after each run, in the system's mode, with the implementation module's "
          "own functions (`fn`: the variant as the system prepared it, or None; `args`: the first call's "
          "inputs; `kit`, to a probe that takes a fifth parameter: the worker's tools, compare/probekit.py: "
          "the variant prepared afresh, inputs of other sizes, synchronised and steady-state timing)", None),
    Field("relate", "callable", False, "relate(doc) -> {\"system/variant\": {field: value}}: run fields "
          "computed from the whole document's runs (one run against another system's, e.g. a "
          "break-even against the eager baseline), landed on those runs before any verdict", None),
    Field("DEBUGGER_COMMANDS", "strs", False, "pdb commands typed at every stop of a breakpoint "
          "in the scenario's runs (compare/debugger.py); a run with them is never timed in a loop", ()),
    Field("STEADY_STATE", "bool", False, "False: time the steady state of working variants only "
          "(scenarios about errors or printing)", True),
    Field("VERIFY_VARIANTS", "dict", False, "{system id: {label: function}}: extra variants "
          "`lab verify` checks numerically (e.g. a differentiable bounded loop)", {}),
    Field("NOT_DIFFERENTIABLE", "dict", False, "{(system id, label): why}: a gradient failure "
          "(no rule, or a wrong gradient) that is a finding, kept as data so a release that fixes it "
          "shows as drift", {}),
    Field("GRAD_TOL", "tuple", False, "(rtol, atol) for gradients in `lab verify`", None),
    Field("strategy", "callable", False, "strategy(st, hnp) -> hypothesis strategy of input "
          "tuples for `lab verify`", None),
    Field("EXTRAS", "dict", False, "{system id: [names]}: public names of one implementation "
          "file that the others need not have (exempt from `lab check`'s name parity)", {}),
    Field("CAUSES", "dict", False, "{cause id: {\"words\": ..., conditions}}: the causes the claim "
          "is about (lab/causes.py); `lab claims` counts only runs that failed for one of them", {}),
    Field("SIDE", "str", False, "which side of the trade the claim speaks for: \"costs\" (what "
          "static graphs cost) or \"buys\" (what they buy); `lab claims` groups its rows by it", "costs",
          ("costs", "buys")),
    Field("CLAIM_RULE", "rule", False, "how `lab claims` grades the claim per system: data "
          "{\"kind\": naive-port | error-location | inspection, ...parameters} (lab/claims.py), or a "
          "callable rule(doc, system) -> (verdict, evidence, run labels) or None", None),
)
BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str) and bool(v.strip()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "callable": callable,
    "dict": lambda v: isinstance(v, dict),
    "tuple": lambda v: isinstance(v, (tuple, list)) and len(v) == 2,
    "rule": lambda v: callable(v) or (isinstance(v, dict) and "kind" in v),
    "strs": lambda v: isinstance(v, (tuple, list)) and all(isinstance(c, str) and c.strip() for c in v),
}


class ReadingError(Exception):
    """A spec's reading (verdicts, describe_calls, a callable CLAIM_RULE, annotate) raised or
    returned the wrong kind of value: `file: reading raised Type: message`, one line, which costs
    that scenario's reading alone (shown, and exit 1), never the run nor the other scenarios."""


class SpecError(Exception):
    """A scenario file that cannot be used: `file: problem`, one line."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: {problem}")
        self.file, self.problem = file, problem


def values(module, file: str) -> dict:
    """{field: value} for every contract field, defaults filled in; SpecError on the first problem."""
    missing = [name for name in REQUIRED if not hasattr(module, name)]
    if missing:
        raise SpecError(file, f"missing required {', '.join(missing)} (see ADDING_A_SCENARIO.md)")
    out = {}
    for f in FIELDS:
        value = getattr(module, f.name, f.default)
        if f.name in vars(module) and not _CHECKS[f.kind](value):
            raise SpecError(file, f"{f.name} should be {f.kind}, got {type(value).__name__} {value!r:.60}")
        if f.name in vars(module) and f.choices and value not in f.choices:
            raise SpecError(file, f"{f.name} should be one of {', '.join(map(repr, f.choices))}, got {value!r:.60}")
        out[f.name] = value
    return out
