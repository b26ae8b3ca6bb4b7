"""The lab from Python, for notebooks: `lab.compare`, `lab.diff`, `lab.claims`, `lab.scenarios` and
`lab.shutdown()` (the `%lab` magic, `%load_ext lab`, is lab/magic.py).

The workers stay warm: each framework's worker stays up between calls and takes the next call's
request, so only the first call pays the imports (each call still traces and compiles new
functions). They end with the kernel, or on `lab.shutdown()`.

Arguments are checked as the CLI checks them (lab/selection.py): a bad one raises LabError with the
CLI's one-line message. The runs go through the CLI's use cases (lab/usecases), so tensorflow, jax
and torch are imported in worker subprocesses, never in this process (a notebook kernel). Each call returns a result
whose `.to_dict()` is the command's `--json` document and which a notebook shows as the web
report's sections (lab.views.web).
"""
from __future__ import annotations

import json
import uuid

from lab import options, selection
from lab.errors import LabError
from lab.selection import Selection
from lab.views import display


# --- arguments, checked as the CLI checks them (lab/selection.py), named without dashes --------

def _selection(**given) -> Selection:
    return selection.parse(dashes="", warn=display.warn, **given)


def _plain(data):
    """What `--json` prints, read back: the same types (and nulls for non-finite numbers) a
    JSON reader gets."""
    from lab.strict_json import dumps
    return json.loads(dumps(data, indent=None))


def _prefix(kind: str) -> str:
    """Element ids unique in a notebook that shows many reports (they link within themselves)."""
    return f"lab-{kind}-{uuid.uuid4().hex[:8]}-"


class _Result:
    """A notebook shows text/html (the web report's sections); the `--json` document is
    `.to_dict()`. (No application/json in the bundle: JupyterLab ranks its JSON renderer above
    HTML, so the report would show as a JSON tree.)"""

    def to_dict(self) -> dict:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def save(self, path: str) -> str:
        """Write one of lab/views/export.py's formats (.html, .json, .md, ...); returns the path."""
        raise NotImplementedError


# --- lab.compare ---------------------------------------------------------------------------------

class CompareResult(_Result):
    """One scenario in every chosen system: `lab compare <scenario> --json`."""

    def __init__(self, doc):
        self.doc = doc  # the typed CompareDoc (compare/results.py)

    @property
    def scenario(self) -> str:
        return self.doc.scenario

    @property
    def exit_code(self) -> int:
        return self.doc.exit_code

    @property
    def takeaways(self) -> list[str]:
        return list(self.doc.takeaways)

    @property
    def verdicts(self) -> list[str]:
        return list(self.doc.verdicts)

    @property
    def runs(self) -> list:
        """Typed runs (compare.results.Run)."""
        return list(self.doc.runs)

    def to_dict(self) -> dict:
        """Exactly what `lab compare <scenario> --json` prints (worker logs left out, as there)."""
        return _plain(self.doc.to_dict(with_logs=False))

    def _repr_html_(self) -> str:
        from lab.views.export import page_systems
        from lab.views.web.page import render_sections
        return render_sections([self.doc], systems=page_systems([self.doc]), summary=False,
                               title=f"lab compare {self.scenario}", id_prefix=_prefix("compare"))

    def save(self, path: str) -> str:
        from lab.views import export
        fmt = export.lookup(path)
        options.writable(path, "path", export.suffixes("compare"))
        con = None
        if fmt.screen:
            con = export.terminal_view([self.doc], width=120)
        claims = export.scoreboard([self.doc]) if fmt.suffix == ".html" else None
        export.write(path, export.Output("compare", docs=[self.doc], con=con, claims=claims, logs=False))
        return path

    def __repr__(self) -> str:
        runs = ", ".join(f"{r.system} {r.variant}: {r.status}" for r in self.doc.runs)
        return f"<lab compare {self.scenario}: {runs}; exit code {self.exit_code}>"


def compare(scenario: str, systems=None, *, frameworks=None, modes: str = "default", repeats: int = 5,
            device: str = "cpu", threads: int = 1, timeout: float = 300.0) -> CompareResult:
    """Run one scenario in each system (ids as in `lab systems`; default: tf-function, jax-jit,
    torch-eager), exactly as `lab compare` does, and return the result."""
    spec = options.spec(scenario, "compare")
    chosen = _selection(systems=systems, frameworks=frameworks, modes=modes, repeats=repeats, device=device,
                        threads=threads, timeout=timeout)
    from lab.usecases import compare as use
    return CompareResult(use.run(spec, chosen, warm=True))


# --- lab.diff ------------------------------------------------------------------------------------

