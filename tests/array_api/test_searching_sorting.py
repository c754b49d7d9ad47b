"""where, searchsorted, diff, sort and argsort against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(7)


def test_where_arrays_and_scalars(device):
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    b = np.arange(4, dtype=np.int32)
    c = a > 0
    C, A = pt.asarray(c, device=device), pt.asarray(a, device=device)
    bf = b.astype(np.float32)
    assert_close(pt.where(C, A, pt.asarray(bf, device=device)), np.where(c, a, bf))
    with pytest.raises(TypeError):
        pt.where(C, A, pt.asarray(b, device=device))  # mixed kinds have no promotion rule
    assert_close(pt.where(C, A, 0.5), np.where(c, a, np.float32(0.5)))
    assert_close(pt.where(C, 1, pt.asarray(b, device=device)), np.where(c, 1, b))
    assert_close(pt.where(C[:, ::-1], A.mT.mT, A), np.where(c[:, ::-1], a, a))
    assert pt.where(C, 1, 2.0).dtype == pt.float32
    with pytest.raises(TypeError):
        pt.where(A, A, A)


def test_searchsorted(device):
    s = np.array([1, 2, 2, 3, 5, np.nan], np.float32)
    v = np.array([[2, 0], [6, np.nan]], np.float32)
    S, V = pt.asarray(s, device=device), pt.asarray(v, device=device)
    for side in ("left", "right"):
        assert_close(pt.searchsorted(S, V, side=side), np.searchsorted(s, v, side=side))
    u = np.array([5, 1, 3, 2], np.int64)
    order = np.argsort(u)
    got = pt.searchsorted(pt.asarray(u, device=device), pt.asarray(np.array([3, 4]), device=device),
                          sorter=pt.asarray(order, device=device))
    assert_close(got, np.searchsorted(u, [3, 4], sorter=order))
    with pytest.raises(ValueError):
        pt.searchsorted(pt.asarray(v, device=device), V)


def test_diff(device):
    a = RNG.integers(-5, 5, (3, 6)).astype(np.int32)
    X = pt.asarray(a, device=device)
    assert_close(pt.diff(X), np.diff(a))
    assert_close(pt.diff(X, axis=0, n=2), np.diff(a, axis=0, n=2))
    p = np.zeros((3, 1), np.int32)
    assert_close(pt.diff(X, prepend=pt.asarray(p, device=device), append=pt.asarray(p, device=device)),
                 np.diff(a, prepend=p, append=p))
    m = a > 0
    assert_close(pt.diff(pt.asarray(m, device=device)), np.diff(m))
    assert_close(pt.diff(X[:, :1]), np.diff(a[:, :1]))


@pytest.mark.parametrize("n", [1, 2, 5, 16, 37])
def test_sort_argsort_stable_with_nan(device, n):
    a = RNG.integers(0, 4, (3, n)).astype(np.float32)
    a[0, n // 2] = np.nan
    X = pt.asarray(a, device=device)
    assert_close(pt.sort(X), np.sort(a))
    assert_close(pt.argsort(X), np.argsort(a, kind="stable"))
    assert_close(pt.argsort(X, axis=0), np.argsort(a, axis=0, kind="stable"))
    b = a[1:]  # no NaN: descending is the stable argsort of -b
    assert_close(pt.argsort(pt.asarray(b, device=device), descending=True), np.argsort(-b, kind="stable"))
    assert_close(pt.sort(pt.asarray(b, device=device), descending=True), -np.sort(-b))


@pytest.mark.parametrize("dt", ["int8", "uint32", "int64", "float16", "bool"])
def test_sort_dtypes(device, dt):
    a = (RNG.integers(0, 50, 23) % (2 if dt == "bool" else 50)).astype(dt)
    X = pt.asarray(a, device=device)
    assert_close(pt.sort(X), np.sort(a))
    assert_close(pt.argsort(X), np.argsort(a, kind="stable"))


def test_sort_views_and_errors(device):
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    X = pt.asarray(a, device=device)
    assert_close(pt.sort(X[::-1, 1::2], axis=0), np.sort(a[::-1, 1::2], axis=0))
    assert_close(pt.sort(X[:, :0]), np.sort(a[:, :0]))
    with pytest.raises(ValueError):
        pt.sort(pt.asarray(1.0, device=device))
    with pytest.raises(TypeError):
        pt.sort(pt.asarray(np.ones(3, np.complex64), device=device))
