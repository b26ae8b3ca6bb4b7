"""An independent steady-state measurement of one callable, with the framework's own tools.

    python benchmarks/accuracy_worker.py REQUEST.json

torch: torch.utils.benchmark.Timer(...).blocked_autorange(); JAX: timeit with
jax.block_until_ready; TensorFlow: timeit with .numpy() on every output. Same conditions as a
lab worker (environment from _bare.bare_env, the other frameworks blocked, thread pools set
before the first op, the same warm-up), same input as the lab's steady state (the first of the
spec's calls()). No lab or compare code runs.

The process stays up between measurements, so the accuracy part can put one right before and
one right after each `lab compare` without paying the framework import each time: it writes a
line ("measure" or "quit") to stdin and reads one JSON line back. Whatever the framework prints
goes to stderr (fd 1 is pointed there); the answers go to the original stdout.

Request: {"framework", "block", "scenario_module", "impl_module", "attr", "static", "seed",
          "threads", "min_run_time", "repeat"}
Answer:  {"median_s", "iqr_s", "samples_s", "number", "method"} per "measure" line.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import timeit

import _bare

WARMUP = 5


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # framework chatter on stdout goes to stderr
    request = _bare.read_request()
    name, threads = request["framework"], request.get("threads", 1)
    fw = _bare.Framework(name, threads, request.get("block", ()))
    spec = _bare.import_module(f"scenarios.{request['scenario_module']}")
    module = _bare.import_module(request["impl_module"])
    static = request.get("static", True)
    min_run_time = request.get("min_run_time", 0.2)
    with fw.mode(static):
        fn = getattr(module, request["attr"])
        args = [fw.to_input(a) for a in spec.calls(request.get("seed", 0))[0]]
        for _ in range(WARMUP):
            fw.sync(fn(*args))
        answers.write(json.dumps({"ready": True, "version": fw.version}) + "\n")
        for line in sys.stdin:
            if line.strip() != "measure":
                break
            answers.write(json.dumps(measure(name, fw, fn, args, threads, min_run_time,
                                             request.get("repeat", 5))) + "\n")


def measure(name, fw, fn, args, threads, min_run_time, repeat) -> dict:
    if name == "torch":
        from torch.utils import benchmark
        timer = benchmark.Timer(stmt="fn(*args)", globals={"fn": fn, "args": args},
                                num_threads=threads)
        m = timer.blocked_autorange(min_run_time=min_run_time)
        return {"median_s": m.median, "iqr_s": m.iqr, "samples_s": list(m.times),
                "number": m.number_per_run,
                "method": f"torch.utils.benchmark.Timer.blocked_autorange(min_run_time={min_run_time})"}
    if name == "jax":
        import jax

        def call():
            jax.block_until_ready(fn(*args))
        how = "timeit + jax.block_until_ready"
    else:
        def call():
            fw.sync(fn(*args))  # .numpy() on every output
        how = "timeit + .numpy()"
    timer = timeit.Timer(call)
    number, _ = timer.autorange()  # blocks of >= 0.2 s
    samples = [t / number for t in timer.repeat(repeat=repeat, number=number)]
    q = statistics.quantiles(samples, n=4, method="inclusive")
    return {"median_s": statistics.median(samples), "iqr_s": q[2] - q[0], "samples_s": samples,
            "number": number, "method": f"{how}, timeit.autorange() blocks (>= 0.2 s), {repeat} repeats"}


if __name__ == "__main__":
    main()
