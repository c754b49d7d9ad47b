"""Differentiable indexing: advanced getitem, setitem, gather, scatter_add, index_select, where, masked_fill.

The gradient of a gather ``out = x[key]`` is a scatter-add of ``g`` into zeros
of x's shape at the same element offsets (``ops.index._Plan`` computes them).
When the key can name an element twice (integer arrays) the offsets are sorted
and each run of equal offsets is summed by one work-item, in order, so the
result does not depend on scheduling (``templates/autograd.cl.mako``); keys of
boolean masks only name each element once and scatter directly.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..ops import index as _index
from ..ops import search as _search
from ..ops.table import ELEMENTWISE
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import normalize_axis
from . import function as F
from .engine import GRAD, needs_grad

_COPY = ELEMENTWISE["copy"]
RAW_SETITEM = Tensor.__setitem__
RAW_WHERE = _search.where


def _key_items(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)


def _unique_offsets(key: Any) -> bool:
    """Whether every element the advanced key selects is distinct (no integer arrays in it)."""
    for k in _key_items(key):
        if isinstance(k, Tensor) and k.dtype.kind != "b":
            return False
        if isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype.kind != "b":
            return False
    return True


def _flat(t: Tensor) -> Tensor:
    """t contiguous and starting at offset 0 (what the scatter kernels index from)."""
    return t if t.is_contiguous() and t.offset == 0 else F.RAW_RUN(_COPY, (t,))


def index_add_dense(g: Tensor, key: Any, shape: tuple[int, ...], unique: bool) -> Tensor:
    """zeros(shape) with g added at the elements ``key`` selects (repeated elements sum)."""
    from ..ops.creation import zeros
    from ..ops.sort import _sort_rows

    out = zeros(shape, dtype=g.dtype, device=g.device)
    plan = _index._Plan(out, key)
    if g.shape != plan.shape:
        raise ValueError(f"index_add: values of shape {g.shape} do not match the selection of shape {plan.shape}")
    n = g.size
    if n == 0:
        return out
    gc = _flat(g)
    offs = plan.offsets()
    if unique:
        _index._kernel_launch(g.device, "scatter", g.dtype, [out._storage.buf, gc._storage.buf, offs._storage.buf,
                                                              plan.base, n], n)
        return out
    soffs, perm = _sort_rows(F.raw_reshape(offs, (n,)), 0, False)
    kernel = g.device.kernel(KernelSpec.make("autograd", "scatter_add_sorted", (g.dtype.name,)))
    launch(g.device, kernel, (n,), None,
           [out._storage.buf, gc._storage.buf, soffs._storage.buf, perm._storage.buf, plan.base, n])
    return out


class IndexGet(F.Function):
    """x[key] with an advanced key; backward scatter-adds into zeros of x's shape."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, key: Any) -> Tensor:
        ctx.key, ctx.shape = key, x.shape
        return F.RAW_GETITEM(x, key)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        return IndexAdd.apply(g, ctx.key, ctx.shape), None


class IndexAdd(F.Function):
    """zeros(shape) with g added at key; backward gathers at key (for double backward)."""

    @staticmethod
    def forward(ctx: Any, g: Tensor, key: Any, shape: tuple[int, ...]) -> Tensor:
        ctx.key = key
        return index_add_dense(g, key, shape, _unique_offsets(key))

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> Any:
        return getitem(gg, ctx.key), None, None


def getitem(x: Tensor, key: Any, /) -> Tensor:
    """``x[key]`` recorded for backward: basic keys as views, advanced keys as a gather."""
    if GRAD.enabled and x._ag is not None and x._ag.requires_grad and _index.is_advanced(key):
        return IndexGet.apply(x, key)
    return F.getitem(x, key)


