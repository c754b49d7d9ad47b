"""Recording versions of the standard's manipulation, indexing, scan and sort functions.

The array layer's ``reshape``, ``concat``, ``flip``, ``take``... build views or
copies without autograd. ``install()`` replaces them in their modules
(``ops.manipulate``, ``ops.index``, ``ops.reduce``, ``ops.sort``) with versions
that record when an input requires grad and call the original otherwise, so
``pt.stack``, ``pt.reshape``, ``pt.tile``, ``pt.take`` (and every function
composed of them) give gradients instead of silently dropping them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from ..ops import elementwise as _ew
from ..ops import index as _index
from ..ops import manipulate as _mp
from ..ops import reduce as _reduce
from ..ops import sort as _sort
from ..ops.table import ELEMENTWISE
from ..tensor import Tensor
from ..views import normalize_axis
from . import function as F
from . import indexing
from .engine import GRAD, needs_grad

RAW = {name: getattr(_mp, name) for name in ("reshape", "permute_dims", "expand_dims", "squeeze", "flip", "moveaxis",
                                             "broadcast_to", "concat", "roll")}
RAW_INDEX_GETITEM = _index.getitem
RAW_CUMSUM = _reduce.cumulative_sum
RAW_CUMPROD = _reduce.cumulative_prod
RAW_SORT = _sort.sort


def _rec(*xs: Any) -> bool:
    return GRAD.enabled and any(needs_grad(x) for x in xs)


class ViewOf(F.Function):
    """A view op ``fn`` that maps each output element to a distinct input element (flip, squeeze, moveaxis)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, fn: Callable[[Tensor], Tensor]) -> Tensor:
        ctx.view, ctx.shape = fn, x.shape
        return fn(x)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        from ..ops.creation import zeros

        z = zeros(ctx.shape, dtype=g.dtype, device=g.device)
        _ew.run_into(ELEMENTWISE["copy"], [g], ctx.view(z))  # the same view of z: g lands where x's elements were
        return z, None


def reshape(x: Tensor, /, shape: Any, *, copy: bool | None = None) -> Tensor:
    """The standard's reshape, recorded."""
    if not _rec(x):
        return RAW["reshape"](x, shape, copy=copy)
    if copy is False and not x.is_contiguous():
        return RAW["reshape"](x, shape, copy=copy)  # raises the standard's error
    out = F.reshape(x, shape)
    if copy and out._storage is x._storage:
        out = F.run(ELEMENTWISE["copy"], (out,))
    return out


def permute_dims(x: Tensor, /, axes: Sequence[int]) -> Tensor:
    return F.permute(x, axes) if _rec(x) else RAW["permute_dims"](x, axes)


def expand_dims(x: Tensor, /, axis: Any = 0) -> Tensor:
    raw = RAW["expand_dims"]
    return ViewOf.apply(x, lambda t: raw(t, axis=axis)) if _rec(x) else raw(x, axis=axis)


def squeeze(x: Tensor, /, axis: Any) -> Tensor:
    raw = RAW["squeeze"]
    return ViewOf.apply(x, lambda t: raw(t, axis)) if _rec(x) else raw(x, axis)


def flip(x: Tensor, /, *, axis: Any = None) -> Tensor:
    raw = RAW["flip"]
    return ViewOf.apply(x, lambda t: raw(t, axis=axis)) if _rec(x) else raw(x, axis=axis)


def moveaxis(x: Tensor, source: Any, destination: Any, /) -> Tensor:
    raw = RAW["moveaxis"]
    return ViewOf.apply(x, lambda t: raw(t, source, destination)) if _rec(x) else raw(x, source, destination)


def broadcast_to(x: Tensor, /, shape: tuple[int, ...]) -> Tensor:
    out = RAW["broadcast_to"](x, shape)  # validates
    return F.expand(x, out.shape) if _rec(x) else out


