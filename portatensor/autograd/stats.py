"""Differentiable statistics: var, std and logsumexp, as namespace functions and PyTorch-style methods.

``var``/``std`` run the array layer's forward (``ops.reduce.var``/``std``) and
record a node whose rule is ``g * 2 (x - mean) / (N - correction)`` (and
``/ (2 std)`` for std), built from recorded ops so double backward works.
``logsumexp`` is composed of recorded ops around a detached row maximum.
"""

from __future__ import annotations

import math
from typing import Any

from ..ops import reduce as _reduce
from ..ops.search import where as RAW_WHERE
from ..ops.table import ELEMENTWISE
from ..tensor import Tensor
from ..views import normalize_axes
from . import function as F
from .engine import GRAD, needs_grad

RAW_VAR = _reduce.var
RAW_STD = _reduce.std


class _Moment(F.Function):
    """var (std=False) or std of x over axes, divided by N - correction."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, axes: tuple[int, ...], correction: float, keepdims: bool, std: bool) -> Tensor:
        raw = RAW_STD if std else RAW_VAR
        out = raw(x, axis=axes, correction=correction, keepdims=keepdims)
        ctx.axes, ctx.correction, ctx.keepdims, ctx.std = axes, correction, keepdims, std
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, out = ctx.saved_tensors
        keep = tuple(1 if i in ctx.axes else n for i, n in enumerate(x.shape))
        if not ctx.keepdims:
            g = F.reshape(g, keep)
            out = F.reshape(out, keep)
        if ctx.std:
            g = g / (out * 2.0)
        n = math.prod(x.shape[a] for a in ctx.axes)
        dev = x - _reduce.reduce("mean", x, ctx.axes, True, None)
        return dev * (g * (2.0 / (n - ctx.correction))), None, None, None, None


def _moment(x: Tensor, axis: Any, correction: float, keepdims: bool, std: bool) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{'std' if std else 'var'}: expected a Tensor, got {type(x).__name__}")
    if GRAD.enabled and needs_grad(x) and x.dtype.kind == "f":
        axes = normalize_axes(axis, x.ndim)
        return _Moment.apply(x, axes, correction, keepdims, std)
    raw = RAW_STD if std else RAW_VAR
    return raw(x, axis=axis, correction=correction, keepdims=keepdims)


def _correction(correction: Any, unbiased: Any, default: float) -> float:
    if correction is not None and unbiased is not None:
        raise TypeError("pass either correction= or unbiased=, not both")
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    return default if correction is None else correction


def var(x: Tensor, /, *, axis: Any = None, correction: float | None = None, keepdims: bool = False,
        dim: Any = None, keepdim: bool = False, unbiased: bool | None = None) -> Tensor:
    """Variance over axis, divided by N - correction (the standard's default correction is 0).

    PyTorch's spellings ``dim=``, ``keepdim=`` and ``unbiased=`` are accepted too.
    """
    return _moment(x, dim if dim is not None else axis, _correction(correction, unbiased, 0.0),
                   keepdims or keepdim, False)


def std(x: Tensor, /, *, axis: Any = None, correction: float | None = None, keepdims: bool = False,
        dim: Any = None, keepdim: bool = False, unbiased: bool | None = None) -> Tensor:
    """Standard deviation over axis (the square root of ``var``)."""
    return _moment(x, dim if dim is not None else axis, _correction(correction, unbiased, 0.0),
                   keepdims or keepdim, True)


def _method(std_: bool) -> Any:
    def method(self: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
               correction: float | None = None, axis: Any = None, keepdims: bool = False) -> Tensor:
        if isinstance(dim, bool):  # PyTorch's overload x.var(unbiased)
            dim, unbiased = None, dim
        return _moment(self, dim if dim is not None else axis, _correction(correction, unbiased, 1.0),
                       keepdim or keepdims, std_)

    method.__name__ = "std" if std_ else "var"
    method.__doc__ = (f"PyTorch's ``x.{method.__name__}(dim, unbiased=True, keepdim=False, *, correction=)``: "
                      "the default divides by N - 1, like PyTorch.")
    return method


var_method = _method(False)
std_method = _method(True)


def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over dim, computed around the (detached) maximum so it does not overflow."""
    if not isinstance(x, Tensor) or x.dtype.kind != "f":
        raise TypeError(f"logsumexp needs a floating-point tensor, got {getattr(x, 'dtype', type(x).__name__)}")
    axes = normalize_axes(dim if dim is not None else axis, x.ndim)
    keep = keepdim or keepdims
    if x.size == 0:
        return F.reduce("sum", x, axes, keep, None) + -math.inf
    m = F.RAW_REDUCE("max", F.detach(x), axes, True, None)
    m = RAW_WHERE(F.RAW_RUN(ELEMENTWISE["isfinite"], (m,)), m, 0.0)  # all -inf (or +inf) rows stay exact
    out = F._ewr("log", F.reduce("sum", F._ewr("exp", x - m), axes, True, None)) + m
    return out if keep else F.reshape(out, tuple(n for i, n in enumerate(out.shape) if i not in axes))


__all__ = ["logsumexp", "std", "std_method", "var", "var_method"]
