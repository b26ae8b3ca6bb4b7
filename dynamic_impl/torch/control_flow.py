"""control-flow in PyTorch eager: the Python `if` and `while` run as written."""
import torch


def forward(x):
    if x.sum() > 0:
        y = torch.sin(x) * 4.0
    else:
        y = x * x
    n = 0
    while y.abs().max() > 1.0:
        y = y / 2.0
        n += 1
    return y, n


# Eager code needs no port: the first version written is the working one.
naive = forward
