"""Validate what the user typed. Every failure is a LabError naming the valid choices."""
from __future__ import annotations

import difflib
import os

from compare import discovery, systems
from lab.devices import DEVICES, nvidia_gpus
from lab.errors import LabError

MODE_CHOICES = ("default", "static", "dynamic", "all")


def _loadable(warn) -> list[str]:
    """Every scenario that loads; one warning line for each one that doesn't."""
    found, problems = discovery.discover()
    for problem in problems:
        warn(f"skipped {problem}")
    return [s.name for s in found]


def scenario_names(requested: list[str] | None, warn=None) -> list[str]:
    """The scenarios a command runs. With none or `all`: every one that loads (broken ones are
    skipped with a warning); a named one must exist and load (else exit 2 with the problem)."""
    warn = warn or (lambda line: None)
    known = discovery.names()
    if not requested or "all" in requested:
        return _loadable(warn)
    out = []
    for name in requested:
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise LabError(f"unknown scenario '{name}'.{hint} Valid: {', '.join(known)}.")
        try:
            discovery.get(name)
        except discovery.SpecError as exc:
            raise LabError(f"scenario '{name}' cannot be used: {exc}") from None
        out.append(name)
    return out


def _choices(text: str, flag: str, valid: tuple[str, ...], what: str) -> list[str]:
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise LabError(f"malformed {flag} '{text}': give a comma-separated list of {', '.join(valid)}.")
    for p in parts:
        if p not in valid:
            near = difflib.get_close_matches(p, valid, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise LabError(f"unknown {what} '{p}'.{hint} Valid: {', '.join(valid)}.")
    if len(set(parts)) != len(parts):
        raise LabError(f"malformed {flag} '{text}': a {what} is listed twice.")
    return parts


def system_ids(systems_text: str | None, frameworks_text: str, modes_text: str) -> list[str]:
    """--systems wins; else --frameworks and --modes mapped onto systems (the old flags)."""
    if systems_text:
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


def positive(value: float, flag: str) -> None:
    if value is None or value <= 0:
        raise LabError(f"{flag} must be a positive number, got {value}.")


def device(text: str) -> str:
    if text not in DEVICES:
        raise LabError(f"unknown device '{text}'. Valid: {', '.join(DEVICES)}.")
    if text == "cuda" and not nvidia_gpus():
        raise LabError("--device cuda: no NVIDIA GPU found on this machine (nvidia-smi sees none). "
                       "Use --device cpu or --device auto.")
    return text


def writable(path: str, flag: str, suffixes: tuple[str, ...] | None = None) -> str:
    if suffixes and not path.lower().endswith(suffixes):
        raise LabError(f"{flag} '{path}': unknown format. Valid endings: {', '.join(suffixes)}.")
    if os.path.isdir(path):
        raise LabError(f"{flag} '{path}': is a folder, not writable as a file.")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise LabError(f"{flag} '{path}': folder {parent} does not exist.")
    if not os.access(parent, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise LabError(f"{flag} '{path}': not writable.")
    return path
