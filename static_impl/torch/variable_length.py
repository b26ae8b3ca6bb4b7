"""variable-length for PyTorch's compilers: the eager loop as-is (naive), and a loop over a
run-time length that one program serves for every length."""
import torch
from torch._higher_order_ops.scan import scan  # torch's lax.scan: no public name in 2.13
from torch.export import Dim

from dynamic_impl.torch.variable_length import forward as naive  # the eager code, put through each tool

SEQ = {0: Dim.DYNAMIC}  # [time, batch, features]: time left open
DYNAMIC_SHAPES = (SEQ, None, None)  # for export-dynamic: (xs, W, U)


def forward(xs, W, U):
    h = xs.new_zeros([xs.shape[1], U.shape[0]])  # on the input's device
    # A Python loop over xs is unrolled at capture time, once per length: scan keeps the length
    # a symbol of the graph. (torch.while_loop captures too, but its gradients are wrong in 2.13.)
    def step(h, x):
        h = torch.tanh(x @ W + h @ U)
        return h, h.new_zeros([])  # scan's body also returns a per-step output: none needed
    h, _ = scan(step, h, xs)
    return h
