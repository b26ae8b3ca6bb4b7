"""inflexibility for PyTorch's compilers: the eager session with its model compiled (forward), and
the eager session put through torch.export and torch.jit (naive)."""
import os

import torch
from torch._dynamo.utils import guard_failures  # Dynamo's record of failed guards: no public API in 2.13

from dynamic_impl.torch.inflexibility import _mlp, _step
from scenarios.inflexibility import report

_sessions: dict = {}  # per variant, and a fresh one for each system (this module is imported anew)
# The researcher's torch.compile(mlp), on the lab's backend (compare/backends/torch_static.py).
_compiled = torch.compile(_mlp, backend=os.environ.get("LAB_TORCH_COMPILE_BACKEND", "aot_eager"))


def forward(x, edit):  # what the lab compiles: one call into plain Python, so no graph of its own
    return _explained(x, edit)


@torch.compiler.disable  # the session stays Python: only the model goes through Dynamo
def _explained(x, edit):
    before = {code: len(failed) for code, failed in guard_failures.items()}
    if "forward" not in _sessions:  # the settings that decide what a Python number does
        dynamo = torch._dynamo.config
        report([], settings={k: getattr(dynamo, k) for k in ("specialize_int", "specialize_float",
                                                               "automatic_dynamic_shapes", "recompile_limit")})
    out = _step(_sessions.setdefault("forward", {}), _compiled, x, edit)
    # On a recompile Dynamo lists each cached graph whose guards failed, the newest first.
    new = [failed[before.get(code, 0)] for code, failed in guard_failures.items() if len(failed) > before.get(code, 0)]
    if new:
        report([], guards=[g.split("\n")[0].split("#")[0].split(": ", 1)[-1].strip() for g in new])
    return out


def naive(x, edit):  # the eager session as it is
    return _step(_sessions.setdefault("naive", {}), _mlp, x, edit)
