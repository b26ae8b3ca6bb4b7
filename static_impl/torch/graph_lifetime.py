"""graph-lifetime for PyTorch's compilers: the eager forward put through each tool; the
backward runs through what the tool made."""
from dynamic_impl.torch.graph_lifetime import (  # noqa: F401
    RECORD, RETAIN, backward_twice, forward, naive, run_forward, trainable)
