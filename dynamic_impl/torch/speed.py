"""speed in PyTorch eager: every op dispatched from Python as it runs; the baseline of the torch
systems. Both workloads take the same inputs (x, y, W1, W2); the chain reads x alone."""
import torch

LR = 0.1


def chain(x, y, W1, W2):  # 8 elementwise ops: a compiler may fuse them into one loop
    h = x * 1.5 + 0.5
    h = torch.tanh(h)
    h = h * h - 0.25
    h = torch.sigmoid(h) * 2.0 - 1.0
    return h


def mlp(x, y, W1, W2):  # one training step: forward, backward, SGD update
    W1 = W1.detach().requires_grad_(True)
    W2 = W2.detach().requires_grad_(True)
    h = torch.tanh(x @ W1)
    loss = ((h @ W2 - y) ** 2).mean()
    grads = torch.autograd.grad([loss], [W1, W2])
    return W1.detach() - LR * grads[0], W2.detach() - LR * grads[1], loss.detach()
