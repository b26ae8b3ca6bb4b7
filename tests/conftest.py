"""Shared fixtures. Worker runs are expensive (TensorFlow alone imports in ~4 s), so each
scenario's `lab compare --json` runs once per test session, in every system, and every test reads
its selection from that run (tests/_docs.py)."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Every worker run of the session (in this process or a `python -m lab` child) appends a line
# here (lab/runner.py); the summary at the end counts them. Set before lab.runner is imported.
# Kept where LAB_RUN_LOG names a file; otherwise a scratch file, removed after the summary.
KEEP_RUN_LOG = "LAB_RUN_LOG" in os.environ
RUN_LOG = os.environ.setdefault("LAB_RUN_LOG", os.path.join(
    os.environ.get("TMPDIR", "/tmp"), f"lab-test-runs.{os.getpid()}.jsonl"))

from _docs import compare_json, invoke, printed, serving
from compare.discovery import discover

ROOT = Path(__file__).resolve().parent.parent
# The speed scenario's short sweep (two sizes, compiles still paid) for every run in the suite;
# tests/test_speed.py checks the full sweep's shape from the spec without running it.
os.environ.setdefault("LAB_SWEEP", "short")
SCENARIOS = [s.name for s in discover()[0]]
from compare.systems import DEFAULT, FRAMEWORK_NAMES, IDS as SYSTEMS, get as system

FRAMEWORKS = FRAMEWORK_NAMES
# Each framework's system in the design card's default trio.
NATIVE = {system(s).framework: s for s in DEFAULT}


@pytest.fixture(scope="session")
def compare_doc():
    """compare_doc(name, *extra_args) -> the JSON document of `lab compare name --json --repeats 3
    *extra_args`, from the session's one worker run of that scenario (tests/_docs.py)."""
    return compare_json


@pytest.fixture(scope="session")
def compare_run():
    """compare_run(name, *extra_args) -> what that very command printed, run once per session:
    for the tests that check the command itself, not only the runs it reports."""
    return printed


@pytest.fixture()
def served():
    """In-process commands read their runs from the session's shared documents (_docs.serving)."""
    with serving():
        yield


@pytest.fixture()
def altered(doc):
    """A private copy of the module's `doc` to alter: the shared document stays as the run made it."""
    return copy.deepcopy(doc)


def run_lab(args: list[str], env: dict | None = None, timeout: float = 600, cwd=None):
    """`python -m lab ...` in a subprocess: what a user's shell sees."""
    return subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True,
                          timeout=timeout, env=env or dict(os.environ), cwd=cwd or ROOT)


def runs_of(doc: dict, framework: str | None = None, variant: str | None = None) -> list[dict]:
    """Runs of one framework or one system id (a framework's labels are distinct across its
    systems), optionally of one variant label."""
    return [r for r in doc["runs"] if (framework is None or framework in (r["framework"], r["system"]))
            and (variant is None or r["variant"] == variant)]


# Tests that read every scenario's shared run: where the session collected any, the shared runs
# of all scenarios are made at once (tests/_docs.py BATCH); a narrower session runs only its own.
READS_EVERY_SCENARIO = ("test_claims.py", "test_claim_sides.py", "test_matrix.py")


def pytest_collection_modifyitems(config, items):
    import _docs
    if any(item.path.name in READS_EVERY_SCENARIO for item in items):
        _docs.BATCH[:] = SCENARIOS


def pytest_terminal_summary(terminalreporter):
    """How many worker runs the session started and their wall time, slowest tests first."""
    try:
        with open(RUN_LOG) as fh:
            runs = [json.loads(line) for line in fh]
    except OSError:
        return
    if not KEEP_RUN_LOG:
        os.remove(RUN_LOG)
    by_test: dict[str, list] = {}
    for run in runs:
        by_test.setdefault(run["test"] or "(outside a test)", []).append(run["wall_s"])
    write = terminalreporter.write_line
    write(f"worker runs: {len(runs)}, {sum(r['wall_s'] for r in runs):.0f} s of wall time"
          + (f" (log: {RUN_LOG})" if KEEP_RUN_LOG else ""))
    for test, walls in sorted(by_test.items(), key=lambda kv: -sum(kv[1]))[:15]:
        write(f"  {sum(walls):6.1f} s  {len(walls)} run(s)  {test}")
