"""portatensor: a tensor engine whose kernels are generated per device through OpenCL.

    >>> import portatensor as pt
    >>> (pt.asarray([1.0, 2.0]) + 1).numpy()
    array([2., 3.], dtype=float32)
"""

from __future__ import annotations

from . import ops as _ops  # noqa: F401 - installs the Tensor operators
from . import autograd  # noqa: E402 - wraps the ops for recording before the namespace binds them
from ._elementwise_functions import add, astype, divide, multiply, negative, positive, subtract
from ._searching_functions import argmax, argmin, count_nonzero
from ._statistical_functions import (  # noqa: A004 - the standard's names (max, min, sum)
    cumulative_prod,
    cumulative_sum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from ._utility_functions import all, any  # noqa: A004 - the standard's names
from .dtypes import (
    bfloat16,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .dtypes import bool_ as bool  # noqa: A001 - the standard's name
from .ops.creation import arange, asarray, empty, full, ones, to_device, zeros
from .ops.linalg import matmul
from .runtime import Device, default_device, devices, get_device, set_default_device
from .tensor import Tensor
from .autograd import enable_grad, no_grad, set_grad_enabled  # noqa: E402
from .autograd.function import cat  # noqa: E402

__version__ = "0.1.0"


def empty_cache(device: Device | None = None) -> None:
    """Return every pooled, unused device buffer to the driver."""
    for d in [device] if device is not None else devices():
        d.empty_cache()


def memory_stats(device: Device | None = None) -> dict[str, int]:
    """The buffer pool's counters for device (default device if omitted)."""
    return get_device(device).pool.stats()


def synchronize(device: Device | None = None) -> None:
    """Wait until every queued kernel on device has finished."""
    get_device(device).synchronize()


__all__ = [
    "all", "any", "argmax", "argmin", "count_nonzero", "cumulative_prod", "cumulative_sum", "max", "mean", "min",
    "prod", "std", "var",
    "Device", "Tensor", "add", "arange", "asarray", "astype", "bfloat16", "bool", "complex64", "complex128",
    "default_device", "devices", "divide", "empty", "empty_cache", "float16", "float32", "float64", "full",
    "get_device", "int8", "int16", "int32", "int64", "matmul", "memory_stats", "multiply", "negative", "ones",
    "positive", "set_default_device", "subtract", "sum", "synchronize", "to_device", "uint8", "uint16", "uint32",
    "uint64", "zeros",
]

# autograd, nn, optim, data (issue 4)
__all__ += ["autograd", "cat", "enable_grad", "no_grad", "set_grad_enabled"]
