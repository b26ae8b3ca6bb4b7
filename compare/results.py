"""Typed results, built here and nowhere else, serialised with the JSON field names.

Workers build `Run`s and send them as plain dicts (`to_dict`); the CLI process reads them back
with `Run.from_dict`. A placeholder run (framework unavailable, timed out, no implementation
file) is a `Run` too, so every field is present in every run: `null` where nothing was measured.
README's "JSON" section lists these fields; tests/test_schema.py keeps the two in step.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from compare import systems

SCHEMA_VERSION = 2


def _known(cls, data: dict) -> tuple[dict, dict]:
    names = {f.name for f in fields(cls)}
    return ({k: v for k, v in data.items() if k in names},
            {k: v for k, v in data.items() if k not in names})


@dataclass
class Frame:
    file: str
    line: int | None
    function: str
    origin: str          # user | framework | generated
    code: str


@dataclass
class ErrorAnatomy:
    type: str
    qualified_type: str
    message: str
    frames: list[Frame]
    innermost_user: Frame | None
    points_to_bug: bool
    frames_before_user: int
    message_points_to_bug: bool
    message_locations: list[dict]
    filtered_len: int
    unfiltered_len: int | None
    causes: list[dict]
    cause_points_to_bug: bool
    call_index: int | None = None
    unfiltered_frames: list[Frame] | None = None

    @classmethod
    def from_dict(cls, data: dict | None) -> "ErrorAnatomy | None":
        if data is None:
            return None
        known, _ = _known(cls, data)
        frame = lambda f: Frame(**f) if isinstance(f, dict) else f  # noqa: E731
        known["frames"] = [frame(f) for f in known.get("frames", [])]
        known["innermost_user"] = frame(known.get("innermost_user")) if known.get("innermost_user") else None
        if known.get("unfiltered_frames") is not None:
            known["unfiltered_frames"] = [frame(f) for f in known["unfiltered_frames"]]
        return cls(**known)


# Each system's own names for its first call's phases, in the order they happen, and the column
# of the first-call split each belongs to: TF 1.x builds a graph and creates a Session; torch.export
# exports then unlifts; Dynamo traces bytecode, then a backend compiles (its AOT step is inside
# that). Counters that hold others (dynamo_s, aot_s) or are the call itself (call_s, run_s,
# first_run_s) are not phases of their own.
PHASES: dict[str, tuple[str, str]] = {
    "trace_s": ("trace", "trace"), "export_s": ("export", "trace"),
    "bytecode_tracing_s": ("Dynamo tracing", "trace"), "script_s": ("script", "trace"),
    "lower_s": ("lower", "lower"), "unlift_s": ("unlift", "lower"),
    "compile_s": ("compile", "compile"), "session_s": ("Session", "compile"),
    "backend_compile_s": ("backend compile", "compile"),
}
SPLIT_COLUMNS = ("trace", "lower", "compile")
# jit.script compiles when the variant is prepared, before its first call starts.
BEFORE_FIRST_CALL = frozenset({"script_s"})


@dataclass(frozen=True)
class Phase:
    key: str
    name: str        # the system's own name for it
    column: str      # trace | lower | compile
    seconds: float
    in_first_call: bool


@dataclass(frozen=True)
class FirstCallSplit:
    first_s: float
    phases: tuple[Phase, ...]

    @property
    def rest_s(self) -> float:
        """What the named phases inside the first call leave: running, optimising, the rest."""
        return max(self.first_s - sum(p.seconds for p in self.phases if p.in_first_call), 0.0)

    def column(self, name: str) -> float | None:
        found = [p.seconds for p in self.phases if p.column == name]
        return sum(found) if found else None


@dataclass(frozen=True)
class GraphReport:
    """What a graph-capturing tool reported: Dynamo's explain (graphs, breaks and their reasons),
    or the exported program (nodes and control-flow operators; an export has no breaks)."""
    graphs: int | None = None
    graph_breaks: int | None = None
    break_reasons: tuple[str, ...] = ()
    nodes: int | None = None
    control_flow_ops: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: dict | None) -> "GraphReport | None":
        if not isinstance(data, dict) or not data:
            return None
        known, _ = _known(cls, data)
        known["break_reasons"] = tuple(str(r) for r in known.get("break_reasons") or ())
        if known.get("control_flow_ops") is not None:
            known["control_flow_ops"] = tuple(str(o) for o in known["control_flow_ops"])
        return cls(**known)

    @property
    def has_breaks(self) -> bool:
        return self.graph_breaks is not None

    def summary(self) -> str:
        if self.has_breaks:
            return f"graphs: {self.graphs}, graph breaks: {self.graph_breaks}"
        ops = ", ".join(self.control_flow_ops or ()) or "none"
        return f"nodes: {self.nodes}, control-flow operators: {ops}"


@dataclass
class Timing:
    first_call_s: float | None = None
    second_call_s: float | None = None
    steady_median_s: float | None = None
    repeats: int | None = None
    split: dict = field(default_factory=dict)  # trace_s, lower_s, compile_s, ... as measured

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "split"}
        out.update(self.split)
        return out

    def first_call_split(self) -> FirstCallSplit | None:
        """The first call's named phases, or None where the system names none."""
        phases = tuple(Phase(key, name, column, float(self.split[key]), key not in BEFORE_FIRST_CALL)
                       for key, (name, column) in PHASES.items()
                       if isinstance(self.split.get(key), (int, float)) and self.split[key] > 0)
        if not phases or not self.first_call_s:
            return None
        return FirstCallSplit(self.first_call_s, phases)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Timing":
        known, rest = _known(cls, data or {})
        known.pop("split", None)
        return cls(**known, split=rest)


