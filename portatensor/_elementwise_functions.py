"""The standard's elementwise functions (the part built so far)."""

from __future__ import annotations

from typing import Any

from .ops.elementwise import apply
from .tensor import Tensor


def add(x1: Tensor | complex, x2: Tensor | complex, /) -> Tensor:
    """Elementwise sum of x1 and x2, broadcast."""
    return apply("add", x1, x2)


def subtract(x1: Tensor | complex, x2: Tensor | complex, /) -> Tensor:
    """Elementwise difference x1 - x2, broadcast."""
    return apply("subtract", x1, x2)


def multiply(x1: Tensor | complex, x2: Tensor | complex, /) -> Tensor:
    """Elementwise product of x1 and x2, broadcast."""
    return apply("multiply", x1, x2)


def divide(x1: Tensor | complex, x2: Tensor | complex, /) -> Tensor:
    """Elementwise true division x1 / x2; integer inputs give the default float dtype."""
    return apply("divide", x1, x2)


def negative(x: Tensor, /) -> Tensor:
    """Elementwise -x."""
    return apply("negative", x)


def positive(x: Tensor, /) -> Tensor:
    """Elementwise +x (a copy)."""
    return apply("positive", x)


def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
    """x converted to dtype (and moved to device if given)."""
    from .dtypes import as_dtype
    from .ops.creation import to_device
    from .ops.elementwise import astype as _astype

    if device is not None:
        x = to_device(x, device)
    return _astype(x, as_dtype(dtype), copy)
