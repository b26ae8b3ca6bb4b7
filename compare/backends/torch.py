"""PyTorch adapter: eager, and its static paths (torch.compile; export and jit to come)."""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from compare.backends import DeviceUnavailable

NAME = "torch"
COMPILED = "torch-compile"
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
    pool start-up) are paid here, not by the first variant."""
    x = torch.ones(8, device=_device)
    (torch.sin(x) * 2.0 + x @ x).sum().item()


def to_input(value, system: str = ""):
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


def prepare(fn, system: str, module=None):
    if system == COMPILED:
        torch._dynamo.reset()
        return torch.compile(fn)
    return fn


def compile_count(module, system: str) -> int | None:
    """Graphs Dynamo has captured so far (its own counter); None in eager mode."""
    if system != COMPILED:
        return None
    from torch._dynamo.utils import counters
    return counters["stats"]["unique_graphs"]


def first_call_split(fn, args, system: str) -> dict | None:
    return None


def first_call_events(system: str):
    return contextlib.nullcontext({})


def unfiltered_tracebacks():
    # torch does not filter tracebacks.
    return contextlib.nullcontext()


def graph_report(fn, args, system: str) -> dict | None:
    """Graphs, graph breaks and their reasons from torch._dynamo.explain."""
    if system != COMPILED:
        return None
    torch._dynamo.reset()
    report = torch._dynamo.explain(fn)(*args)
    reasons = []
    for b in report.break_reasons:
        where = b.user_stack[-1] if getattr(b, "user_stack", None) else None
        text = str(b.reason).split("\n")[0]
        reasons.append(f"{text} at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else text)
    return {"graphs": report.graph_count, "graph_breaks": report.graph_break_count,
            "break_reasons": reasons[:10]}


def value_and_grad(fn, args, weights, system: str = ""):
    """Outputs of fn(*args) and d(sum_k <out_k, weights_k>)/d(float args), by autograd."""
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
