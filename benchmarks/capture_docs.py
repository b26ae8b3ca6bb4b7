"""Run the real `lab` command, keeping the documents it measured: for `lab demo`, which has no --json.

    python benchmarks/capture_docs.py OUT.json demo --auto 0 control-flow

Uses the lab: it wraps lab.session.run_many (which `lab demo`, `lab report` and `lab compare`
all go through) to record what it returns, then runs lab.cli.main with the remaining arguments,
unchanged. The command draws, paces and times exactly as it does when typed; the wrapper only
keeps a reference to the documents and writes them to OUT.json at exit.
"""
from __future__ import annotations

import json
import sys

from lab import session

out_path = sys.argv[1]
sys.argv = ["lab"] + sys.argv[2:]
docs: list[dict] = []
_run_many = session.run_many


def recording(*args, **kwargs):
    result = _run_many(*args, **kwargs)
    docs.extend(d.to_dict() for d in result)  # typed CompareDocs, kept as their JSON
    return result


session.run_many = recording

from lab.cli import main  # noqa: E402

try:
    main()
finally:
    with open(out_path, "w") as fh:
        json.dump(docs, fh, default=str)
