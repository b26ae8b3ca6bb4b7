"""graph-lifetime in PyTorch eager: autograd records the graph during the forward and frees it
in the backward."""
import torch

RETAIN = "retain_graph=True"  # how to keep the graph for a second backward
RECORD = "autograd"           # what records the forward for a backward


def forward(x, W):
    h = x
    for _ in range(8):
        h = torch.tanh(h @ W)
    return (h * h).sum()


def trainable(W):
    return W.detach().requires_grad_()


def backward_twice(fn, x, W, retain):
    W = trainable(W)
    loss = fn(x, W)  # the forward records the graph
    loss.backward(retain_graph=retain)
    first = W.grad.clone()
    loss.backward()  # the same graph again: freed by the first backward unless retained
    return first, W.grad - first


def run_forward(fn, x, W, record):
    with torch.set_grad_enabled(record):
        return fn(x, W)


# Eager code needs no port: the first version written is the working one.
naive = forward
