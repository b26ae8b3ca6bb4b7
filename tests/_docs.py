"""The session's `lab compare --json` documents: each worker run once, each selection read from
the broadest run that holds it, and private copies for the tests that alter one.

A worker run costs 5-20 s, so the suite runs each scenario once, in every system (test_claims
grades them all anyway), and a narrower selection with the same other options is assembled from
that run by the code `lab compare` assembles with (lab.session.assemble): its own systems, code
table, verdicts, takeaways, drift and exit code, from the runs the broader worker run measured.
test_matrix checks that such a document is the one the narrower command prints.
"""
from __future__ import annotations

import contextlib
import copy

import pytest
from typer.testing import CliRunner

from lab.cli import app
from lab.strict_json import dumps, loads_strict

STANDARD = ("--repeats", "3")              # every shared run's options, before the test's own
SELECTION = ("--systems", "--frameworks", "--modes")

_printed: dict[tuple, dict] = {}           # (name, args) -> the document that command printed
_read: dict[tuple, dict] = {}              # (name, options, systems) -> the document for them
# Scenarios whose shared `--systems all` runs are made up front, two at a time (conftest sets it
# when the session's tests read every scenario). A run's workers take turns at its timing lock, so
# one run keeps one core busy; two runs side by side use both cores of a 2-core machine.
BATCH: list[str] = []


def invoke(args: list[str], env: dict | None = None):
    """Run the CLI in-process through typer's CliRunner (stdout and stderr kept apart)."""
    return CliRunner().invoke(app, args, env=env)


def printed(name: str, *args: str) -> dict:
    """`lab compare NAME --json --repeats 3 ARGS`, run once per session: the command's own
    document, with the exit code it ended with as `_exit_code`."""
    key = (name, args)
    if key not in _printed:
        result = invoke(["compare", name, "--json", *STANDARD, *args])
        assert result.stdout.strip(), f"no JSON; stderr: {result.stderr}"
        doc = loads_strict(result.stdout)  # as strict as JavaScript's JSON.parse: no NaN, no Infinity
        doc["_exit_code"] = result.exit_code
        _printed[key] = doc
    return _printed[key]


def _batched() -> None:
    """Every BATCH scenario's shared run, each what `lab compare NAME --json --repeats 3 --systems
    all` prints (the command's own code, in-process) and its exit code: two runs at a time, each
    taking the next scenario as it finishes, the last ones (speed, deployment: the longest) first."""
    import threading
    from compare import systems
    from lab import selection, session
    queue, failed = list(BATCH), []

    def work() -> None:
        while queue and not failed:
            try:
                chosen = selection.parse(scenarios=[queue.pop()], many=True, systems="all", repeats=int(STANDARD[1]),
                                         device="cpu", threads=1, timeout=300.0)
            except IndexError:
                return
            assert chosen.systems == list(systems.IDS) and not chosen.skipped, chosen
            try:
                (doc,) = session.run_many(chosen.to_run(), **chosen.run_kwargs())
            except BaseException as exc:  # noqa: BLE001 - raised again on the main thread
                failed.append(exc)
                return
            data = loads_strict(dumps(doc.to_dict(with_logs=False)))  # as --json without --verbose prints it
            data["_exit_code"] = doc.exit_code  # what `lab compare` exits with
            _printed[(doc.scenario, ("--systems", "all"))] = data
    other = threading.Thread(target=work, daemon=True)
    other.start()
    work()
    other.join()
    if failed:
        raise failed[0]


def _split(extra: tuple[str, ...]) -> tuple[dict, tuple[str, ...]]:
    """({selection flag: value}, the other arguments in their order)."""
    selection, others, items = {}, [], list(extra)
    while items:
        arg = items.pop(0)
        flag, eq, value = arg.partition("=")
        if flag in SELECTION:
            selection[flag] = value if eq else items.pop(0)
        else:
            others.append(arg)
    return selection, tuple(others)


def _systems(selection: dict) -> list[str]:
    from lab import options
    from compare.systems import FRAMEWORK_NAMES
    return options.system_ids(selection.get("--systems"), selection.get("--frameworks", ",".join(FRAMEWORK_NAMES)),
                              selection.get("--modes", "default"))


