"""numpy-bridge for PyTorch's compilers: the eager model as-is (naive), and torch ops only."""
import torch

from dynamic_impl.torch.numpy_bridge import address, from_numpy, to_numpy  # noqa: F401
from dynamic_impl.torch.numpy_bridge import forward as naive  # the eager code, put through each tool


def forward(x, W):
    h = x @ W
    scale = torch.abs(h).max()  # a tensor op: the graph keeps it, every call recomputes it
    return h / scale
