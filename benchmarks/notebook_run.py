"""Execute docs/lecture.ipynb with nbclient, as tests/test_notebook.py does, in a kernel of this
interpreter: `python benchmarks/notebook_run.py OUT.json`. Writes the wall time, the CPU time of
this process and of every process it waited for (the kernel, and the workers the kernel ended),
and the errors any cell raised. Independent of the lab: it only runs the notebook."""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "lecture.ipynb"
KERNEL = "lab-bench-python"


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


with tempfile.TemporaryDirectory(prefix="lab-bench-nb-") as data:
    spec = Path(data) / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lab bench kernel", "language": "python"}))
    os.environ.update(JUPYTER_PATH=data, JUPYTER_PLATFORM_DIRS="1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cpu0, began = cpu_s(), time.perf_counter()
    nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    wall, cpu = time.perf_counter() - began, cpu_s() - cpu0
errors = [out.get("ename") for cell in nb.cells if cell.cell_type == "code"
          for out in cell.get("outputs", []) if out.get("output_type") == "error"]
with open(sys.argv[1], "w") as fh:
    json.dump({"wall_s": wall, "cpu_s": cpu, "errors": errors,
               "cells": sum(c.cell_type == "code" for c in nb.cells)}, fh)
