"""Manipulation functions against NumPy: views where possible, copies otherwise, and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops import manipulate as M

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def _layouts(device):
    """(portatensor view, numpy twin) pairs: contiguous, transposed, negative strides, stepped, 0-d, empty."""
    X = pt.asarray(A, device=device)
    return [(X, A), (M.permute_dims(X, (2, 0, 1)), A.transpose(2, 0, 1)), (X[:, ::-1, 1::2], A[:, ::-1, 1::2]),
            (X[1, 2, 3], A[1, 2, 3]), (X[:, :0], A[:, :0])]


def test_reshape_views_and_copies(device):
    for x, a in _layouts(device):
        for shape in [(-1,), (a.size, 1), (1, -1, 1)]:
            assert_close(M.reshape(x, shape), a.reshape(shape))
    X = pt.asarray(A, device=device)
    v = M.reshape(X, (6, 4), copy=False)
    assert v._storage is X._storage
    assert M.reshape(X[:, 1:], (2, 2, 1, 4))._storage is X._storage
    assert M.reshape(X, (6, 4), copy=True)._storage is not X._storage
    with pytest.raises(ValueError, match="without a copy"):
        M.reshape(M.permute_dims(X, (2, 1, 0)), (-1,), copy=False)
    with pytest.raises(ValueError, match="size 24"):
        M.reshape(X, (5, -1))
    with pytest.raises(ValueError):
        M.reshape(X, (-1, -1))


def test_permute_transpose_moveaxis(device):
    for x, a in _layouts(device)[:3]:
        assert_close(M.permute_dims(x, (1, 2, 0)), a.transpose(1, 2, 0))
        assert_close(M.matrix_transpose(x), np.swapaxes(a, -1, -2))
        assert_close(M.moveaxis(x, (0, 1), (-1, 0)), np.moveaxis(a, (0, 1), (-1, 0)))
    with pytest.raises(ValueError, match="permutation"):
        M.permute_dims(pt.asarray(A, device=device), (0, 0, 1))
    with pytest.raises(ValueError):
        M.matrix_transpose(pt.asarray(A[0, 0], device=device))


def test_expand_squeeze_flip(device):
    for x, a in _layouts(device):
        assert_close(M.expand_dims(x, 0), np.expand_dims(a, 0))
        assert_close(M.expand_dims(x, -1), np.expand_dims(a, -1))
        assert_close(M.flip(x), np.flip(a))
        if a.ndim:
            assert_close(M.flip(x, axis=-1), np.flip(a, -1))
    X = pt.asarray(A[:, :1], device=device)
    assert_close(M.squeeze(X, 1), A[:, 0])
    assert_close(M.squeeze(M.expand_dims(X, (0, 4)), (0, 2, 4)), A[:, 0])
    with pytest.raises(ValueError, match="size 2"):
        M.squeeze(X, 0)
    with pytest.raises(IndexError):
        M.expand_dims(X, 5)


def test_broadcast(device):
    X = pt.asarray(A[:, :1], device=device)
    assert_close(M.broadcast_to(X, (5, 2, 3, 4)), np.broadcast_to(A[:, :1], (5, 2, 3, 4)))
    a, b = M.broadcast_arrays(X, pt.asarray(A[0], device=device))
    na, nb = np.broadcast_arrays(A[:, :1], A[0])
    assert_close(a, na)
    assert_close(b, nb)
    with pytest.raises(ValueError, match="broadcast"):
        M.broadcast_to(X, (3, 3, 4))


def test_concat_stack_unstack(device):
    L = _layouts(device)
    X, T = L[0][0], L[2][0]
    assert_close(M.concat([X, T], axis=2), np.concatenate([A, A[:, ::-1, 1::2]], 2))
    assert_close(M.concat([X, X[:, :0]], axis=1), np.concatenate([A, A[:, :0]], 1))
    assert_close(M.concat([X, T], axis=None), np.concatenate([A, A[:, ::-1, 1::2]], None))
    i = pt.asarray(np.ones((2, 3, 1), np.int16), device=device)
    j = pt.asarray(np.ones((2, 3, 2), np.int32), device=device)
    got = M.concat([i, j], axis=-1)
    assert got.dtype is pt.int32
    assert_close(got, np.ones((2, 3, 3), np.int32))
    assert_close(M.stack([X, X[::-1]], axis=1), np.stack([A, A[::-1]], 1))
    assert_close(M.stack([X[0, 0, 0], X[1, 1, 1]]), np.stack([A[0, 0, 0], A[1, 1, 1]]))
    parts = M.unstack(X, axis=1)
    assert len(parts) == 3
    for p, q in zip(parts, np.moveaxis(A, 1, 0), strict=True):
        assert_close(p, q)
    with pytest.raises(ValueError, match="differ"):
        M.concat([X, T], axis=0)
    with pytest.raises(ValueError):
        M.stack([X, T])
    with pytest.raises(TypeError):
        M.concat([X, pt.asarray(np.ones((2, 3, 4), bool), device=device)])
    with pytest.raises(ValueError):
        M.concat([])


def test_roll(device):
    for x, a in _layouts(device):
        assert_close(M.roll(x, 5), np.roll(a, 5))
        if a.ndim == 3:
            assert_close(M.roll(x, (1, -2), axis=(0, 2)), np.roll(a, (1, -2), axis=(0, 2)))
            assert_close(M.roll(x, 7, axis=-1), np.roll(a, 7, axis=-1))
            assert_close(M.roll(x, 3, axis=(0, 1)), np.roll(a, 3, axis=(0, 1)))


def test_repeat_tile(device):
    for x, a in _layouts(device):
        assert_close(M.repeat(x, 2), np.repeat(a, 2))
        assert_close(M.tile(x, (2, 1)), np.tile(a, (2, 1)))
        if a.ndim:
            assert_close(M.repeat(x, 3, axis=-1), np.repeat(a, 3, axis=-1))
            assert_close(M.repeat(x, 0, axis=0), np.repeat(a, 0, axis=0))
            assert_close(M.tile(x, (2, 1, 1, 2)), np.tile(a, (2, 1, 1, 2)))
    with pytest.raises(ValueError):
        M.repeat(pt.asarray(A, device=device), -1)


def test_namespace_names():
    for name in ("reshape", "concat", "stack", "flip", "roll", "tile", "repeat", "unstack", "moveaxis"):
        assert name in pt.__all__ and callable(getattr(pt, name))
