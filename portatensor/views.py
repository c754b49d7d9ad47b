"""Stride arithmetic: broadcasting, dim collapsing and basic indexing.

Pure functions on (shape, strides, offset) tuples, in elements. No device,
no kernels: they decide which views share memory and how few dims a kernel
needs to see.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

Shape = tuple[int, ...]


def contiguous_strides(shape: Sequence[int]) -> Shape:
    """C-order strides of shape, in elements."""
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def is_contiguous(shape: Shape, strides: Shape) -> bool:
    """Whether a view with these strides is C-contiguous (size-1 dims ignored)."""
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides), strict=True):
        if n == 0:
            return True
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def broadcast_shapes(*shapes: Shape) -> Shape:
    """The broadcast result of shapes; ValueError naming them when incompatible."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(-ndim, 0):
        size = 1
        for s in shapes:
            if len(s) >= -i:
                n = s[i]
                if n != 1:
                    if size != 1 and n != size:
                        listed = " and ".join(str(tuple(x)) for x in shapes)
                        raise ValueError(f"shapes {listed} cannot be broadcast together")
                    size = n
        out.append(size)
    return tuple(out)


def broadcast_strides(shape: Shape, strides: Shape, target: Shape) -> Shape:
    """Strides of a view broadcast to ``target`` (stride 0 on broadcast dims)."""
    lead = len(target) - len(shape)
    out = [0] * lead
    for n, s, t in zip(shape, strides, target[lead:], strict=True):
        out.append(s if n == t else 0)
    return tuple(out)


def collapse_dims(shape: Shape, *strides: Shape) -> tuple[Shape, tuple[Shape, ...]]:
    """Merge adjacent dims that every stride tuple walks as one; drop size-1 dims.

    Few distinct ranks means few kernel variants: a contiguous view of any
    shape becomes rank 1, a transposed matrix stays rank 2.
    """
    keep = [i for i, n in enumerate(shape) if n != 1]
    if not keep:
        return (1,), tuple((0,) for _ in strides)
    new_shape = [shape[keep[0]]]
    new_strides = [[s[keep[0]]] for s in strides]
    for i in keep[1:]:
        n = shape[i]
        if all(ns[-1] == s[i] * n for ns, s in zip(new_strides, strides, strict=True)):
            new_shape[-1] *= n
            for ns, s in zip(new_strides, strides, strict=True):
                ns[-1] = s[i]
        else:
            new_shape.append(n)
            for ns, s in zip(new_strides, strides, strict=True):
                ns.append(s[i])
    return tuple(new_shape), tuple(tuple(ns) for ns in new_strides)


def normalize_axis(axis: int, ndim: int) -> int:
    """axis in [0, ndim); IndexError naming both when out of range."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be an integer, got {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise IndexError(f"axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """A sorted tuple of distinct axes from None, an int or a tuple of ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {tuple(axis)}")
        return tuple(sorted(axes))
    return (normalize_axis(axis, ndim),)


def span(shape: Shape, strides: Shape, offset: int) -> tuple[int, int]:
    """[lo, hi) element range a non-empty view touches in its buffer."""
    lo = hi = offset
    for n, s in zip(shape, strides, strict=True):
        if s > 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return lo, hi + 1


def basic_index(shape: Shape, strides: Shape, offset: int, key: Any) -> tuple[Shape, Shape, int]:
    """The view selected by integers, slices, None and Ellipsis (no copies)."""
    if not isinstance(key, tuple):
        key = (key,)
    n_ellipsis = sum(1 for k in key if k is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise IndexError(f"too many indices: array is {len(shape)}-dimensional, but {consumed} were indexed")
    if n_ellipsis == 0:
        key = key + (Ellipsis,)
    out_shape: list[int] = []
    out_strides: list[int] = []
    dim = 0
    for k in key:
        if k is None:
            out_shape.append(1)
            out_strides.append(0)
        elif k is Ellipsis:
            for _ in range(len(shape) - consumed):
                out_shape.append(shape[dim])
                out_strides.append(strides[dim])
                dim += 1
        elif isinstance(k, slice):
            start, stop, step = k.indices(shape[dim])
            n = len(range(start, stop, step))
            if n > 0:
                offset += start * strides[dim]
            out_shape.append(n)
            out_strides.append(strides[dim] * step)
            dim += 1
        else:
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError("only integers, slices, None and ... are valid basic indices, "
                                 f"got {type(k).__name__}") from None
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {dim} with size {n}")
            offset += (i % n) * strides[dim]
            dim += 1
    return tuple(out_shape), tuple(out_strides), offset
