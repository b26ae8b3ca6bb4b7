"""Shared fixtures. Worker runs are expensive (TensorFlow alone imports in ~4 s), so each
scenario's `lab compare --json` runs once per test session and every test reads that document."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.strict_json import loads_strict
from compare.discovery import discover

ROOT = Path(__file__).resolve().parent.parent
# The speed scenario's short sweep (two sizes, compiles still paid) for every run in the suite;
# tests/test_speed.py checks the full sweep's shape from the spec without running it.
os.environ.setdefault("LAB_SWEEP", "short")
SCENARIOS = [s.name for s in discover()[0]]
from compare.systems import DEFAULT, FRAMEWORK_NAMES, get as system

FRAMEWORKS = FRAMEWORK_NAMES
# Each framework's system in the design card's default trio.
NATIVE = {system(s).framework: s for s in DEFAULT}

_cache: dict = {}


def invoke(args: list[str], env: dict | None = None):
    """Run the CLI in-process through typer's CliRunner (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, args, env=env)


def compare_json(name: str, *extra: str) -> dict:
    key = (name, extra)
    if key not in _cache:
        result = invoke(["compare", name, "--json", "--repeats", "3", *extra])
        assert result.stdout.strip(), f"no JSON; stderr: {result.stderr}"
        doc = loads_strict(result.stdout)  # as strict as JavaScript's JSON.parse: no NaN, no Infinity
        doc["_exit_code"] = result.exit_code
        _cache[key] = doc
    return _cache[key]


@pytest.fixture(scope="session")
def compare_doc():
    """compare_doc(name, *extra_args) -> the run's JSON document, run once per session."""
    return compare_json


def run_lab(args: list[str], env: dict | None = None, timeout: float = 600, cwd=None):
    """`python -m lab ...` in a subprocess: what a user's shell sees."""
    return subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True,
                          timeout=timeout, env=env or dict(os.environ), cwd=cwd or ROOT)


def runs_of(doc: dict, framework: str | None = None, variant: str | None = None) -> list[dict]:
    """Runs of one framework or one system id (a framework's labels are distinct across its
    systems), optionally of one variant label."""
    return [r for r in doc["runs"] if (framework is None or framework in (r["framework"], r["system"]))
            and (variant is None or r["variant"] == variant)]
