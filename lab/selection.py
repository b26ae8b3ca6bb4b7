"""What a command runs, parsed once for both faces: the scenarios, the systems, and how
(device, repeats, threads, timeout).

The CLI hands over its option strings, the API its arguments (a list of ids or the CLI's
comma-separated string); both get the same checks, in the same order, with the same one-line
messages (lab/options.py). Flags are named as the face names them: `--repeats` on the command
line, `repeats` in Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from compare import systems as registry
from lab import errors, options
from lab.errors import LabError

ALL_FRAMEWORKS = ",".join(registry.FRAMEWORK_NAMES)
# Which systems a command runs when none are named: the design card's trio, or every system
# (`lab claims` and `lab report` show then, TF 1.x, against now).
TRIO, EVERY = "trio", "every"


@dataclass(frozen=True)
class Selection:
    """The parsed choice. `scenarios` is empty for the one-scenario commands (compare, diff);
    `skipped` holds one line per requested scenario whose spec is broken."""
    systems: list[str]
    device: str = "cpu"
    repeats: int = 1
    threads: int = 1
    timeout: float = 300.0
    scenarios: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    specs: list = field(default_factory=list)  # the scenarios' specs, loaded once to check them

    def to_run(self) -> list:
        """What the session runs: the specs loaded here (none is loaded twice), else the names."""
        return self.specs or self.scenarios

    def run_kwargs(self) -> dict:
        """The keyword arguments of lab.session.run_many and lab.verify.verify."""
        return {"systems_": self.systems, "repeats": self.repeats, "device": self.device,
                "threads": self.threads, "timeout": self.timeout}

    def fold(self, code: int) -> int:
        """A skipped scenario makes the exit code at least 1: a run that left out a scenario it
        was asked for never passes as complete."""
        return errors.worst([code, errors.FAILED if self.skipped else errors.OK])


def ids_text(value, flag: str) -> str | None:
    """A list of ids, or the CLI's comma-separated string, as the CLI's string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise LabError(f"{flag}: give a list of ids such as {list(registry.DEFAULT)}, got {value!r}.")


def system_ids(systems=None, frameworks=None, modes=None, *, default: str = TRIO, dashes: str = "--") -> list[str]:
    """--systems wins; else --frameworks and --modes; else the command's default: the trio, or
    every system. Either of --frameworks and --modes narrows "every system" (`lab claims
    --frameworks jax` runs jax's default systems); their defaults (all frameworks, default
    mode), typed or not, do not."""
    systems_text = ids_text(systems, dashes + "systems")
    frameworks_text = ids_text(frameworks, dashes + "frameworks")
    frameworks_text = ALL_FRAMEWORKS if frameworks_text is None else frameworks_text
    modes = "default" if modes is None else modes
    if systems_text is None and frameworks_text == ALL_FRAMEWORKS and modes == "default" and default == EVERY:
        return list(registry.IDS)
    return options.system_ids(systems_text, frameworks_text, modes)


def diff_ids(systems=None, frameworks=None, *, dashes: str = "--") -> list[str]:
    """`lab diff`: the static systems set against the eager baseline (the left-hand side)."""
    ids = [s for s in system_ids(systems, frameworks, dashes=dashes) if s != registry.EAGER_BASELINE]
    if not ids:
        others = ", ".join(i for i in registry.IDS if i != registry.EAGER_BASELINE)
        raise LabError(f"--systems: name one or more of {others}; {registry.EAGER_BASELINE} is the left-hand side.")
    return ids


def scenario_names(names, warn=None):
    """The scenarios of a many-scenario command: None or [] for all; a name, or a list of them."""
    if names is None or isinstance(names, str):
        names = [names] if names else []
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise LabError(f"scenarios: give a list of scenario names, got {names!r}.")
    return options.scenarios(list(names), warn=warn)


def parse(*, scenarios=None, many: bool = False, systems=None, frameworks=None, modes=None,
          default: str = TRIO, device="cpu", repeats=1, threads=1, timeout=300.0,
          dashes: str = "--", warn=None) -> Selection:
    """Every check, once, before any worker starts: a bad value is a LabError (exit 2).
    `many`: `scenarios` lists the scenarios to run (none: all); else no scenario is picked here."""
    picked = scenario_names(scenarios, warn) if many else None
    options.count(repeats, dashes + "repeats")
    options.seconds(timeout, dashes + "timeout")
    options.count(threads, dashes + "threads")
    ids = system_ids(systems, frameworks, modes, default=default, dashes=dashes)
    return Selection(systems=ids, device=options.device(device), repeats=repeats, threads=threads,
                     timeout=float(timeout), scenarios=picked.names if picked else [],
                     skipped=picked.skipped if picked else [], specs=picked.specs if picked else [])