@dataclass
class Run:
    """One variant of one scenario in one system."""
    system: str
    framework: str
    variant: str
    mode: str               # static | dynamic: whether the system builds a graph first
    mode_name: str          # the system's display label
    function: str
    file: str
    status: str             # ok | error | wrong | unavailable | crashed | timeout | interrupted
    reason: str | None = None
    max_abs_err: float | None = None
    compiles: int | None = None
    counter: str | None = None  # what `compiles` counts (the registry's word): for the readings
    error: ErrorAnatomy | None = None
    wrong: dict | None = None
    timing: Timing = field(default_factory=Timing)
    calls: int | None = None
    call_times_s: list = field(default_factory=list)
    call_compiles: list = field(default_factory=list)
    call_graph_runs: list = field(default_factory=list)  # torch.compile: graphs run per call (0: eager)
    retrace_reasons: list = field(default_factory=list)  # [{call, category, detail, source}]
    call_errors: list = field(default_factory=list)
    printed: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    signals: list = field(default_factory=list)  # what the framework said that changes the run's meaning
    capture: dict | None = None  # how the system's tool took the variant (backend, strict, ...)
    graph_report: dict | None = None
    code: dict | None = None
    expected: dict | None = None
    expect_ok: bool = False
    # Measured by a scenario's probe (null in the other scenarios).
    bridge: dict | None = None       # numpy-bridge: {from_numpy, to_numpy, in_graph, in_graph_error, ...}
    lifetime: dict | None = None     # graph-lifetime: {second_backward, second_backward_error,
                                     #   retain_graph, record_cost_s, ...}
    breakpoints: list | None = None  # debugger: [{call, stopped, seen, repr, ...}] per call
    extra: dict = field(default_factory=dict)  # the scenario's own fields (annotate, describe_calls)

    def __post_init__(self):
        if self.counter is None and self.system in systems.BY_ID:
            self.counter = systems.BY_ID[self.system].counter

    @property
    def graphs(self) -> GraphReport | None:
        """The graph report, typed: what every view reads (the JSON keeps the tool's own keys)."""
        return GraphReport.from_dict(self.graph_report)

    @property
    def first_call(self) -> FirstCallSplit | None:
        """The first call's named phases (Timing.first_call_split), for every view alike."""
        return self.timing.first_call_split()

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("extra",)}
        out["timing"] = self.timing.to_dict()
        out["error"] = asdict(self.error) if self.error is not None else None
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Run":
        known, rest = _known(cls, data)
        known.pop("extra", None)
        known["timing"] = Timing.from_dict(known.get("timing"))
        known["error"] = ErrorAnatomy.from_dict(known.get("error"))
        return cls(**known, extra=rest)

    @classmethod
    def placeholder(cls, *, system: str, framework: str, variant: str, mode: str, mode_name: str,
                    function: str, file: str, status: str, reason: str | None) -> "Run":
        return cls(system=system, framework=framework, variant=variant, mode=mode,
                   mode_name=mode_name, function=function, file=file, status=status, reason=reason)


@dataclass
class WorkerResult:
    """What one framework's worker returned for one scenario (or why it returned nothing)."""
    framework: str
    status: str             # ok | unavailable | crashed | timeout | interrupted
    reason: str | None = None
    install: str | None = None
    stderr_tail: list | None = None
    last_stage: str | None = None
    wall_s: float | None = None
    info: dict = field(default_factory=dict)
    log: str = ""           # what the worker printed during this scenario, capped (head and tail)
    worker_pid: int | None = None  # the worker process that ran this scenario

    def to_dict(self, with_log: bool = True) -> dict:
        out = asdict(self)
        if not with_log:
            out.pop("log")
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "WorkerResult":
        return cls(**_known(cls, data)[0])


