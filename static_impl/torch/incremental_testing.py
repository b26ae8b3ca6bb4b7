"""incremental-testing for PyTorch's compilers: the eager MLP and its six inspections, put
through each tool as they are."""
from torch.export import Dim

from dynamic_impl.torch.incremental_testing import (  # noqa: F401
    dense, forward, layer_alone, with_assert, with_framework_assert, with_framework_print,
    with_numpy, with_print)

DYNAMIC_SHAPES = ({0: Dim.DYNAMIC}, None, None, None)  # export: any batch size, not only the example's
