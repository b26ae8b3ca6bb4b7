"""Validate what the user typed. Every failure is a LabError naming the valid choices."""
from __future__ import annotations

import difflib
import os

from lab import discovery
from lab.devices import DEVICES, nvidia_gpus
from lab.errors import LabError

MODE_CHOICES = ("default", "static", "dynamic", "all")


def scenario_names(requested: list[str] | None) -> list[str]:
    known = discovery.names()
    if not requested:
        return [s.name for s in discovery.discover()]
    out = []
    for name in requested:
        if name == "all":
            return [s.name for s in discovery.discover()]
        if name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise LabError(f"unknown scenario '{name}'.{hint} Valid: {', '.join(known)}.")
        out.append(name)
    return out


def frameworks(text: str) -> list[str]:
    valid = discovery.FRAMEWORKS
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise LabError(f"malformed --frameworks '{text}': give a comma-separated list of "
                       f"{', '.join(valid)}.")
    for p in parts:
        if p not in valid:
            near = difflib.get_close_matches(p, valid, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise LabError(f"unknown framework '{p}'.{hint} Valid: {', '.join(valid)}.")
    if len(set(parts)) != len(parts):
        raise LabError(f"malformed --frameworks '{text}': a framework is listed twice.")
    return [fw for fw in valid if fw in parts]  # the fixed order, whatever was typed


def modes(text: str) -> dict[str, list[str]]:
    """{framework: [modes]} for --modes default|static|dynamic|all."""
    if text not in MODE_CHOICES:
        raise LabError(f"unknown mode '{text}'. Valid: {', '.join(MODE_CHOICES)}.")
    if text == "default":
        return {fw: list(m) for fw, m in discovery.DEFAULT_MODES.items()}
    if text == "all":
        return {fw: list(discovery.MODES) for fw in discovery.FRAMEWORKS}
    return {fw: [text] for fw in discovery.FRAMEWORKS}


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
