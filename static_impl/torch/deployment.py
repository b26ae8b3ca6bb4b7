"""deployment for PyTorch's compilers: the model put through each tool and saved in its format
(torch.export's .pt2, with an AOTInductor package where a C++ compiler is found; torch.jit.save);
torch.compile makes no artifact of its own, so a user saves the compiled module with torch.save."""
import shutil

import torch
from torch.export import Dim

from dynamic_impl.torch.deployment import Model  # noqa: F401
from dynamic_impl.torch.deployment import forward as naive  # the eager code, put through each tool

DYNAMIC_SHAPES = ({0: Dim.DYNAMIC}, None)  # export: x of any batch size; W as it is
COMPILERS = ("g++", "c++", "clang++")  # what AOTInductor compiles its C++ with


def forward(x, W):
    h = torch.tanh(x @ W)
    return torch.cond(h.sum() > 0, lambda: h @ W, lambda: h * 0.5)  # both branches in the graph


def save(fn, W, x, path, how=None):
    model, x = Model(fn, W), torch.as_tensor(x)
    if how in ("compile", "fullgraph"):  # no artifact of its own: the compiled module, pickled
        torch.save(torch.compile(model, fullgraph=how == "fullgraph"), path + ".pt")
        return [{"format": "torch.save of the torch.compile'd module (a pickle)", "path": path + ".pt",
                 "load": "load_pickle"}]
    if how in ("trace", "script"):
        tool = torch.jit.trace(model, (x,)) if how == "trace" else torch.jit.script(model)
        torch.jit.save(tool, path + ".pt")
        return [{"format": f"TorchScript (torch.jit.{how}, torch.jit.save)", "path": path + ".pt",
                 "load": "load_jit"}]
    dynamic = how == "export-dynamic"
    program = torch.export.export(model, (x,), dynamic_shapes=DYNAMIC_SHAPES[:1] if dynamic else None)
    torch.export.save(program, path + ".pt2")
    saved = [{"format": "torch.export .pt2" + (" (dynamic batch)" if dynamic else " (static shapes)"),
              "path": path + ".pt2"}]
    compiler = next((c for c in COMPILERS if shutil.which(c)), None)
    if not dynamic:
        return saved
    if compiler is None:
        return saved + [{"format": "AOTInductor package", "skipped": f"no C++ compiler ({', '.join(COMPILERS)})"}]
    package = path + "-aoti.pt2"  # compiled when the caller makes it (C++ code, tens of seconds)
    return saved + [{"format": f"AOTInductor package (C++, compiled with {compiler})", "path": package,
                     "load": "load_package",
                     "make": lambda: torch._inductor.aoti_compile_and_package(program, package_path=package)}]


def load(path):
    import torch
    model = torch.export.load(path).module()
    return lambda x: model(torch.from_numpy(x))


def load_jit(path):
    import torch
    model = torch.jit.load(path)
    return lambda x: model(torch.from_numpy(x))


def load_pickle(path):
    import torch
    # weights_only=False: the whole module, as saved (the default, True, refuses any class).
    model = torch.load(path, weights_only=False)
    return lambda x: model(torch.from_numpy(x))


def load_package(path):
    import torch
    model = torch._inductor.aoti_load_package(path)
    return lambda x: model(torch.from_numpy(x))
