"""A notebook kernel's calls, timed: `lab.compare` of one scenario N times in one process.

    python benchmarks/warm_kernel.py OUT.json SCENARIO N REPEATS

Uses the lab (lab.api, as a notebook does). Writes [{"wall_s", "doc"}] per call, then ends the
warm workers with lab.shutdown(). No framework is imported here.
"""
from __future__ import annotations

import json
import sys
import time

import lab

out_path, scenario, calls, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = []
for _ in range(calls):
    began = time.perf_counter()
    result = lab.compare(scenario, repeats=repeats)
    rows.append({"wall_s": time.perf_counter() - began, "doc": result.to_dict()})
lab.shutdown()
with open(out_path, "w") as fh:
    json.dump(rows, fh, default=str)
