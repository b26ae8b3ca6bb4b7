"""`lab doctor`'s probe, run inside one framework's worker: import it and ask what it sees."""
from __future__ import annotations


def probe(request: dict, progress) -> dict:
    from compare.backends import start
    _, info = start(request, progress)
    return {"framework": request["framework"], "status": "ok", "info": info}
