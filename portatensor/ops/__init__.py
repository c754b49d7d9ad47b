"""Layer 5: every operation, and the Tensor operators that call them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from . import creation, elementwise, linalg, reduce
from .table import ELEMENTWISE


def _binary(name: str) -> Callable[[Tensor, Any], Any]:
    op = ELEMENTWISE[name]
    binary = elementwise.binary

    def method(self: Tensor, other: Any, /) -> Any:
        if isinstance(other, (Tensor, int, float, complex)):
            return binary(op, self, other)
        return NotImplemented

    method.__name__ = f"__{name}__"
    return method


def _reflected(name: str) -> Callable[[Tensor, Any], Any]:
    op = ELEMENTWISE[name]
    run = elementwise.run

    def method(self: Tensor, other: Any, /) -> Any:
        if isinstance(other, (int, float, complex)):
            return run(op, (other, self))
        return NotImplemented

    return method


def _inplace(name: str) -> Callable[[Tensor, Any], Tensor]:
    op = ELEMENTWISE[name]

    def method(self: Tensor, other: Any, /) -> Tensor:
        if not isinstance(other, (Tensor, int, float, complex)):
            return NotImplemented
        return elementwise.run_into(op, [self, other], self)

    return method


def _unary(name: str) -> Callable[[Tensor], Tensor]:
    op = ELEMENTWISE[name]

    def method(self: Tensor) -> Tensor:
        return elementwise.run(op, (self,))

    method.__name__ = f"__{name}__"
    return method


def matmul_result_inplace(x: Tensor, other: Any) -> Tensor | None:
    """x @ other for ``x @= other``, checked to keep x's shape and dtype; None when other is not an array."""
    if not isinstance(other, Tensor):
        return None
    r = linalg.matmul(x, other)
    if r.shape != x.shape:
        raise ValueError(f"x @= other would change the shape of x from {x.shape} to {r.shape} "
                         f"(other has shape {other.shape})")
    if r.dtype is not x.dtype:
        raise TypeError(f"x @= other would change the dtype of a {x.dtype.name} array to {r.dtype.name}")
    return r


def _imatmul(self: Tensor, other: Any, /) -> Any:
    r = matmul_result_inplace(self, other)
    if r is None:
        return NotImplemented
    elementwise.run_into(ELEMENTWISE["copy"], [r], self)
    return self


def _install() -> None:
    """Give Tensor its operators; they all go through the op table."""
    for dunder, name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide")):
        setattr(Tensor, f"__{dunder}__", _binary(name))
        setattr(Tensor, f"__r{dunder}__", _reflected(name))
        setattr(Tensor, f"__i{dunder}__", _inplace(name))
    for dunder, name in (("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "pow"),
                         ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                         ("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift")):
        setattr(Tensor, f"__{dunder}__", _binary(name))
        setattr(Tensor, f"__r{dunder}__", _reflected(name))
        setattr(Tensor, f"__i{dunder}__", _inplace(name))
    # NOTE: Python reflects comparisons itself (1 < x calls x.__gt__(1)). __eq__
    # with anything but an array or a Python scalar returns NotImplemented, so
    # Python falls back to identity; __hash__ stays id() (set in tensor.py).
    for dunder, name in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                         ("eq", "equal"), ("ne", "not_equal")):
        setattr(Tensor, f"__{dunder}__", _binary(name))
    for dunder, name in (("abs", "abs"), ("invert", "bitwise_invert")):
        setattr(Tensor, f"__{dunder}__", _unary(name))
    Tensor.__setitem__ = elementwise.setitem  # type: ignore[method-assign]
    Tensor.__neg__ = lambda self: elementwise.run(ELEMENTWISE["negative"], (self,))  # type: ignore[method-assign]
    Tensor.__pos__ = lambda self: elementwise.run(ELEMENTWISE["positive"], (self,))  # type: ignore[method-assign]
    Tensor.__matmul__ = lambda self, other, /: linalg.matmul(self, other)  # type: ignore[method-assign]
    Tensor.__rmatmul__ = lambda self, other, /: linalg.matmul(other, self)  # type: ignore[method-assign]
    Tensor.__imatmul__ = _imatmul  # type: ignore[attr-defined]
    Tensor.astype = lambda self, dtype, copy=True: elementwise.astype(self, dtype, copy)  # type: ignore[attr-defined]
    Tensor.sum = lambda self, axis=None, dtype=None, keepdims=False: reduce.sum(  # type: ignore[attr-defined]
        self, axis=axis, dtype=dtype, keepdims=keepdims)
    Tensor.to_device = lambda self, device, /, *, stream=None: creation.to_device(self, device)  # type: ignore[attr-defined]
    for name in ("max", "min", "prod", "mean", "var", "std", "all", "any", "argmax", "argmin"):
        setattr(Tensor, name, getattr(reduce, name))  # the x-first functions bind self as x
    Tensor.__dlpack__ = creation.to_dlpack  # type: ignore[attr-defined]
    Tensor.__dlpack_device__ = creation.dlpack_device  # type: ignore[attr-defined]


_install()

__all__ = ["creation", "elementwise", "linalg", "reduce"]
