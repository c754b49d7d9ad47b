"""The standard's creation functions, also taking PyTorch's spellings.

``zeros(2, 3)`` beside ``zeros((2, 3))`` and ``requires_grad=`` on the filled
creators; the Array API signatures keep working unchanged.
"""

from __future__ import annotations

from typing import Any

from .ops import creation as _creation
from .ops.creation import (
    asarray,
    empty_like,
    eye,
    from_dlpack,
    full_like,
    linspace,
    meshgrid,
    ones_like,
    tril,
    triu,
    zeros_like,
)
from .tensor import Tensor


def _size(shape: Any, more: tuple[Any, ...]) -> Any:
    """The shape from ``f((2, 3))``/``f([2, 3])``/``f(x.shape)`` (the standard) or ``f(2, 3)`` (PyTorch)."""
    return (shape, *more) if more else shape


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    return t.requires_grad_() if requires_grad else t


def empty(shape: Any, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of the given shape."""
    return _finish(_creation.empty(_size(shape, size), dtype=dtype, device=device), requires_grad)


def zeros(shape: Any, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _finish(_creation.zeros(_size(shape, size), dtype=dtype, device=device), requires_grad)


def ones(shape: Any, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    return _finish(_creation.ones(_size(shape, size), dtype=dtype, device=device), requires_grad)


def full(shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape filled with fill_value (``shape`` may be an int or a tuple, as in both APIs)."""
    return _finish(_creation.full(shape, fill_value, dtype=dtype, device=device), requires_grad)


def arange(start: Any, /, stop: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop) with the given step."""
    return _finish(_creation.arange(start, stop, step, dtype=dtype, device=device), requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """PyTorch's ``torch.as_tensor``: data as a tensor, shared when it already is one of that dtype and device."""
    return asarray(data, dtype=dtype, device=device)


def from_numpy(array: Any) -> Tensor:
    """PyTorch's ``torch.from_numpy``: a device copy of the NumPy array with its dtype."""
    return asarray(array)


__all__ = ["arange", "as_tensor", "empty", "empty_like", "eye", "from_dlpack", "from_numpy", "full", "full_like",
           "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like"]
