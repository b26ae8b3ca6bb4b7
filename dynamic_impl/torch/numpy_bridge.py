"""numpy-bridge in PyTorch eager: tensors to NumPy and back, and NumPy inside the model."""
import numpy as np
import torch


def from_numpy(a):
    return torch.from_numpy(a)


def to_numpy(t):
    return t.numpy()


def address(t):
    return t.data_ptr()


def forward(x, W):
    h = x @ W
    scale = np.abs(h.numpy()).max()  # BUG: NumPy on an intermediate (fine in eager)
    return h / float(scale)


# Eager code needs no port: the first version written is the working one.
naive = forward
