"""Every file the lab writes goes through here: written beside its target, then renamed over it.

A full disk, a read-only remount or Ctrl-C mid-write leaves the earlier file (or report folder)
as it was, never a truncated or mixed one. A run that was interrupted writes under a name of its
own (`partial_name`), so it never replaces a good report either.
"""
from __future__ import annotations

import os
import shutil
import tempfile

from lab.errors import FAILED, LabError

PARTIAL = "interrupted"


def partial_name(path: str, folder: bool = False) -> str:
    """Where an interrupted run's output goes: `report.html` -> `report.interrupted.html`,
    `lab-report` (a folder) -> `lab-report.interrupted`. Only the last name changes."""
    parent, name = os.path.split(os.path.normpath(path))
    stem, dot, suffix = (name, "", "") if folder else name.partition(".")
    return os.path.join(parent, f"{stem}.{PARTIAL}{dot}{suffix}")


def _failed(path: str, exc: OSError) -> LabError:
    return LabError(f"cannot write {path}: {exc.strerror or exc}; the earlier file is unchanged.", FAILED)


def write(path: str, data: str | bytes) -> str:
    """`data` into `path`, whole or not at all."""
    try:
        _write(path, data)
    except OSError as exc:
        raise _failed(path, exc) from None
    return path


def _write(path: str, data: str | bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for sharing
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def replace_folder(out_dir: str, files: dict[str, str | bytes]) -> list[str]:
    """A folder holding exactly `files` ({name: content}) at `out_dir`, replacing any earlier one
    as a whole: built beside it, then swapped in by two renames (the old one is restored if the
    second fails)."""
    out_dir = os.path.normpath(out_dir)
    parent, name = os.path.split(os.path.abspath(out_dir))
    staging = old = None
    try:
        staging = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".tmp")
        for file, data in files.items():
            _write(os.path.join(staging, file), data)
        os.chmod(staging, 0o755)
        if os.path.isdir(out_dir):
            old = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".old")
            os.rename(out_dir, os.path.join(old, name))
        try:
            os.rename(staging, out_dir)
        except OSError:
            if old:
                os.rename(os.path.join(old, name), out_dir)
            raise
        staging = None
    except OSError as exc:
        raise _failed(out_dir, exc) from None
    finally:
        for leftover in (staging, old):
            if leftover:
                _remove(leftover)
    return [os.path.join(out_dir, file) for file in files]


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError:
        pass
