"""debugger for PyTorch's compilers: the eager model with its breakpoint() as-is (naive), and the
model without it."""
import torch

from dynamic_impl.torch.debugger import forward as naive  # the eager code, put through each tool


def forward(x, W):
    h = torch.tanh(x @ W)
    return h.sum(0)
