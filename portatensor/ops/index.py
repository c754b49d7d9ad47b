"""Advanced indexing on the device: integer arrays, boolean masks, take, nonzero.

Every advanced index becomes one int64 tensor of element offsets, built with
elementwise ops (index % size * stride, plus an arange per kept dim), then a
single gather (read) or scatter (write) kernel walks it. Out-of-range indices
are found by reducing each index array to its min and max and reading them
back together: one host sync per indexing call.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import basic_index, broadcast_shapes, broadcast_strides, contiguous_strides, normalize_axis
from .elementwise import INDEX32_LIMIT, apply, astype, run, run_into
from .table import ELEMENTWISE

_I64 = _dt.int64


def is_advanced(key: Any) -> bool:
    """Whether key holds an integer array, a boolean mask or a list (NumPy's advanced indexing)."""
    items = key if isinstance(key, tuple) else (key,)
    for k in items:
        if isinstance(k, (Tensor, list, np.ndarray)):
            return True
    return False


def _as_index_tensor(k: Any, device: Any) -> Tensor:
    if isinstance(k, Tensor):
        return k
    from .creation import asarray

    a = np.asarray(k)
    if a.dtype.kind not in "biu":
        if a.size == 0:
            a = a.astype(np.int64)
        else:
            raise IndexError(f"arrays used as indices must be of integer or boolean type, got {a.dtype}")
    return asarray(a, device=device)


def _kernel_launch(device: Any, entry: str, dt: _dt.DType, args: list, n: int) -> None:
    spec = KernelSpec.make("index", entry, (dt.name,), dt=dt.name, idx64=n > INDEX32_LIMIT)
    launch(device, device.kernel(spec), (n,), None, args)


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    """Indices of the nonzero elements, one int64 array per dimension (C order)."""
    from .reduce import cumulative_sum

    if not isinstance(x, Tensor):
        raise TypeError(f"nonzero: expected a Tensor, got {type(x).__name__}")
    if x.ndim == 0:
        raise ValueError("nonzero is undefined for 0-d arrays; use nonzero(x[None]) or a comparison")
    device = x.device
    if x.dtype.kind == "c":
        mask = apply("not_equal", x, 0j)
    else:
        mask = astype(x, _dt.bool_)
    n = x.size
    if n == 0:
        return tuple(Tensor.empty((0,), _I64, device) for _ in range(x.ndim))
    flat = mask._view((n,), (1,), mask.offset)
    csum = cumulative_sum(flat, dtype=_I64)
    count = int(csum[n - 1].item())  # NOTE: the data-dependent shape: one host sync
    pos = Tensor.empty((count,), _I64, device)
    if count:
        spec = KernelSpec.make("index", "compact", (), idx64=n > INDEX32_LIMIT)
        launch(device, device.kernel(spec), (n,), None, [pos._storage.buf, mask._storage.buf, csum._storage.buf, n])
    if x.ndim == 1:
        return (pos,)
    out = []
    for size, stride in zip(x.shape, contiguous_strides(x.shape), strict=True):
        q = apply("floor_divide", pos, stride) if stride != 1 else pos
        out.append(apply("remainder", q, size) if count else q)
    return tuple(out)


class _Plan:
    """An advanced key resolved against a tensor: base view, result shape, offsets to compute."""

    def __init__(self, x: Tensor, key: Any) -> None:
        items = list(key) if isinstance(key, tuple) else [key]
        device = x.device
        items = [_as_index_tensor(k, device) if isinstance(k, (list, np.ndarray)) else k for k in items]
        if sum(1 for k in items if k is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        consumed = 0
        for k in items:
            if k is None or k is Ellipsis:
                continue
            consumed += k.ndim if isinstance(k, Tensor) and k.dtype.kind == "b" else 1
        if consumed > x.ndim:
            raise IndexError(f"too many indices: array is {x.ndim}-dimensional, but {consumed} were indexed")
        if Ellipsis in [k for k in items if not isinstance(k, Tensor)]:
            i = next(j for j, k in enumerate(items) if k is Ellipsis and not isinstance(k, Tensor))
            items[i:i + 1] = [slice(None)] * (x.ndim - consumed)
        else:
            items += [slice(None)] * (x.ndim - consumed)
        basic: list[Any] = []
        adv: list[tuple[int, Any, int]] = []  # (dim in the view, index tensor or int, source axis)
        adv_items: list[int] = []
        out_dim = xdim = 0
        for pos, k in enumerate(items):
            if k is None:
                basic.append(None)
                out_dim += 1
            elif isinstance(k, slice):
                basic.append(k)
                out_dim += 1
                xdim += 1
            elif isinstance(k, Tensor):
                if k.device is not device:
                    raise IndexError(f"index array is on {k.device}, the array on {device}")
                adv_items.append(pos)
                if k.dtype.kind == "b":
                    want = x.shape[xdim:xdim + k.ndim]
                    # the standard: each mask dimension equals the indexed one or is 0 (selects nothing)
                    fits = len(want) == k.ndim and all(s in (w, 0) for s, w in zip(k.shape, want, strict=True))
                    if not fits:
                        raise IndexError(f"boolean index of shape {k.shape} does not match the indexed "
                                         f"dimensions {want} (axes {xdim}..{xdim + k.ndim - 1})")
                    if k.ndim == 0:
                        # A 0-d mask adds one axis holding x once (True) or not at all (False):
                        # a new size-1 axis indexed by [0] or [] (the standard's rule with M = 0).
                        basic.append(None)
                        adv.append((out_dim, nonzero(k._view((1,), (0,), k.offset))[0], -1))
                        out_dim += 1
                        continue
                    for c in nonzero(k):
                        basic.append(slice(None))
                        adv.append((out_dim, c, -1))
                        out_dim += 1
                        xdim += 1
                elif k.dtype.kind in "iu":
                    basic.append(slice(None))
                    adv.append((out_dim, k, xdim))
                    out_dim += 1
                    xdim += 1
                else:
                    raise IndexError(f"arrays used as indices must be of integer or boolean type, got {k.dtype.name}")
            else:
                try:
                    i = operator.index(k)
                except TypeError:
                    raise IndexError(f"only integers, slices, None, ..., integer and boolean arrays are valid "
                                     f"indices, got {type(k).__name__}") from None
                n = x.shape[xdim]
                if not -n <= i < n:
                    raise IndexError(f"index {i} is out of bounds for axis {xdim} with size {n}")
                adv_items.append(pos)
                basic.append(slice(None))
                adv.append((out_dim, i % n, xdim))
                out_dim += 1
                xdim += 1
        shape, strides, offset = basic_index(x.shape, x.strides, x.offset, tuple(basic))
        self.x, self.adv, self.view_shape, self.view_strides = x, adv, shape, strides
        self.base = offset + sum(strides[d] * k for d, k, _ in adv if not isinstance(k, Tensor))
        self.B = broadcast_shapes(*(k.shape for _, k, _ in adv if isinstance(k, Tensor)))
        adv_dims = {d for d, _, _ in adv}
        self.rest = [d for d in range(len(shape)) if d not in adv_dims]
        adjacent = adv_items == list(range(adv_items[0], adv_items[0] + len(adv_items)))
        lead = sum(1 for d in self.rest if d < adv[0][0]) if adjacent else 0
        self.lead = lead
        self.shape = (*[shape[d] for d in self.rest[:lead]], *self.B, *[shape[d] for d in self.rest[lead:]])

    def check_bounds(self) -> None:
        """IndexError naming the first out-of-range index and its axis size (one sync for all arrays)."""
        from .manipulate import stack
        from .reduce import reduce

        checks = [(k, ax) for _, k, ax in self.adv if isinstance(k, Tensor) and ax >= 0 and k.size]
        if not checks:
            return
        parts = []
        for k, _ in checks:
            parts += [astype(reduce("min", k), _I64), astype(reduce("max", k), _I64)]
        lim = stack(parts).numpy()
        for j, (_, ax) in enumerate(checks):
            n = self.x.shape[ax]
            for v in (lim[2 * j], lim[2 * j + 1]):
                if not -n <= v < n:
                    raise IndexError(f"index {int(v)} is out of bounds for axis {ax} with size {n}")

    def offsets(self) -> Tensor:
        """The int64 element offsets (relative to self.base) of every result element, contiguous."""
        from .creation import arange

        out_shape, nb, lead = self.shape, len(self.B), self.lead
        terms: list[Tensor] = []
        for d, k, _ in self.adv:
            if not isinstance(k, Tensor):
                continue
            n, s = self.view_shape[d], self.view_strides[d]
            t = apply("remainder", astype(k, _I64, copy=False), n) if n else astype(k, _I64, copy=False)
            if s != 1:
                t = apply("multiply", t, s)
            bst = broadcast_strides(t.shape, t.strides, self.B)
            st = (0,) * lead + bst + (0,) * (len(out_shape) - lead - nb)
            terms.append(t._view(out_shape, st, t.offset))
        for j, d in enumerate(self.rest):
            pos = j if j < lead else j + nb
            r = arange(self.view_shape[d], dtype=_I64, device=self.x.device)
            s = self.view_strides[d]
            if s != 1:
                r = apply("multiply", r, s)
            st = [0] * len(out_shape)
            st[pos] = 1
            terms.append(r._view(out_shape, tuple(st), r.offset))
        acc = terms[0]
        for t in terms[1:]:
            acc = apply("add", acc, t)
        if len(terms) == 1:
            acc = run(ELEMENTWISE["copy"], (acc,))
        return acc


def getitem(x: Tensor, key: Any, /) -> Tensor:
    """x[key] with integer arrays and boolean masks mixed with basic indices, as NumPy does."""
    return _gather(x, key, False)


def _gather(x: Tensor, key: Any, trusted: bool) -> Tensor:
    """getitem; trusted: the index arrays are known to be in range (the library's own, e.g. an argsort's
    order), so the bounds check and its host sync are skipped. Not recorded by autograd."""
    plan = _Plan(x, key)
    if not trusted:
        plan.check_bounds()
    out = Tensor.empty(plan.shape, x.dtype, x.device)
    n = out.size
    if n == 0:
        return out
    offs = plan.offsets()
    args = [out._storage.buf, x._storage.buf, offs._storage.buf, plan.base, n]
    _kernel_launch(x.device, "gather", x.dtype, args, n)
    return out


def setitem(x: Tensor, key: Any, value: Any, /) -> None:
    """x[key] = value with an advanced key; value broadcasts to the selection's shape."""
    plan = _Plan(x, key)
    plan.check_bounds()
    if isinstance(value, Tensor):
        if value.device is not x.device:
            raise ValueError(f"cannot assign an array on {value.device} into one on {x.device}")
        if value.dtype is not x.dtype and _dt.PROMOTION.get((value.dtype, x.dtype)) is not x.dtype:
            raise TypeError(f"cannot assign {value.dtype.name} values into a {x.dtype.name} array without a cast")
        try:
            ok = broadcast_shapes(value.shape, plan.shape) == plan.shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"cannot assign an array of shape {value.shape} into a selection of shape {plan.shape}")
        value = value._view(plan.shape, broadcast_strides(value.shape, value.strides, plan.shape), value.offset)
    elif not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"cannot assign {type(value).__name__} into an array; use asarray first")
    n = 1
    for s in plan.shape:
        n *= s
    if n == 0:
        return
    vals = run_into(ELEMENTWISE["copy"], [value], Tensor.empty(plan.shape, x.dtype, x.device))
    offs = plan.offsets()
    x._storage.version += 1
    args = [x._storage.buf, vals._storage.buf, offs._storage.buf, plan.base, n]
    _kernel_launch(x.device, "scatter", x.dtype, args, n)


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    """Elements of x at the given integer indices along axis (x must be 1-d when axis is None)."""
    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take: x and indices must be arrays")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers, got {indices.dtype.name}")
    if indices.ndim != 1:
        raise ValueError(f"take: indices must be 1-d, got shape {indices.shape}")
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take: axis is required for a {x.ndim}-d array")
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    return getitem(x, (slice(None),) * ax + (indices,))


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    """Elements of x picked along axis by indices of the same rank (broadcast on the other axes)."""
    return take_along(x, indices, axis, trusted=False)


