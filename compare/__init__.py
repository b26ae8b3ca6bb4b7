"""Measurements the lab trusts: code size, code diffs, traceback anatomy, timing.

`codesize`, `diff` and `tracebacks` are framework-free; `timing`, `harness` and `backends` run
inside a worker process, next to exactly one framework.
"""
