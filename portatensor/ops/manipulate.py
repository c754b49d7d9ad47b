"""Shape manipulation: views by stride arithmetic where possible, copies through the elementwise copy."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ..views import broadcast_shapes, broadcast_strides, contiguous_strides, normalize_axes, normalize_axis
from .elementwise import run_into
from .table import ELEMENTWISE


def _check(name: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")


def _copy_into(dst: Tensor, src: Tensor) -> None:
    run_into(ELEMENTWISE["copy"], [src], dst)


def _resolve_shape(shape: Any, size: int) -> tuple[int, ...]:
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        shape = (shape,)
    try:
        dims = [operator.index(n) for n in shape]
    except TypeError:
        raise TypeError(f"reshape: shape must be a tuple of ints, got {shape!r}") from None
    unknown = [i for i, n in enumerate(dims) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in dims):
        raise ValueError(f"reshape: invalid shape {tuple(dims)} (at most one -1, no other negatives)")
    known = 1
    for n in dims:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape an array of size {size} into shape {tuple(dims)}")
        dims[unknown[0]] = size // known
    elif known != size:
        raise ValueError(f"reshape: cannot reshape an array of size {size} into shape {tuple(dims)}")
    return tuple(dims)


def _view_strides(shape: tuple, strides: tuple, new: tuple) -> tuple[int, ...] | None:
    """Strides that view (shape, strides) as new without a copy, or None (NumPy's no-copy reshape rule)."""
    old = [(n, s) for n, s in zip(shape, strides, strict=True) if n != 1]
    out: list[int] = []
    oi = 0
    ni = 0
    new_l = list(new)
    while ni < len(new_l):
        if new_l[ni] == 1:
            out.append(0)
            ni += 1
            continue
        if oi >= len(old):
            return None
        # Gather a group of old dims and new dims with equal products.
        op_, np_ = old[oi][0], new_l[ni]
        ogroup, ngroup = [oi], [ni]
        while op_ != np_:
            if op_ < np_:
                oi += 1
                if oi >= len(old):
                    return None
                op_ *= old[oi][0]
                ogroup.append(oi)
            else:
                ni += 1
                while ni < len(new_l) and new_l[ni] == 1:
                    ni += 1  # NOTE: size-1 dims inside a group get stride 0 below
                if ni >= len(new_l):
                    return None
                np_ *= new_l[ni]
                ngroup.append(ni)
        for a, b in zip(ogroup, ogroup[1:], strict=False):
            if old[a][1] != old[b][1] * old[b][0]:
                return None
        st = old[ogroup[-1]][1]
        group_strides = {}
        for j in reversed(range(ngroup[0], ngroup[-1] + 1)):
            if new_l[j] == 1:
                group_strides[j] = 0
                continue
            group_strides[j] = st
            st *= new_l[j]
        out += [group_strides[j] for j in range(ngroup[0], ngroup[-1] + 1)]
        ni = ngroup[-1] + 1
        oi += 1
    if oi != len(old):
        return None
    return tuple(out)


def reshape(x: Tensor, /, shape: Any, *, copy: bool | None = None) -> Tensor:
    """x with a new shape: a view when strides allow (copy=None/False), else a copy (copy=None/True)."""
    _check("reshape", x)
    new = _resolve_shape(shape, x.size)
    if copy is not True:
        st = contiguous_strides(new) if x.size == 0 else _view_strides(x.shape, x.strides, new)
        if st is not None:
            return x._view(new, st, x.offset)
        if copy is False:
            raise ValueError(f"reshape: cannot view shape {x.shape} with strides {x.strides} as {new} without a copy")
    c = Tensor.empty(x.shape, x.dtype, x.device)
    _copy_into(c, x)
    return c._view(new, contiguous_strides(new), 0)


def permute_dims(x: Tensor, /, axes: Sequence[int]) -> Tensor:
    """The view with dims reordered: result dim i is x's dim axes[i]."""
    _check("permute_dims", x)
    ax = tuple(normalize_axis(a, x.ndim) for a in axes)
    if sorted(ax) != list(range(x.ndim)):
        raise ValueError(f"permute_dims: axes {tuple(axes)} are not a permutation of {x.ndim} dims")
    return x._view(tuple(x.shape[a] for a in ax), tuple(x.strides[a] for a in ax), x.offset)


def matrix_transpose(x: Tensor, /) -> Tensor:
    """The view with the last two dims swapped."""
    _check("matrix_transpose", x)
    return x.mT


def expand_dims(x: Tensor, /, axis: int | tuple[int, ...] = 0) -> Tensor:
    """x with size-1 dims inserted at axis (positions in the result)."""
    _check("expand_dims", x)
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    nd = x.ndim + len(axes)
    pos = normalize_axes(axes, nd)
    shape, strides = list(x.shape), list(x.strides)
    for p in pos:
        shape.insert(p, 1)
        strides.insert(p, 0)
    return x._view(tuple(shape), tuple(strides), x.offset)


def squeeze(x: Tensor, /, axis: int | tuple[int, ...]) -> Tensor:
    """x without the size-1 dims named by axis; ValueError if one of them is not size 1."""
    _check("squeeze", x)
    axes = normalize_axes(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    keep = [i for i in range(x.ndim) if i not in axes]
    return x._view(tuple(x.shape[i] for i in keep), tuple(x.strides[i] for i in keep), x.offset)


def flip(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """The view with the order of elements reversed along axis (all by default)."""
    _check("flip", x)
    axes = normalize_axes(axis, x.ndim)
    strides, offset = list(x.strides), x.offset
    if x.size:
        for a in axes:
            offset += (x.shape[a] - 1) * strides[a]
            strides[a] = -strides[a]
    return x._view(x.shape, tuple(strides), offset)


def moveaxis(x: Tensor, source: int | tuple[int, ...], destination: int | tuple[int, ...], /) -> Tensor:
    """The view with axes moved from source to destination positions."""
    _check("moveaxis", x)
    src = (source,) if not isinstance(source, (tuple, list)) else tuple(source)
    dst = (destination,) if not isinstance(destination, (tuple, list)) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {src} and destination {dst} differ in length")
    s = [normalize_axis(a, x.ndim) for a in src]
    d = [normalize_axis(a, x.ndim) for a in dst]
    if len(set(s)) != len(s) or len(set(d)) != len(d):
        raise ValueError("moveaxis: repeated axis")
    order = [i for i in range(x.ndim) if i not in s]
    for dd, ss in sorted(zip(d, s, strict=True)):
        order.insert(dd, ss)
    return permute_dims(x, order)


def broadcast_to(x: Tensor, /, shape: tuple[int, ...]) -> Tensor:
    """The read-only-in-spirit view of x broadcast to shape."""
    _check("broadcast_to", x)
    shape = tuple(operator.index(n) for n in shape)
    if len(shape) < x.ndim or broadcast_shapes(x.shape, shape) != shape:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}")
    return x._view(shape, broadcast_strides(x.shape, x.strides, shape), x.offset)


def broadcast_arrays(*arrays: Tensor) -> list[Tensor]:
    """Views of the arrays broadcast against each other."""
    for a in arrays:
        _check("broadcast_arrays", a)
    shape = broadcast_shapes(*(a.shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


def _common(name: str, arrays: Sequence[Tensor]) -> _dt.DType:
    if not isinstance(arrays, (tuple, list)) or not arrays:
        raise ValueError(f"{name}: needs a non-empty tuple or list of arrays")
    for a in arrays:
        _check(name, a)
        if a.device is not arrays[0].device:
            raise ValueError(f"{name}: arrays are on different devices ({arrays[0].device} and {a.device})")
    dt = arrays[0].dtype
    for a in arrays[1:]:
        dt = _dt.result_type(dt, a.dtype)
    return dt


def concat(arrays: Sequence[Tensor], /, *, axis: int | None = 0) -> Tensor:
    """Arrays joined along an existing axis (flattened first when axis is None), dtypes promoted."""
    dt = _common("concat", arrays)
    if axis is None:
        arrays = [reshape(a, (-1,)) for a in arrays]
        axis = 0
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError("concat: 0-d arrays cannot be concatenated; use stack")
    ax = normalize_axis(axis, first.ndim)
    for a in arrays[1:]:
        off_axis = a.ndim == first.ndim and all(
            n == m for i, (n, m) in enumerate(zip(a.shape, first.shape, strict=True)) if i != ax)
        if not off_axis:
            raise ValueError(f"concat: shapes {first.shape} and {a.shape} differ off axis {ax}")
    shape = list(first.shape)
    shape[ax] = sum(a.shape[ax] for a in arrays)
    out = Tensor.empty(tuple(shape), dt, first.device)
    start = 0
    for a in arrays:
        n = a.shape[ax]
        if n and a.size:
            key = (slice(None),) * ax + (slice(start, start + n),)
            _copy_into(out[key], a)
        start += n
    return out


def stack(arrays: Sequence[Tensor], /, *, axis: int = 0) -> Tensor:
    """Arrays of one shape joined along a new axis."""
    _common("stack", arrays)
    shape = arrays[0].shape
    for a in arrays[1:]:
        if a.shape != shape:
            raise ValueError(f"stack: all arrays need the same shape, got {shape} and {a.shape}")
    ax = normalize_axis(axis, len(shape) + 1)
    return concat([expand_dims(a, ax) for a in arrays], axis=ax)


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """Views of x split along axis, that axis removed."""
    _check("unstack", x)
    if x.ndim == 0:
        raise ValueError("unstack: a 0-d array has no axis")
    ax = normalize_axis(axis, x.ndim)
    return tuple(x[(slice(None),) * ax + (i,)] for i in range(x.shape[ax]))


def roll(x: Tensor, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Elements shifted cyclically along axis (of the flattened array when axis is None)."""
    _check("roll", x)
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, axis=0), x.shape)
    shifts = (shift,) if not isinstance(shift, (tuple, list)) else tuple(shift)
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shifts} and axis {axes} differ in length")
    total = [0] * x.ndim
    for s, a in zip(shifts, axes, strict=True):
        total[normalize_axis(a, x.ndim)] += operator.index(s)
    out = Tensor.empty(x.shape, x.dtype, x.device)
    if x.size == 0:
        return out
    # Each rolled axis splits into two pieces: 2**k block copies for k rolled axes.
    pieces: list[list[tuple[slice, slice]]] = []
    for a in range(x.ndim):
        n = x.shape[a]
        s = total[a] % n
        if s == 0:
            pieces.append([(slice(None), slice(None))])
        else:
            pieces.append([(slice(0, n - s), slice(s, n)), (slice(n - s, n), slice(0, s))])

    def rec(a: int, src: list, dst: list) -> None:
        if a == x.ndim:
            _copy_into(out[tuple(dst)], x[tuple(src)])
            return
        for sk, dk in pieces[a]:
            rec(a + 1, src + [sk], dst + [dk])

    rec(0, [], [])
    return out


def tile(x: Tensor, repetitions: tuple[int, ...], /) -> Tensor:
    """x repeated repetitions[i] times along each dim (dims aligned from the right)."""
    _check("tile", x)
    reps = tuple(operator.index(r) for r in repetitions)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: negative repetitions {reps}")
    nd = max(len(reps), x.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    xs = reshape(x, (1,) * (nd - x.ndim) + x.shape)
    # view x as (1, n0, 1, n1, ...) broadcast to (r0, n0, r1, n1, ...), then copy.
    inter = []
    for n in xs.shape:
        inter += [1, n]
    v = reshape(xs, tuple(inter))
    big = []
    for r, n in zip(reps, xs.shape, strict=True):
        big += [r, n]
    b = broadcast_to(v, tuple(big))
    return reshape(b, tuple(r * n for r, n in zip(reps, xs.shape, strict=True)), copy=True)


def repeat(x: Tensor, repeats: int | Tensor, /, *, axis: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along axis (of the flattened array when None)."""
    _check("repeat", x)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim) if x.ndim else None
    if ax is None:
        raise ValueError("repeat: a 0-d array needs axis=None")
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"repeat: repeats must be integers, got {repeats.dtype.name}")
        if repeats.ndim == 0 or repeats.size == 1:
            repeats = int(repeats.item())
        else:
            from .index import repeat_along  # the gather path

            return repeat_along(x, repeats, ax)
    r = operator.index(repeats)
    if r < 0:
        raise ValueError(f"repeat: negative repeats {r}")
    shape = list(x.shape)
    v = expand_dims(x, ax + 1)
    bshape = list(v.shape)
    bshape[ax + 1] = r
    shape[ax] *= r
    return reshape(broadcast_to(v, tuple(bshape)), tuple(shape), copy=True)