def take_along(x: Tensor, indices: Tensor, axis: int, trusted: bool) -> Tensor:
    """take_along_axis; trusted skips the bounds check (indices the library made, such as argsort's)."""
    from .creation import arange

    if not isinstance(x, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("take_along_axis: x and indices must be arrays")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got {indices.dtype.name}")
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {indices.shape} must have x's rank ({x.shape})")
    ax = normalize_axis(axis, x.ndim)
    key: list[Any] = []
    for d in range(x.ndim):
        if d == ax:
            key.append(indices)
        else:
            r = arange(x.shape[d], dtype=_I64, device=x.device)
            shape = [1] * x.ndim
            shape[d] = x.shape[d]
            key.append(r._view(tuple(shape), tuple(1 if i == d else 0 for i in range(x.ndim)), r.offset))
    return _gather(x, tuple(key), True) if trusted else getitem(x, tuple(key))


def repeat_along(x: Tensor, repeats: Tensor, axis: int) -> Tensor:
    """repeat() with one count per element along axis: a searchsorted over the running counts, then a gather."""
    from .creation import arange
    from .reduce import cumulative_sum
    from .search import searchsorted

    n = x.shape[axis]
    if repeats.ndim != 1 or repeats.shape[0] not in (1, n):
        raise ValueError(f"repeat: repeats of shape {repeats.shape} do not match axis {axis} of size {n}")
    from .reduce import reduce

    r64 = astype(repeats, _I64)
    if r64.size and int(reduce("min", r64).item()) < 0:
        raise ValueError("repeat: negative repeats")
    csum = cumulative_sum(r64, dtype=_I64)
    total = int(csum[n - 1].item()) if n else 0
    pos = arange(total, dtype=_I64, device=x.device)
    idx = searchsorted(csum, pos, side="right") if total else pos
    return getitem(x, (slice(None),) * axis + (idx,))
