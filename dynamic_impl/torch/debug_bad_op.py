"""debug-bad-op in PyTorch eager: a fixed lookup-then-project, and two planted bugs."""
import torch

UNK = 0  # the embedding row that stands for out-of-vocabulary tokens


def forward(table, w, ids):
    ids = torch.where(ids < table.shape[0], ids, UNK)  # out-of-vocabulary ids -> UNK
    e = table[ids]
    return e @ w


def shape_bug(table, w, ids):
    ids = torch.where(ids < table.shape[0], ids, UNK)
    e = table[ids]
    return e @ w.T  # BUG: w is already (dim, hidden); w.T has the wrong inner dim


def value_bug(table, w, ids):
    e = table[ids]  # BUG: no vocabulary check; an id >= vocab size reads past the table
    return e @ w


# torch's tool for run-time checks: anomaly mode around the same code.
def value_bug_checked(table, w, ids):
    with torch.autograd.detect_anomaly():
        return value_bug(table, w, ids)