def concat(arrays: Sequence[Tensor], /, *, axis: int | None = 0) -> Tensor:
    if not isinstance(arrays, (tuple, list)) or not _rec(*arrays):
        return RAW["concat"](arrays, axis=axis)
    if axis is None:
        arrays = [reshape(a, (-1,)) for a in arrays]
        axis = 0
    if arrays[0].ndim == 0:
        raise ValueError("concat: 0-d arrays cannot be concatenated; use stack")
    return F.cat(arrays, axis)


def roll(x: Tensor, /, shift: Any, *, axis: Any = None) -> Tensor:
    if not _rec(x):
        return RAW["roll"](x, shift, axis=axis)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, axis=0), x.shape)
    shifts = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shifts} and axis {axes} differ in length")
    for s, a in zip(shifts, axes, strict=True):
        ax = normalize_axis(a, x.ndim)
        n = x.shape[ax]
        k = operator.index(s) % n if n else 0
        if k:
            pre = (slice(None),) * ax
            x = F.cat([F.getitem(x, pre + (slice(n - k, n),)), F.getitem(x, pre + (slice(0, n - k),))], ax)
    return x


def index_getitem(x: Tensor, key: Any) -> Tensor:
    """ops.index.getitem, recorded (take, take_along_axis and repeat with counts go through it)."""
    return indexing.IndexGet.apply(x, key) if _rec(x) else RAW_INDEX_GETITEM(x, key)


class CumSum(F.Function):
    """Running sum along an axis; its gradient is the reversed running sum of g."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, axis: int, dtype: Any, include_initial: bool) -> Tensor:
        ctx.axis, ctx.include_initial = axis, include_initial
        return RAW_CUMSUM(x, axis=axis, dtype=dtype, include_initial=include_initial)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        ax = ctx.axis
        if ctx.include_initial:
            g = F.getitem(g, (slice(None),) * ax + (slice(1, None),))
        return flip(cumulative_sum(flip(g, axis=ax), axis=ax), axis=ax), None, None, None


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> Tensor:
    """The standard's cumulative_sum, recorded."""
    if not _rec(x) or x.dtype.kind not in "fc":
        return RAW_CUMSUM(x, axis=axis, dtype=dtype, include_initial=include_initial)
    if axis is None:
        if x.ndim != 1:
            return RAW_CUMSUM(x, axis=axis, dtype=dtype, include_initial=include_initial)  # raises
        axis = 0
    return CumSum.apply(x, normalize_axis(axis, x.ndim), dtype, include_initial)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Tensor:
    """The standard's cumulative_prod, recorded (``stats.cumulative_prod``) when x requires grad."""
    if _rec(x):
        from .stats import cumulative_prod as recorded

        return recorded(x, axis=axis, dtype=dtype, include_initial=include_initial)
    return RAW_CUMPROD(x, axis=axis, dtype=dtype, include_initial=include_initial)


def sort(x: Tensor, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> Tensor:
    """The standard's sort; the values are gathered through the sorting indices when recording."""
    if not _rec(x):
        return RAW_SORT(x, axis=axis, descending=descending, stable=stable)
    idx = _sort.argsort(F.detach(x), axis=axis, descending=descending, stable=stable)
    return indexing.gather(x, axis, idx)


def _namespace_astype(raw: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
        """x converted to dtype (and moved to device if given); recorded between floating dtypes."""
        from .. import dtypes as _dt

        dt = _dt.as_dtype(dtype)
        if _rec(x) and device is None and dt.kind in "fc" and (copy or dt is not x.dtype):
            return F.cast(x, dt)
        return raw(x, dtype, copy=copy, device=device)

    return astype


def install() -> None:
    """Put the recording versions into the array layer's modules."""
    from .. import _elementwise_functions as _ef

    _ef.astype = _namespace_astype(_ef.astype)
    for name in RAW:
        setattr(_mp, name, globals()[name])
    _index.getitem = index_getitem
    _reduce.cumulative_sum = cumulative_sum
    _reduce.cumulative_prod = cumulative_prod
    _sort.sort = sort


__all__ = ["broadcast_to", "concat", "cumulative_prod", "cumulative_sum", "expand_dims", "flip", "index_getitem",
           "install", "moveaxis", "permute_dims", "reshape", "roll", "sort", "squeeze"]
