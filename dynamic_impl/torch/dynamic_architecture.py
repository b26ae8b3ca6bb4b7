"""dynamic-architecture in PyTorch eager: plain recursion; each tree builds its own graph."""
import torch


def forward(left, right, feats, W_leaf, W_l, W_r, b):
    def node(i):
        if left[i] < 0:
            return torch.tanh(feats[i] @ W_leaf)
        return torch.tanh(node(left[i]) @ W_l + node(right[i]) @ W_r + b)
    return node(len(left) - 1)


# Eager code needs no port: the first version written is the working one.
naive = per_shape = forward
