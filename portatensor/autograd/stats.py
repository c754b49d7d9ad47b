"""Differentiable statistics: var, std and logsumexp, as namespace functions and PyTorch-style methods.

``var``/``std`` run the array layer's forward (``ops.reduce.var``/``std``) and
record a node whose rule is ``g * 2 (x - mean) / (N - correction)`` (and
``/ (2 std)`` for std), built from recorded ops so double backward works.
``logsumexp`` is composed of recorded ops around a detached row maximum.
``cumprod`` records a node whose rule stays exact when the input has zeros.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..ops import creation as _creation
from ..ops import elementwise as _ew
from ..ops import reduce as _reduce
from ..ops.search import where as RAW_WHERE
from ..ops.table import ELEMENTWISE
from ..tensor import Tensor
from ..views import normalize_axes, normalize_axis
from . import function as F
from . import indexing, namespace
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


class _CumProd(F.Function):
    """Running product along an axis.

    The gradient is ``revcumsum(g * y) / x`` before the first zero of a line,
    ``revcumsum(g * cumprod(x with that zero set to 1))`` at it and 0 after it,
    so zeros give exact gradients (the product rule without dividing by 0).
    Complex x: the product is holomorphic, so the same with y, x and the
    cumprod conjugated (PyTorch's convention, g * conj(dy/dx)).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, axis: int) -> Tensor:
        out = namespace.RAW_CUMPROD(x, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, y = ctx.saved_tensors
        ax = ctx.axis

        def rev_cumsum(t: Tensor) -> Tensor:
            return namespace.flip(namespace.cumulative_sum(namespace.flip(t, axis=ax), axis=ax), axis=ax)

        zero = F.RAW_RUN(ELEMENTWISE["equal"], (x, 0.0))
        seen = namespace.RAW_CUMSUM(_ew.astype(zero, _dt.int32), axis=ax)  # zeros up to and including here
        before = F.RAW_RUN(ELEMENTWISE["equal"], (seen, 0))
        first = F.RAW_RUN(ELEMENTWISE["logical_and"], (zero, F.RAW_RUN(ELEMENTWISE["equal"], (seen, 1))))
        conj = F._conj
        plain = rev_cumsum(g * conj(y)) / conj(RAW_WHERE(zero, 1.0, x))
        at_first = rev_cumsum(g * conj(namespace.RAW_CUMPROD(RAW_WHERE(first, 1.0, x), axis=ax)))
        return indexing.where(before, plain, indexing.where(first, at_first, 0.0)), None


def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """PyTorch's ``torch.cumprod(x, dim)``/``x.cumprod(dim)``: the running product along dim, differentiable."""
    if dtype is not None and _dt.as_dtype(dtype) is not x.dtype:
        x = F.cast(x, _dt.as_dtype(dtype)) if x.dtype.kind == "f" else _ew.astype(x, _dt.as_dtype(dtype))
    ax = normalize_axis(dim, x.ndim) if x.ndim else 0
    if x.ndim == 0:
        return F.reshape(cumprod(F.reshape(x, (1,)), 0), ())
    if GRAD.enabled and needs_grad(x) and x.dtype.kind in "fc":
        return _CumProd.apply(x, ax)
    return namespace.RAW_CUMPROD(x, axis=ax)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Tensor:
    """The standard's cumulative_prod, recorded (through ``cumprod``) when x requires grad."""
    if not (GRAD.enabled and needs_grad(x)) or x.dtype.kind not in "fc" or (axis is None and x.ndim != 1):
        return namespace.RAW_CUMPROD(x, axis=axis, dtype=dtype, include_initial=include_initial)
    out = cumprod(x, 0 if axis is None else axis, dtype=dtype)
    if include_initial:
        ax = normalize_axis(0 if axis is None else axis, x.ndim)
        shape = tuple(1 if i == ax else n for i, n in enumerate(out.shape))
        ones = _creation.ones(shape, dtype=out.dtype, device=out.device)
        out = F.cat([ones, out], ax)
    return out


__all__ = ["cumprod", "cumulative_prod", "logsumexp", "std", "std_method", "var", "var_method"]