class SetItem(F.Function):
    """``x[key] = v`` in place: x's gradient is g with zeros at key; v's is g[key]."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, key: Any, v: Any) -> Tensor:
        ctx.key = key
        RAW_SETITEM(x, key, v)
        return x

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = F.RAW_RUN(_COPY, (g,))
            RAW_SETITEM(gx, ctx.key, 0)
        if ctx.needs_input_grad[2]:
            gv = getitem(g, ctx.key)
        return gx, None, gv


def setitem(x: Tensor, key: Any, value: Any, /) -> None:
    """``x[key] = value``; recorded when x or value requires grad (x must not be a leaf that requires grad)."""
    if GRAD.enabled and (needs_grad(x) or needs_grad(value)):
        if needs_grad(x) and x._ag.grad_fn is None:
            raise RuntimeError(f"a leaf tensor that requires grad (shape {x.shape}) is being used in an in-place "
                               "assignment x[...] = v; wrap it in pt.no_grad(), assign into x.data, or work on "
                               "a clone()")
        if x._ag is not None and x._ag.view_base is not None:
            # NOTE: x is a view: write into a recorded copy, then through the view, so the base's history
            # sees the assignment (function.assign_inplace).
            r = F.run(_COPY, (x,))
            SetItem.apply(r, key, value)
            F.assign_inplace(x, r)
            return
        SetItem.apply(x, key, value)
        return
    RAW_SETITEM(x, key, value)


def _along_key(x: Tensor, dim: int, index: Tensor, name: str) -> tuple[Any, ...]:
    """The advanced key picking x[..., index[i, j, k], ...] along dim with index's shape (gather/scatter)."""
    from ..ops.creation import arange

    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an integer tensor, got "
                        f"{index.dtype.name if isinstance(index, Tensor) else type(index).__name__}")
    if index.ndim != x.ndim:
        raise ValueError(f"{name}: index of shape {index.shape} must have as many dimensions as the input "
                         f"of shape {x.shape}")
    d = normalize_axis(dim, x.ndim)
    for i, (a, b) in enumerate(zip(index.shape, x.shape, strict=False)):
        if i != d and a > b:
            raise ValueError(f"{name}: index of shape {index.shape} is larger than the input of shape {x.shape} "
                             f"in dimension {i}")
    key: list[Any] = []
    for i in range(x.ndim):
        if i == d:
            key.append(index)
        else:
            r = arange(index.shape[i], dtype=_dt.int64, device=x.device)
            shape = tuple(index.shape[i] if j == i else 1 for j in range(x.ndim))
            key.append(r._view(shape, tuple(1 if j == i else 0 for j in range(x.ndim)), r.offset))
    return tuple(key)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` for dim 0 (PyTorch's gather); out has index's shape."""
    key = _along_key(input, dim, index, "gather")
    if GRAD.enabled and needs_grad(input):
        return IndexGet.apply(input, key)
    return F.RAW_GETITEM(input, key)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of input with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (dim 0); repeated indices sum."""
    key = _along_key(input, dim, index, "scatter_add")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
    if src.ndim != index.ndim or any(a < b for a, b in zip(src.shape, index.shape, strict=False)):
        raise ValueError(f"scatter_add: src of shape {src.shape} must be at least as large as index "
                         f"of shape {index.shape} in every dimension")
    if src.shape != index.shape:
        src = getitem(src, tuple(slice(0, n) for n in index.shape))
    if src.dtype is not input.dtype:
        raise TypeError(f"scatter_add: src ({src.dtype.name}) and input ({input.dtype.name}) must have one dtype")
    return input + IndexAdd.apply(src, key, input.shape)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """The slices of input along dim at the positions in the 1-d integer tensor index."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError("index_select: index must be an integer tensor")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {index.shape}")
    d = normalize_axis(dim, input.ndim)
    if index.ndim == 0:
        index = F.raw_reshape(index, (1,))
    return getitem(input, (slice(None),) * d + (index,))


def where(condition: Tensor, x1: Any, x2: Any, /) -> Tensor:
    """Elements of x1 where condition is true, else of x2; recorded for x1 and x2."""
    out = RAW_WHERE(condition, x1, x2)
    if GRAD.enabled:
        F.record_elementwise("where", (condition, x1, x2), out)
    return out


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """x with value where the bool mask (broadcast to x) is true."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        raise TypeError("masked_fill: mask must be a bool tensor")
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a 0-d tensor or a number, got shape {value.shape}")
        return where(mask, F.cast(value, x.dtype) if value.dtype is not x.dtype else value, x)
    v = float(value) if x.dtype.kind in "fc" else operator.index(value) if x.dtype.kind in "iu" else bool(value)
    return where(mask, v, x)


def masked_fill_(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place masked_fill (recorded like the other in-place ops)."""
    r = masked_fill(x, mask, value)
    if r.shape != x.shape:
        raise ValueError(f"masked_fill_: mask of shape {mask.shape} does not broadcast to {x.shape}")
    return F.assign_inplace(x, r)


__all__ = ["gather", "getitem", "index_add_dense", "index_select", "masked_fill", "masked_fill_", "scatter_add",
           "setitem", "where"]
