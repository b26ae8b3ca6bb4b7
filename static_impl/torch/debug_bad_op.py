"""debug-bad-op for PyTorch's compilers: the eager lookup-then-project and its two planted bugs,
put through each tool as they are (the BUG lines are in dynamic_impl/torch/debug_bad_op.py)."""
from torch.export import Dim

from dynamic_impl.torch.debug_bad_op import UNK, forward, shape_bug, value_bug, value_bug_checked  # noqa: F401

DYNAMIC_SHAPES = (None, None, {0: Dim.DYNAMIC})  # export: any number of ids, not only the example's
