"""Searching and utility ops: where, searchsorted, diff."""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import normalize_axis
from .elementwise import apply, astype, contiguous, make_plan
from .table import ElementwiseOp

# NOTE: the condition arrives converted to the compute type; a complex value
# cannot be a C condition, so the complex form tests its real part.
_WHERE = ElementwiseOp("where", 3, "numeric", "((a != 0) ? b : c)", "biufc", (("c", "((a).x != 0 ? b : c)"),))
_SCALAR_RANK = {bool: 0, int: 1, float: 2, complex: 3}


def _scalar_dtype(values: list[Any]) -> _dt.DType:
    top = max(_SCALAR_RANK[type(v)] for v in values)
    return (_dt.bool_, _dt.default_int, _dt.default_float, _dt.default_complex)[top]


def where(condition: Tensor, x1: Any, x2: Any, /) -> Tensor:
    """Elements of x1 where condition is true, else of x2 (broadcast; x1, x2 may be Python scalars)."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where: condition must be an array, got {type(condition).__name__}")
    if condition.dtype is not _dt.bool_:
        raise TypeError(f"where: condition must be a bool array, got {condition.dtype.name}")
    operands = [condition, x1, x2]
    for o in (x1, x2):
        if not isinstance(o, Tensor) and type(o) not in _SCALAR_RANK:
            raise TypeError(f"where: x1 and x2 must be arrays or Python scalars, got {type(o).__name__}")
    arrays = [o for o in (x1, x2) if isinstance(o, Tensor)]
    if arrays:
        common = arrays[0].dtype if len(arrays) == 1 else _dt.result_type(x1.dtype, x2.dtype)
        for o in (x1, x2):
            if o.__class__ is complex and common.kind == "f":
                common = _dt.complex_dtype(common)
    else:
        common = _scalar_dtype([x1, x2])
    per = [_dt.bool_] + [o.dtype if isinstance(o, Tensor) else _dt.scalar_result_type(common, o) for o in (x1, x2)]
    device = condition.device
    plan = make_plan(_WHERE, operands, None, None, False, (common, common, per), device)
    if plan.kernel is None:
        return Tensor.empty(plan.shape, common, device)
    storage = device.pool.allocate(plan.nbytes)
    args: list[Any] = [storage.buf, 0]
    for o in operands:
        args += (o._storage.buf, o.offset) if isinstance(o, Tensor) else (o,)
    args += plan.tail
    launch(device, plan.kernel, plan.gsize, plan.lsize, args)
    return Tensor(storage, plan.shape, plan.strides, 0, common, device)


def searchsorted(x1: Tensor, x2: Any, /, *, side: str = "left", sorter: Tensor | None = None) -> Tensor:
    """Insertion points of x2's elements in the ascending 1-d x1 (NaN sorts last), default int dtype."""
    from .index import take

    if not isinstance(x1, Tensor):
        raise TypeError(f"searchsorted: x1 must be an array, got {type(x1).__name__}")
    if x1.ndim != 1:
        raise ValueError(f"searchsorted: x1 must be 1-d, got shape {x1.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if not isinstance(x2, Tensor):
        from .creation import asarray

        x2 = asarray(x2, dtype=x1.dtype, device=x1.device)
    if x1.dtype.kind == "c" or x2.dtype.kind == "c":
        raise TypeError("searchsorted: complex arrays have no order")
    if sorter is not None:
        x1 = take(x1, sorter)
    common = _dt.result_type(x1.dtype, x2.dtype)
    s = contiguous(astype(x1, common, copy=False))
    v = contiguous(astype(x2, common, copy=False))
    out = Tensor.empty(x2.shape, _dt.default_index, x1.device)
    m = out.size
    if m == 0:
        return out
    spec = KernelSpec.make("sort", "searchsorted", (common.name,), dt=common.name, right=side == "right")
    device = x1.device
    launch(device, device.kernel(spec), (m,), None,
           [out._storage.buf, (s if s.size else v)._storage.buf, s.offset if s.size else 0, v._storage.buf, v.offset,
            s.size, m, 0, m])
    return out


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th discrete difference along axis (x[i+1] - x[i]; != for bool), after prepend/append."""
    from .manipulate import concat

    if not isinstance(x, Tensor):
        raise TypeError(f"diff: expected an array, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("diff needs at least a 1-d array")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: n must be a non-negative integer, got {n!r}")
    ax = normalize_axis(axis, x.ndim)
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concat(parts, axis=ax)
    op = "not_equal" if x.dtype is _dt.bool_ else "subtract"
    for _ in range(n):
        if x.shape[ax] == 0:
            break
        hi = x[(slice(None),) * ax + (slice(1, None),)]
        lo = x[(slice(None),) * ax + (slice(None, -1),)]
        x = apply(op, hi, lo) if hi.size else contiguous(hi)
    return x


__all__ = ["where", "searchsorted", "diff"]
