"""incremental-testing in PyTorch eager: a 3-layer MLP and the ways a developer looks inside it."""
import torch


def dense(x, w):  # one layer: callable alone or inside the model
    return torch.relu(x @ w)


def forward(x, w1, w2, w3):
    h1 = dense(x, w1)
    h2 = dense(h1, w2)
    return h2 @ w3


def with_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    print("h1:", h1)  # eager: h1 holds its values already
    h2 = dense(h1, w2)
    return h2 @ w3


def with_framework_print(x, w1, w2, w3):
    h1 = dense(x, w1)
    print("h1:", h1)  # eager has no separate print op: Python's print is the framework's
    h2 = dense(h1, w2)
    return h2 @ w3


def layer_alone(x, w1, w2, w3):
    h1 = dense(x, w1)
    print("h1:", h1.detach().cpu().numpy())
    h2 = dense(h1, w2)
    return h2 @ w3


def with_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])
    assert (h1 >= 0).all()  # eager: a concrete bool
    h2 = dense(h1, w2)
    return h2 @ w3


def with_framework_assert(x, w1, w2, w3):
    h1 = dense(x, w1)
    assert h1.shape == (x.shape[0], w1.shape[1])
    assert (h1 >= 0).all()  # eager needs no assert op: Python's assert is the framework's
    h2 = dense(h1, w2)
    return h2 @ w3


def with_numpy(x, w1, w2, w3):
    h1 = dense(x, w1)
    h1_value = h1.detach().cpu().numpy()  # what a debugger reads
    print("h1:", h1_value)
    h2 = dense(h1, w2)
    return h2 @ w3
