"""Traceback anatomy: where does an error point, the user's code or the framework's?

One function, `anatomy`, used for every scenario and framework; nothing is special-cased.
"""
from __future__ import annotations

import linecache
import os
import re
import traceback

BUG_MARKER = "# BUG"
_GENERATED = re.compile(r"(__autograph_generated|^<)")
_MESSAGE_LOCATION = re.compile(r'File "([^"]+)", line (\d+)')


def classify(filename: str, user_dirs: tuple[str, ...]) -> str:
    """'generated' for code written by a framework at run time (AutoGraph, exec'd strings),
    'user' for files under one of `user_dirs`, 'framework' for everything else."""
    if _GENERATED.search(os.path.basename(filename)) or filename.startswith("<"):
        return "generated"
    path = os.path.abspath(filename)
    if any(path.startswith(os.path.abspath(d) + os.sep) for d in user_dirs):
        return "user"
    return "framework"


def _is_bug_line(filename: str, lineno: int | None) -> bool:
    if not lineno:
        return False
    return BUG_MARKER in linecache.getline(filename, lineno)


def frames_of(exc: BaseException, skip_dirs: tuple[str, ...] = ()) -> list[traceback.FrameSummary]:
    """The traceback's frames, outermost first, without the leading frames of the harness that
    called into the implementation (they are the lab's, not the user's nor the framework's)."""
    frames = traceback.extract_tb(exc.__traceback__)
    skip = tuple(os.path.abspath(d) + os.sep for d in skip_dirs)
    while frames and os.path.abspath(frames[0].filename).startswith(skip):
        frames = frames[1:]
    return list(frames)


def anatomy(exc: BaseException, user_dirs: tuple[str, ...], skip_dirs: tuple[str, ...] = (),
            root: str | None = None) -> dict:
    """Turn a captured exception into plain data.

    frames:              [{file, line, function, origin, code}] outermost first;
    innermost_user:      the user frame nearest to where the error was raised, or None;
    points_to_bug:       that frame's line carries the `# BUG` marker;
    frames_before_user:  frames between the raise point and that user frame, i.e. how many
                         frames a reader scrolls up through from the error before meeting their
                         own code (all frames when no user frame is present);
    message_points_to_bug: the message itself names a `# BUG` line (TF does this for graph errors);
    filtered_len:        the number of frames as raised (with the framework's own filtering).
    """
    frames = frames_of(exc, skip_dirs)

    def rel(path: str) -> str:
        if root and os.path.abspath(path).startswith(os.path.abspath(root) + os.sep):
            return os.path.relpath(path, root)
        return path

    rows = [{"file": rel(f.filename), "line": f.lineno, "function": f.name,
             "origin": classify(f.filename, user_dirs), "code": (f.line or "").strip()}
            for f in frames]
    user_idx = [i for i, r in enumerate(rows) if r["origin"] == "user"]
    innermost = user_idx[-1] if user_idx else None
    message = f"{exc}"
    in_message = [(p, int(n)) for p, n in _MESSAGE_LOCATION.findall(message)
                  if classify(p, user_dirs) == "user"]
    # The exception it was raised from (checkify re-raises an error whose own traceback holds
    # the offending line): where each link of the chain points.
    causes, link = [], exc.__cause__
    while link is not None and len(causes) < 5:
        linked = frames_of(link, skip_dirs)
        users = [f for f in linked if classify(f.filename, user_dirs) == "user"]
        causes.append({"type": type(link).__name__,
                       "innermost_user": {"file": rel(users[-1].filename), "line": users[-1].lineno,
                                          "code": (users[-1].line or "").strip()} if users else None,
                       "points_to_bug": bool(users) and _is_bug_line(users[-1].filename, users[-1].lineno)})
        link = link.__cause__
    return {
        "type": type(exc).__name__,
        "qualified_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "message": message.strip()[:4000],
        "frames": rows,
        "innermost_user": rows[innermost] if innermost is not None else None,
        "points_to_bug": innermost is not None and _is_bug_line(frames[innermost].filename,
                                                                  frames[innermost].lineno),
        "frames_before_user": (len(rows) - 1 - innermost) if innermost is not None else len(rows),
        "message_points_to_bug": any(_is_bug_line(p, n) for p, n in in_message),
        "message_locations": [{"file": rel(p), "line": n} for p, n in in_message],
        "filtered_len": len(rows),
        "unfiltered_len": None,
        "causes": causes,
        "cause_points_to_bug": any(c["points_to_bug"] for c in causes),
    }


# A frame of the lab's own (its worker, harness, backends) or of the interpreter's start-up, as a
# framework's message quotes it: TF's `File "…/compare/harness.py", line 81, in run_variant`,
# TorchScript's `…/compare/harness.py(81): run_variant`.
_LAB_FRAME = re.compile(r'(?:^|/)(?:compare|lab)/(?:backends/)?\w+\.py\b|<frozen runpy>')
_FRAME_LINE = re.compile(r'^\s*(?:File "[^"]+", line \d+|.+\(\d+\): \S+$)')
# TF repeats the "defined at" frames under this heading: the same frames a second time.
_REPEATS = ("Original stack trace for",)
MESSAGE_LINES_SHOWN = 14


def informative_lines(message: str, limit: int = MESSAGE_LINES_SHOWN) -> list[str]:
    """A framework's message without the lab's own frames, blank lines or repeated stack, so the
    line that carries the error (TF's "indices[3] = 12 is not in [0, 10)" under "Graph execution
    error:") is on screen. When still long: the first two lines, a count, and the last ones."""
    out: list[str] = []
    for line in message.splitlines():
        if line.strip().startswith(_REPEATS):
            break
        if not line.strip() or (_FRAME_LINE.match(line) and _LAB_FRAME.search(line)):
            continue
        out.append(line.rstrip())
    if len(out) > limit:
        hidden = len(out) - limit + 1
        out = out[:2] + [f"… {hidden} more lines (--full-traceback)"] + out[-(limit - 3):]
    return out
