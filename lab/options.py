"""Validate what the user typed. Every failure is a LabError naming the valid choices."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from compare import discovery, systems
from lab.devices import DEVICES, nvidia_gpus
from lab.errors import LabError

MODE_CHOICES = ("default", "static", "dynamic", "all")


@dataclass
class Picked:
    """The scenarios a command runs, and one line per requested one skipped because its spec
    is broken (lab/selection.py folds a skip into the exit code)."""
    names: list[str]
    skipped: list[str] = field(default_factory=list)
    specs: list = field(default_factory=list)  # the specs loaded to check them: nothing loads them again


def scenarios(requested: list[str] | None, warn=None) -> Picked:
    """With none or `all`: every scenario. A name must exist (else exit 2, with the nearest
    name). A broken spec costs itself alone: one warning line, skipped. Nothing left to run
    is exit 2."""
    warn = warn or (lambda line: None)
    if not requested or "all" in requested:
        found, problems = discovery.discover()  # in the lab's order, as `lab list` shows it
        picked = Picked([s.name for s in found], [str(p) for p in problems], found)
    else:
        known = discovery.names()
        for name in requested:
            _known(name, known)
        picked = Picked([])
        for name in dict.fromkeys(requested):
            try:
                picked.specs.append(discovery.get(name))
                picked.names.append(name)
            except discovery.SpecError as exc:
                picked.skipped.append(str(exc))
    for problem in picked.skipped:
        warn(f"skipped {problem}")
    if not picked.names:
        raise LabError(f"no scenario to run: {picked.skipped[0]}" if len(picked.skipped) == 1
                       else f"no scenario to run: all {len(picked.skipped)} specs are broken (see above).")
    return picked


def scenario(name: str, command: str) -> str:
    """The one scenario of `lab compare` or `lab diff`: it must exist and load (else exit 2)."""
    return spec(name, command).name


def spec(name: str, command: str) -> discovery.Scenario:
    """scenario(), returning the spec it loaded, so that a command loads it once (the session
    takes it as it is)."""
    if not isinstance(name, str):
        raise LabError(f"scenario: give a scenario name as a string, got {name!r}. "
                       f"Valid: {', '.join(discovery.names())}.")
    if name == "all":
        raise LabError(f"`lab {command}` takes one scenario; for every scenario run `lab report` "
                       f"(or `lab demo`). Valid: {', '.join(discovery.names())}.")
    _known(name, discovery.names())
    try:
        return discovery.get(name)
    except discovery.SpecError as exc:
        raise LabError(f"scenario '{name}' cannot be used: {exc}") from None


def _unknown(what: str, name: str, valid) -> LabError:
    """`unknown <what> 'x'. Did you mean 'y'? Valid: ...` (difflib only on this error path)."""
    import difflib
    near = difflib.get_close_matches(name, valid, n=1)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    return LabError(f"unknown {what} '{name}'.{hint} Valid: {', '.join(valid)}.")


def _known(name: str, known: list[str]) -> None:
    if name not in known:
        raise _unknown("scenario", name, known)


def _choices(text: str, flag: str, valid: tuple[str, ...], what: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise LabError(f"malformed {flag} '{text}': give a comma-separated list of {', '.join(valid)}.")
    for p in parts:
        if p not in valid:
            raise _unknown(what, p, valid)
    if len(set(parts)) != len(parts):
        raise LabError(f"malformed {flag} '{text}': a {what} is listed twice.")
    return parts


def system_ids(systems_text: str | None, frameworks_text: str, modes_text: str) -> list[str]:
    """--systems wins; else --frameworks and --modes mapped onto systems (the old flags)."""
    if systems_text is not None:  # an empty list is an error, not the default
        if systems_text.strip() == "all":
            return list(systems.IDS)
        valid = systems.IDS + tuple(systems.FAMILIES)  # a family id means all its systems
        return systems.ordered(systems.expand(_choices(systems_text, "--systems", valid, "system")))
    fws = frameworks(frameworks_text)
    if modes_text not in MODE_CHOICES:
        raise LabError(f"unknown mode '{modes_text}'. Valid: {', '.join(MODE_CHOICES)}.")
    chosen = systems.from_modes(fws, modes_text)
    if not chosen:
        raise LabError(f"--frameworks {frameworks_text} --modes {modes_text} selects no system.")
    return chosen


def frameworks(text: str) -> list[str]:
    valid = systems.FRAMEWORK_NAMES
    parts = _choices(text, "--frameworks", valid, "framework")
    return [fw for fw in valid if fw in parts]  # the fixed order, whatever was typed


# Sane ranges: each bound is far beyond any real use, and well short of what breaks a worker
# (10**23 repeats runs until the timeout; 10**23 threads crash libgomp).
MOST = {"--repeats": 1000, "--threads": 256, "--timeout": 86400.0, "--auto": 3600.0}


def count(value, flag: str) -> int:
    """A whole number from 1 to MOST[flag] (`--repeats`, `--threads`)."""
    most = MOST["--" + flag.lstrip("-")]  # the API names them without the dashes
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise LabError(f"{flag} must be a whole number from 1 to {most}, got {value!r}.")
    return value


def seconds(value, flag: str, zero: bool = False) -> float:
    """A finite number of seconds up to MOST[flag], above zero (or zero itself where `zero`):
    nan and inf are refused here, since a nan timeout never fires."""
    most = MOST["--" + flag.lstrip("-")]  # the API names them without the dashes
    ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
          and (value >= 0 if zero else value > 0) and value <= most)
    if not ok:
        least = "zero or more" if zero else "above zero"
        raise LabError(f"{flag} must be a number of seconds, {least} and at most {most:g}, got {value!r}.")
    return float(value)


def device(text: str) -> str:
    if not isinstance(text, str) or text not in DEVICES:
        raise LabError(f"unknown device {text!r}. Valid: {', '.join(DEVICES)}.")
    if text == "cuda" and not nvidia_gpus():
        raise LabError("--device cuda: no NVIDIA GPU found on this machine (nvidia-smi sees none). "
                       "Use --device cpu or --device auto.")
    return text


def writable(path: str, flag: str, suffixes: tuple[str, ...] | None = None) -> str:
    """A file the lab can write (beside it, then renamed over it: lab/atomic.py), checked before
    any worker starts by creating and removing a file in its folder, which is what counts: as
    root, os.access says yes to /proc and to a read-only mount."""
    if not path.strip():
        raise LabError(f"{flag}: give a file name, got '{path}'.")
    if suffixes and not path.lower().endswith(suffixes):
        raise LabError(f"{flag} '{path}': unknown format. Valid endings: {', '.join(suffixes)}.")
    if os.path.isdir(path):
        raise LabError(f"{flag} '{path}': is a folder, not writable as a file.")
    _probe(os.path.dirname(os.path.abspath(path)), flag, path)
    return path


def report_folder(path: str, flag: str, owned: tuple[str, ...]) -> str:
    """A folder `lab report` may replace as a whole: new, empty, or holding only report files
    (`owned`); never a folder with other files in it, which the replacement would delete."""
    if not path.strip():
        raise LabError(f"{flag}: give a folder name, got '{path}'.")
    if os.path.exists(path) and not os.path.isdir(path):
        raise LabError(f"{flag} '{path}': exists and is not a folder.")
    if os.path.isdir(path):
        others = sorted(set(os.listdir(path)) - set(owned))
        if others:
            raise LabError(f"{flag} '{path}': holds files that are not a lab report's ({', '.join(others[:3])}"
                           f"{', ...' if len(others) > 3 else ''}); the report replaces the whole folder, "
                           "so name a new one.")
    _probe(os.path.dirname(os.path.abspath(path)), flag, path)
    return path


def _probe(folder: str, flag: str, path: str) -> None:
    if not os.path.isdir(folder):
        raise LabError(f"{flag} '{path}': folder {folder} does not exist.")
    import tempfile
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".lab-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise LabError(f"{flag} '{path}': not writable ({exc.strerror or exc}).") from None


def with_eager(scenario):
    """`lab diff` sets each file against the eager baseline's: without that file, exit 2."""
    if not scenario.has_impl(systems.EAGER_BASELINE):
        raise LabError(f"scenario '{scenario.name}' has no eager file "
                       f"{scenario.rel_file(systems.EAGER_BASELINE)} to set the others against.")
    return scenario