def narrowed(doc: dict, system_ids: list[str]) -> dict:
    """What `lab compare --json` prints for `system_ids` (a subset of the doc's systems),
    assembled from the runs and worker results in `doc`."""
    from compare.discovery import get
    from compare.results import Run
    from lab.session import assemble
    assert set(system_ids) <= set(doc["systems"]), (system_ids, doc["systems"])
    source = copy.deepcopy(doc)
    workers = {fw: dict(info, framework=fw) for fw, info in source["frameworks"].items()}
    # A worker's part holds typed Runs (compare/protocol.py), as read from its file.
    parts = {fw: dict(info, runs=[Run.from_dict(r) for r in source["runs"] if r["framework"] == fw])
             for fw, info in source["frameworks"].items()}
    built = assemble(get(doc["scenario"]), system_ids, workers, parts, seed=doc["seed"], device=doc["device"],
                     threads=doc["environment"]["threads_requested"], interrupted=doc["interrupted"])
    data = loads_strict(dumps(built.to_dict(with_logs=False)))  # as --json without --verbose
    data["_exit_code"] = data["exit_code"]  # what `lab compare` exits with
    return data


def compare_json(name: str, *extra: str) -> dict:
    """The document of `lab compare NAME --json --repeats 3 EXTRA`. With the standard options, the
    scenario runs once in every system and each selection is read from that run; with other
    options, the command runs as asked and narrower selections are read from it."""
    selection, others = _split(extra)
    ids = _systems(selection)
    key = (name, others, tuple(ids))
    if key not in _read:
        source = next((doc for (n, args), doc in _printed.items()
                       if n == name and _split(args)[1] == others and set(ids) <= set(doc["systems"])), None)
        if source is None and not others and name in BATCH:
            _batched()
            source = _printed[(name, ("--systems", "all"))]
        if source is None:
            source = printed(name, *others, "--systems", "all") if not others else printed(name, *extra)
        _read[key] = source if source["systems"] == ids else narrowed(source, ids)
    return _read[key]


def typed(doc: dict):
    """A shared document as `run_many` returns it: a private, typed CompareDoc, without the
    exit code the tests keep beside it (`_exit_code`)."""
    from compare.results import CompareDoc
    return CompareDoc.from_dict(copy.deepcopy({k: v for k, v in doc.items() if k != "_exit_code"}))


@contextlib.contextmanager
def serving():
    """In-process `lab compare/report/claims` read their runs from the session's shared documents
    (each scenario narrowed to the systems asked for, with the standard options) instead of
    starting workers: for the tests of what a command writes and shows. The tests of a
    command's own run do not use it."""
    from lab import session
    real = session.run_many

    def run_many(names, *, systems_, on_doc=None, **options):
        docs = []
        for name in (n if isinstance(n, str) else n.name for n in names):  # names, or loaded specs
            session.run_many = real  # a shared run not made yet is made for real
            try:
                doc = compare_json(name, "--systems", ",".join(systems_))
            finally:
                session.run_many = run_many
            doc = typed(doc)  # what run_many returns
            docs.append(doc)
            if on_doc:
                on_doc(doc)
        return docs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(session, "run_many", run_many)
        yield


# --- documents to alter ---------------------------------------------------------------------------

def copy_of(docs: list[dict], scenario: str) -> dict:
    """A private copy of one scenario's real document, to alter (the shared one stays as run)."""
    return copy.deepcopy(next(d for d in docs if d["scenario"] == scenario))


def run_in(doc: dict, system: str, variant: str) -> dict:
    """The one run of `system` and `variant` in `doc` (to read, or to alter in a copy)."""
    (run,) = [r for r in doc["runs"] if (r["system"], r["variant"]) == (system, variant)]
    return run


def scoreboard(*docs: dict) -> dict:
    """The scoreboard of these (possibly altered) documents, as `lab claims --json` prints it."""
    from compare.results import CompareDoc
    from lab.claims import grade
    return grade([CompareDoc.from_dict(doc) for doc in docs]).to_dict()


def graded(doc: dict, system: str) -> dict:
    """`system`'s scoreboard cell for this (possibly altered) document."""
    return scoreboard(doc)["claims"][0]["cells"][system]
