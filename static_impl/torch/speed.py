"""speed for PyTorch's compilers: the eager functions put through each tool (torch.compile with
inductor, torch.export with a dynamic batch, torch.jit.trace, torch.jit.script)."""
from torch.export import Dim

from dynamic_impl.torch.speed import LR, chain, mlp  # noqa: F401

DYNAMIC_SHAPES = ({0: Dim.DYNAMIC}, {0: Dim.DYNAMIC}, None, None)  # export: any batch size
