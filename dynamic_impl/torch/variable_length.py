"""variable-length in PyTorch eager: the Python loop runs over each sequence's real length."""
import torch


def forward(xs, W, U):
    h = xs.new_zeros([xs.shape[1], U.shape[0]])  # on the input's device
    for x in xs:
        h = torch.tanh(x @ W + h @ U)
    return h


# Eager code needs no port: the first version written is the working one.
naive = forward