class DiffResult(_Result):
    """The eager code and each static version, function by function: `lab diff <scenario> --json`."""

    def __init__(self, view, sources: dict[str, str]):
        self.view = view  # the typed DiffView (compare/diff.py)
        self._sources = sources  # file -> source, for the syntax colouring

    @property
    def scenario(self) -> str:
        return self.view.scenario

    def to_dict(self) -> dict:
        return self.view.to_dict()

    def _repr_html_(self) -> str:
        from lab.views.web.diff import diff_html
        return diff_html(self.view, self._sources, _prefix("diff"))

    def save(self, path: str) -> str:
        if not path.lower().endswith(".json"):
            raise LabError(f"'{path}': a diff saves as .json (its HTML is the notebook view).")
        options.writable(path, "path", (".json",))
        from lab import atomic
        from lab.strict_json import dumps
        atomic.write(path, dumps(self.to_dict()))
        return path

    def __repr__(self) -> str:
        parts = [f"{s}: {sum(f.changed for f in info.functions)} lines changed"
                 for s, info in self.view.systems.items()]
        return f"<lab diff {self.scenario}: {'; '.join(parts)}>"


def diff(scenario: str, systems=None, *, frameworks=None) -> DiffResult:
    """Each static system's file against the eager file, function by function (no run)."""
    name = options.scenario(scenario, "diff")
    from lab.usecases import diff as use
    found = use.run(name, selection.diff_ids(systems, frameworks, dashes=""))
    return DiffResult(found.view, found.sources)


# --- lab.claims ----------------------------------------------------------------------------------

class ClaimsResult(_Result):
    """The scoreboard: each claim graded per system (lab.claims.grade), with the runs behind it
    (`.docs`). A notebook shows the scoreboard alone; `.save("x.html")` writes it with every run."""

    def __init__(self, board, docs: list):
        self.board = board  # a lab.scoreboard.Scoreboard
        self.docs = docs

    def to_dict(self) -> dict:
        return _plain(self.board.to_dict())

    def _repr_html_(self) -> str:
        # The scoreboard alone: a notebook has shown the runs already (save() writes the whole page).
        from lab.views.export import page_systems
        from lab.views.web.page import render_scoreboard
        return render_scoreboard(self.board, systems=page_systems(self.docs), id_prefix=_prefix("claims"))

    def save(self, path: str) -> str:
        from lab.views import export
        options.writable(path, "path", export.suffixes("claims"))
        export.write(path, export.Output("claims", docs=self.docs, claims=self.board))
        return path

    def __repr__(self) -> str:
        rows = [row.scenario for row in self.board.claims]
        return f"<lab claims: {len(rows)} claim{'s' if len(rows) != 1 else ''} graded ({', '.join(rows)})>"


def claims_available() -> bool:
    """Whether this lab has the claims grader (lab.claims.grade)."""
    try:
        from lab.claims import grade  # noqa: F401
    except ImportError:
        return False
    return True


def claims(scenarios=None, systems=None, *, frameworks=None, modes=None, repeats: int = 1,
           device: str = "cpu", threads: int = 1, timeout: float = 600.0, results=None) -> ClaimsResult:
    """Run the scenarios (default: all, in every system unless systems, frameworks or modes narrow
    it, as `lab claims`; one worker per framework for all of them) and grade each claim per system:
    the scoreboard `lab claims --json` prints.

    `results=[lab.compare(...), ...]` grades runs already made instead (nothing runs again)."""
    if not claims_available():
        raise LabError("this lab has no claims grader yet (lab.claims.grade): run lab.compare per scenario.",
                       code=1)
    from lab.usecases import claims as use
    if results is not None:
        if scenarios is not None or not all(isinstance(r, CompareResult) for r in results) or not results:
            raise LabError("results: give a list of lab.compare(...) results (and no scenarios), "
                           f"got {results!r}.")
        scored = use.grade([r.doc for r in results])
    else:
        chosen = _selection(scenarios=scenarios, many=True, systems=systems, frameworks=frameworks, modes=modes,
                            default=selection.EVERY, repeats=repeats, device=device, threads=threads,
                            timeout=timeout)
        scored = use.run(chosen, warm=True)
    return ClaimsResult(scored.board, scored.docs)


def shutdown() -> int:
    """End the warm workers now (they also end with this process); returns how many there were.
    The next lab.compare or lab.claims starts fresh ones."""
    from lab.runner import shutdown as end_workers
    return end_workers()


def scenarios() -> list[dict]:
    """Every scenario that loads, in `lab list` order: [{"name", "title", "claim", "lesson"}]
    (`lab list --json` plus the lesson)."""
    from lab.usecases import listing
    found = listing.scenarios(with_lessons=True)
    for problem in found.problems:
        display.warn(f"skipped {problem}")
    return [row.to_dict() for row in found.rows]