@dataclass
class CompareDoc:
    scenario: str
    seed: int
    title: str
    claim: str
    lesson: str
    device: str
    systems: list[str]
    versions: dict
    environment: dict
    tolerances: dict
    frameworks: dict[str, WorkerResult]
    runs: list[Run]
    code: dict
    inputs: dict            # the scenario's describe_calls(), once
    verdicts: list[str]
    takeaways: list[str]
    drift: list[dict]
    interrupted: bool
    exit_code: int
    schema: int = SCHEMA_VERSION
    reading_errors: list[str] = field(default_factory=list)  # the spec's own readings that failed

    def to_dict(self, with_logs: bool = True) -> dict:
        out = {"schema": self.schema, "scenario": self.scenario, "seed": self.seed,
               "title": self.title, "claim": self.claim, "lesson": self.lesson,
               "device": self.device, "systems": self.systems, "versions": self.versions,
               "environment": self.environment, "tolerances": self.tolerances,
               "frameworks": {k: v.to_dict(with_logs) for k, v in self.frameworks.items()},
               "runs": [r.to_dict() for r in self.runs], "code": self.code}
        out.update(self.inputs)  # the scenario's input description, at the top level as before
        out.update({"verdicts": self.verdicts, "takeaways": self.takeaways, "drift": self.drift,
                    "reading_errors": self.reading_errors,
                    "interrupted": self.interrupted, "exit_code": self.exit_code})
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "CompareDoc":
        """`to_dict`'s inverse: a document `lab compare --json` printed, typed again. The keys that
        are no field of the document are the scenario's input description (`inputs`)."""
        known, inputs = _known(cls, data)
        known.pop("inputs", None)
        known["frameworks"] = {fw: WorkerResult.from_dict(w) for fw, w in known.get("frameworks", {}).items()}
        known["runs"] = [Run.from_dict(r) for r in known.get("runs", [])]
        return cls(**known, inputs=inputs)


@dataclass
class VerifyRow:
    scenario: str
    system: str
    framework: str
    variant: str
    quantity: str           # forward | gradient | forward (pairwise) | gradient (pairwise) | outcome
    status: str             # pass | fail | not differentiable | drift | unavailable | timeout
    max_abs_err: float | None = None
    tolerance: dict | None = None
    case: Any = None
    detail: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "VerifyRow":
        row = cls(**_known(cls, data)[0])
        if data.get("max_abs_err_note"):  # strict JSON wrote a NaN or infinite error as null
            row.max_abs_err = float(data["max_abs_err_note"])
        return row


def _with_rows(cls, data: dict, key: str, row):
    """A command's report typed again from its JSON form: its list `key` read by `row`."""
    known, _ = _known(cls, data)
    known[key] = [row(r) for r in known.get(key, [])]
    return cls(**known)


@dataclass
class VerifyReport:
    """`lab verify`: one row per (scenario, system, variant, quantity), and how the run ended."""
    scenarios: list[str]
    systems: list[str]
    device: str
    examples_per_scenario: int
    cases: dict[str, int]   # inputs checked per scenario (0: the spec's own code raised)
    workers: dict[str, dict]  # each framework's worker as it ended (status, reason, ...), no log
    results: list[VerifyRow]
    exit_code: int
    skipped: list[str] = field(default_factory=list)  # requested specs that could not be loaded

    def rows(self, scenario: str) -> list[VerifyRow]:
        return [r for r in self.results if r.scenario == scenario]

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["results"] = [r.to_dict() for r in self.results]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "VerifyReport":
        return _with_rows(cls, data, "results", VerifyRow.from_dict)


@dataclass
class FrameworkProbe:
    """`lab doctor`: what one framework's probe worker found, and how to install what is missing."""
    framework: str
    status: str             # ok | unavailable | crashed | timeout | interrupted
    version: str | None = None
    devices: list[str] | None = None
    device_used: str | None = None
    threads: dict | None = None  # {intra_op, inter_op, ...} as the framework reports them
    import_s: float | None = None
    reason: str | None = None
    stderr_tail: list | None = None
    install: str | None = None   # only where the probe did not pass
    gpu_install: str | None = None


@dataclass
class DoctorReport:
    python: str
    nvidia_gpus: list[str]
    device_requested: str
    threads_requested: int
    omp_num_threads_env: str | None
    frameworks: list[FrameworkProbe]
    interrupted: bool
    exit_code: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DoctorReport":
        return _with_rows(cls, data, "frameworks", lambda f: FrameworkProbe(**_known(FrameworkProbe, f)[0]))


@dataclass
class CheckRow:
    check: str
    status: str             # pass | warn | fail
    detail: str


@dataclass
class CheckReport:
    """`lab check`: every check of one scenario before its first run."""
    scenario: str
    checks: list[CheckRow]
    exit_code: int          # 1 on any fail, 2 when there is no such scenario file

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CheckReport":
        return _with_rows(cls, data, "checks", lambda r: CheckRow(**_known(CheckRow, r)[0]))
