"""debugger in PyTorch eager: a breakpoint() inside the model stops on every call."""
import torch


def forward(x, W):
    h = torch.tanh(x @ W)
    breakpoint()  # stop here: p x, p x.shape
    return h.sum(0)


# Eager code needs no port: the first version written is the working one.
naive = forward
