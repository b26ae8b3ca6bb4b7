"""inflexibility for PyTorch's compilers: the eager session with its model compiled (forward), and
the eager session put through torch.export and torch.jit (naive)."""
import os

import torch
from torch._dynamo.utils import guard_failures  # Dynamo's record of failed guards: no public API in 2.13

from dynamic_impl.torch.inflexibility import _mlp, _step
from scenarios.inflexibility import EPS, H, checkpoint, config, report, same

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


# --- frozen programs: torch.export and torch.jit take a model, not a session ----------------------
# The session stays Python; its model is frozen by the tool (export, trace, script) with the
# current settings baked in, and each edit re-freezes it from the live weights. What an edit
# costs is what the session reports: the re-freeze, its time (the call's), the weights read back
# from the new program.

class _Model(torch.nn.Module):
    """The MLP with the session's weights as its parameters and one edit's settings as constants."""
    __constants__ = ["norm", "relu"]  # jit.script compiles only the branches these take

    def __init__(self, w, norm: bool, relu: bool, slope: float, scale: float):
        super().__init__()
        self.w = torch.nn.ParameterDict(w)
        self.norm, self.relu, self.slope, self.scale, self.hidden, self.eps = norm, relu, slope, scale, H, EPS

    def forward(self, x):
        # jit.script compiles this source: no Python globals, no string compare, typed attributes.
        h = x @ self.w["w1"] + self.w["b1"]
        h = torch.relu(h) if self.relu else torch.nn.functional.leaky_relu(h, self.slope)
        if self.norm:
            h = torch.nn.functional.layer_norm(h, [self.hidden], self.w["gamma"], self.w["beta"], self.eps)
        return (h @ self.w["w2"] + self.w["b2"]) * self.scale


def _freeze(tool: str, model, x):
    if tool == "export":
        return torch.export.export(model, (x,)).module()
    if tool == "trace":
        return torch.jit.trace(model, (x,))
    return torch.jit.script(model)


def _frozen(tool: str, x, edit):
    session = _sessions.setdefault(f"frozen_{tool}", {})
    norm, act, slope, scale = config(edit.tolist())
    w = session.setdefault("w", {})
    if not w:  # session start: the trained weights
        w.update({k: torch.nn.Parameter(torch.as_tensor(v, device=x.device)) for k, v in checkpoint().items()})
    if norm and "gamma" not in w:  # the new layer's parameters
        w.update(gamma=torch.nn.Parameter(torch.ones(H, device=x.device)),
                 beta=torch.nn.Parameter(torch.zeros(H, device=x.device)))
    if session.get("last") != [norm, act, slope, scale]:  # the frozen program cannot take the edit
        session["last"] = [norm, act, slope, scale]
        session["program"] = _freeze(tool, _Model(w, norm, act == "relu", float(slope), float(scale)), x)
        kept = {k.split(".")[-1]: v.detach().cpu().numpy() for k, v in session["program"].state_dict().items()}
        report([f"re-{tool}"], kept=same(kept))
    return session["program"](x)


def frozen_export(x, edit):
    return _frozen("export", x, edit)


def frozen_trace(x, edit):
    return _frozen("trace", x, edit)


def frozen_script(x, edit):
    return _frozen("script", x, edit)
