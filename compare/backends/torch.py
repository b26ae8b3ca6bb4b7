"""PyTorch adapter: eager, and its static paths (torch.compile, torch.export, torch.jit),
delegated to compare/backends/torch_static.py."""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from compare import systems
from compare.backends import DeviceUnavailable, torch_static

NAME = "torch"
ACCOUNT_SOURCE = "framework"  # Dynamo says why it recompiled (recompile_said)
STATIC = systems.adapted(NAME, "torch_static")  # torch.compile, torch.export, torch.jit: handed on
_device = torch.device("cpu")


def setup(device: str, threads: int) -> dict:
    global _device
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # only settable once, before any parallel work
        pass
    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda:
        raise DeviceUnavailable("torch sees no GPU")
    _device = torch.device("cuda" if has_cuda and device in ("cuda", "auto") else "cpu")
    info = {
        "version": torch.__version__,
        "device_used": _device.type,
        "devices": ["cpu"] + [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "threads": {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()},
    }
    if _device.type == "cuda":
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = {"name": props.name, "memory_bytes": props.total_memory,
                       "cuda": torch.version.cuda}
    return info


def warm_up() -> None:
    """A few tiny ops, untimed: the library's own first-use costs (dispatcher, allocator, thread
    pool start-up, a tensor comparison read as a Python bool, as data-dependent control flow
    does) are paid here, not by the first variant, so a first call costs the same in a fresh
    worker as in a warm one (lab/runner.py)."""
    x = torch.ones(8, device=_device)
    (torch.sin(x) * 2.0 + x @ x).sum().item()
    bool((x / 2.0).abs().max() > 1.0)


def forget_conversions() -> None:
    # Dynamo keeps its compiled code on each code object, and a fresh import makes new ones. But
    # torch.jit.script caches what it compiled by function object, and static_impl/torch files
    # import the eager functions, which a fresh import of theirs does not renew: forget those.
    torch.jit._state._jit_caching_layer.clear()  # no public API for this in 2.13


def to_input(value, system: str):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy()).to(_device)
    return value


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _leaves(item)]
    return [out]


def to_numpy(out) -> list[np.ndarray]:
    return [leaf.detach().cpu().numpy() if isinstance(leaf, torch.Tensor) else np.asarray(leaf)
            for leaf in _leaves(out)]


def sync(out) -> None:
    if _device.type == "cuda":
        torch.cuda.synchronize()


@contextlib.contextmanager
def mode(system: str):
    yield


def prepare(fn, system: str, module, how: str | None):
    return torch_static.prepare(fn, system, module, how) if system in STATIC else fn


def compile_count(module, system: str) -> int | None:
    """Graphs Dynamo has captured, programs exported, functions traced or scripted (each tool's
    own count); None in eager mode."""
    return torch_static.compile_count(module, system) if system in STATIC else None


def first_call_split(fn, args, system: str) -> dict | None:
    return None


def first_call_events(system: str):
    return torch_static.first_call_events(system) if system in STATIC else contextlib.nullcontext({})


def unfiltered_tracebacks():
    # torch does not filter tracebacks.
    return contextlib.nullcontext()


def graph_report(fn, args, system: str) -> dict | None:
    """torch.compile: graphs, graph breaks and their reasons (torch._dynamo.explain); torch.export:
    the exported graph's size and control-flow operators."""
    return torch_static.graph_report(fn, args, system) if system in STATIC else None


def recompile_mark(system: str):
    """torch.compile: how many guard failures Dynamo has recorded per code object so far."""
    return torch_static.recompile_mark(system) if system in STATIC else None


def recompile_said(system: str, mark) -> list[str]:
    """Dynamo's own reason for each recompile since `mark`."""
    return torch_static.recompile_said(system, mark) if system in STATIC else []


def graph_runs(system: str) -> int | None:
    """Compiled graphs run so far (torch.compile); a call that ran none ran eagerly."""
    return torch_static.graph_runs(system) if system in STATIC else None


def warnings_of(fn) -> list[dict]:
    """Warnings the tool raised or logged while capturing and calling (deprecations, TracerWarning)."""
    return torch_static.warnings_of(fn)


def describe(system: str, how: str | None) -> dict | None:
    """How the variant was put through its tool (backend, strict, fullgraph), as data."""
    return torch_static.describe(system, how) if system in STATIC else None


def value_and_grad(fn, args, weights, system: str):
    """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(float args), by autograd."""
    if system in STATIC:
        return torch_static.value_and_grad(fn, args, weights, system)
    args = [a.detach().clone().requires_grad_(True) if isinstance(a, torch.Tensor) and a.is_floating_point()
            else a for a in args]
    floats = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor) and a.requires_grad]
    out = fn(*args)
    leaves = _leaves(out)
    loss = sum((leaf * torch.as_tensor(w, device=_device)).sum()
               for leaf, w in zip(leaves, weights) if w is not None)
    grads = torch.autograd.grad(loss, [args[i] for i in floats], allow_unused=True)
    return to_numpy(out), [np.zeros(tuple(args[i].shape), np.float32) if g is None else g.cpu().numpy()
                           for i, g in zip(floats, grads)]
