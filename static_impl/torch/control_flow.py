"""control-flow for PyTorch's compilers: the eager code as-is (naive), and torch.cond/while_loop."""
import torch

from torch.export import Dim

from dynamic_impl.torch.control_flow import forward as naive  # the eager code, put through each tool

DYNAMIC_SHAPES = ({0: Dim.DYNAMIC},)  # export: x of any length, not only the example's


def forward(x):
    # A Python `if`/`while` on a tensor is a graph break for Dynamo and an error for export:
    # the branch and the loop become operators of the graph.
    y = torch.cond(x.sum() > 0,
                   lambda: torch.sin(x) * 4.0,
                   lambda: x * x)
    n = torch.tensor(0)
    y, n = torch.while_loop(lambda y, n: y.abs().max() > 1.0,
                            lambda y, n: (y / 2.0, n + 1),
                            (y, n))
    return y, n


def traceable(x):
    y, n = naive(x)
    return y, torch.tensor(n)  # torch.jit.trace returns tensors only, not the Python int n
