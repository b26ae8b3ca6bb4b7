"""`lab doctor`'s probe, run inside one framework's worker: import it and ask what it sees."""
from __future__ import annotations

import time


def probe(request: dict, progress) -> dict:
    framework = request["framework"]
    progress("importing", framework)
    start = time.perf_counter()
    from compare import backends
    backend = backends.load(framework)
    info = backend.setup(request["device"], request["threads"])
    info["import_s"] = time.perf_counter() - start
    return {"framework": framework, "status": "ok", "info": info}
