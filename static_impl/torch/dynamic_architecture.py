"""dynamic-architecture for PyTorch's compilers: the eager recursion as-is (naive), and the tree
linearised into one loop over nodes that one program serves for every tree."""
import torch
from torch._higher_order_ops.scan import scan  # torch's lax.scan: no public name in 2.13
from torch.export import Dim

from dynamic_impl.torch.dynamic_architecture import forward as naive  # the eager code, put through each tool

NODES = {0: Dim.DYNAMIC}
DYNAMIC_SHAPES = (NODES, NODES, NODES, None, None, None, None)  # for export-dynamic


def forward(left, right, feats, W_leaf, W_l, W_r, b):
    n = left.shape[0]

    def step(hs, i):  # children precede parents, so their states are already written
        at = i.view(1)  # left[i] would make i a Python int (.item()); a 1-element index keeps a tensor
        h = torch.cond(left[at][0] < 0,
                       lambda: torch.tanh(feats[at] @ W_leaf),
                       lambda: torch.tanh(hs[left[at]] @ W_l + hs[right[at]] @ W_r + b))
        # A new buffer (a loop body cannot write in place); a float dummy per-step output (an int
        # one breaks scan's gradient in 2.13).
        return hs.index_copy(0, at, h), h.new_zeros([])
    hs, _ = scan(step, feats.new_zeros([n, 1, W_l.shape[0]]), torch.arange(n))
    return hs[n - 1]


def recursive(left, right, feats, W_leaf, W_l, W_r, b):
    # The eager recursion with its closure lifted to module level (jit.script compiles no nested
    # function definitions), so that jit.script is asked about the recursion itself.
    return _node(left, right, feats, W_leaf, W_l, W_r, b, left.shape[0] - 1)


def _node(left: torch.Tensor, right: torch.Tensor, feats: torch.Tensor, W_leaf: torch.Tensor,
          W_l: torch.Tensor, W_r: torch.Tensor, b: torch.Tensor, i: int) -> torch.Tensor:
    if left[i] < 0:
        return torch.tanh(feats[i] @ W_leaf)
    return torch.tanh(_node(left, right, feats, W_leaf, W_l, W_r, b, int(left[i])) @ W_l
                      + _node(left, right, feats, W_leaf, W_l, W_r, b, int(right[i])) @ W_r + b)


def scriptable(left, right, feats, W_leaf, W_l, W_r, b):
    # TorchScript compiles loops and ifs on tensors, but not recursion nor closures.
    hs: list[torch.Tensor] = []
    for i in range(left.shape[0]):
        if left[i] < 0:
            hs.append(torch.tanh(feats[i] @ W_leaf))
        else:
            hs.append(torch.tanh(hs[int(left[i])] @ W_l + hs[int(right[i])] @ W_r + b))
    return hs[-1]
