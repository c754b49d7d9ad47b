"""Advanced indexing against NumPy: integer arrays, masks, take, take_along_axis, setitem."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def test_integer_arrays_mix_with_basic_indices(device):
    x = pt.asarray(A, device=device)
    i = np.array([2, 0, -1])
    ti = pt.asarray(i, device=device)
    assert_close(x[pt.asarray([1, 0, -2], device=device)], A[[1, 0, -2]])
    assert_close(x[..., ti], A[..., i])
    assert_close(x[:, ti], A[:, i])
    assert_close(x[0, :, ti], A[0, :, i])  # non-adjacent advanced indices: result dims first
    assert_close(x[:, ti, 1:3], A[:, i, 1:3])
    assert_close(x[pt.asarray([[0], [1]], device=device), :, ti], A[[[0], [1]], :, i])
    assert_close(x[::-1, ti][:, ::2], A[::-1, i][:, ::2])  # a negative-stride base view
    assert_close(x[[1, 0]], A[[1, 0]])
    assert_close(x[pt.asarray(np.zeros(0, np.int64), device=device)], A[np.zeros(0, np.int64)])


def test_boolean_masks(device):
    x = pt.asarray(A, device=device)
    m = A > 6
    assert_close(x[pt.asarray(m, device=device)], A[m])
    m2 = np.array([True, False, True])
    assert_close(x[:, pt.asarray(m2, device=device)], A[:, m2])
    assert_close(x[1, pt.asarray(A[1] % 3 == 0, device=device)], A[1, A[1] % 3 == 0])
    assert_close(x[pt.asarray(A < -1, device=device)], A[A < -1])  # nothing selected
    with pytest.raises(IndexError, match=r"\(3,\)"):
        x[pt.asarray(np.array([True, False, True]), device=device)]


@pytest.mark.parametrize("flag", [True, False])
def test_zero_d_boolean_mask(device, flag):
    # array-api-tests test_getitem_masking/test_setitem_masking: a 0-d mask adds an axis of size 1 or 0
    x = pt.asarray(A, device=device)
    k, kn = pt.asarray(flag, device=device), np.bool_(flag)
    for got, want in ((x[k], A[kn]), (x[k, 1], A[kn, 1]), (x[..., k], A[..., kn]),
                      (pt.asarray(np.float32(5), device=device)[k], np.float32(5)[kn])):
        assert got.shape == want.shape
        assert_close(got, want)
    y, yn = pt.asarray(A, device=device), A.copy()
    y[k] = -1.0
    yn[kn] = -1.0
    assert_close(y, yn)


def test_boolean_mask_with_zero_sized_dims(device):
    # the standard (and NumPy): each mask dimension equals the indexed one or is 0, which selects nothing
    # (array-api-tests test_getitem_masking: x of shape (1,), mask of shape (0,) raised IndexError)
    for xs, ks in (((1,), (0,)), ((2,), (0,)), ((3, 2), (0, 2)), ((2, 3, 4), (2, 0))):
        a = np.arange(np.prod(xs), dtype=np.float32).reshape(xs)
        x, k = pt.asarray(a, device=device), np.zeros(ks, bool)
        got = x[pt.asarray(k, device=device)]
        assert got.shape == a[k].shape
        x[pt.asarray(k, device=device)] = -1.0
        assert_close(x, a)
    with pytest.raises(IndexError, match=r"\(2,\).*\(3,\)"):
        pt.asarray(np.ones(3, np.float32), device=device)[pt.asarray(np.zeros(2, bool), device=device)]


def test_out_of_range_names_index_and_axis(device):
    x = pt.asarray(A, device=device)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        x[:, pt.asarray([0, 3], device=device)]
    with pytest.raises(IndexError, match="index -5 is out of bounds for axis 2 with size 4"):
        x[..., pt.asarray([-5], device=device)]
    with pytest.raises(IndexError):
        x[pt.asarray([0.5], device=device)]


def test_setitem_advanced(device):
    x = pt.asarray(A, device=device)
    b = A.copy()
    x[pt.asarray(A > 10, device=device)] = -1.0
    b[A > 10] = -1
    assert_close(x, b)
    x[:, pt.asarray([2, 0], device=device)] = pt.asarray(np.full((2, 2, 4), 7, np.float32), device=device)
    b[:, [2, 0]] = 7
    assert_close(x, b)
    x[1, :, pt.asarray([-1], device=device)] = pt.asarray(np.array([1, 2, 3], np.float32), device=device)
    b[1, :, [-1]] = np.array([1, 2, 3], np.float32)
    assert_close(x, b)
    with pytest.raises(IndexError, match="size 3"):
        x[:, pt.asarray([3], device=device)] = 0.0


@pytest.mark.parametrize("dt", ["int8", "float16", "int64", "bool"])
def test_take_dtypes(device, dt):
    a = (np.arange(12) % 5).astype(dt).reshape(3, 4)
    x = pt.asarray(a, device=device)
    idx = np.array([3, 0, 0, -1])
    assert_close(pt.take(x, pt.asarray(idx, device=device), axis=1), np.take(a, idx, axis=1))
    assert_close(pt.take(x[0], pt.asarray(idx, device=device)), np.take(a[0], idx))


def test_take_along_axis(device):
    a = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    x = pt.asarray(a, device=device)
    i = np.argsort(a, axis=1)
    assert_close(pt.take_along_axis(x, pt.asarray(i, device=device), axis=1), np.take_along_axis(a, i, axis=1))
    i0 = np.array([[2, 0, 1, 1, 0]])
    assert_close(pt.take_along_axis(x, pt.asarray(i0, device=device), axis=0), np.take_along_axis(a, i0, axis=0))
    with pytest.raises(ValueError):
        pt.take_along_axis(x, pt.asarray(np.array([1]), device=device), axis=0)
    with pytest.raises(ValueError):
        pt.take(x, pt.asarray(np.array([1]), device=device))


def test_repeat_with_array_of_counts(device):
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    r = np.array([2, 0, 1])
    out = pt.repeat(pt.asarray(a, device=device), pt.asarray(r, device=device), axis=1)
    assert_close(out, np.repeat(a, r, axis=1))


def test_nonzero(device):
    a = np.array([[0, 1.5, 0], [2, 0, -1]], np.float32)
    got = pt.nonzero(pt.asarray(a, device=device))
    for g, w in zip(got, np.nonzero(a), strict=True):
        assert_close(g, w)
    assert_close(pt.nonzero(pt.asarray(np.zeros(4, bool), device=device))[0], np.zeros(0, np.int64))
    with pytest.raises(ValueError):
        pt.nonzero(pt.asarray(1.0, device=device))
