"""Creation functions against NumPy, and DLPack interop with NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt


@pytest.mark.parametrize("args", [(3,), (3, 5), (4, 2), (0,), (3, 0)])
@pytest.mark.parametrize("k", [0, 1, -2, 7])
def test_eye(device, args, k):
    assert_close(pt.eye(*args, k=k, device=device), np.eye(*args, k=k, dtype=np.float32))


def test_eye_dtypes(device):
    assert_close(pt.eye(3, dtype=pt.bool, device=device), np.eye(3, dtype=bool))
    assert_close(pt.eye(2, 3, k=1, dtype=pt.int32, device=device), np.eye(2, 3, k=1, dtype=np.int32))


def test_arange_complex_dtype(device):
    # array-api-tests test_arange: arange(-0.5, 0, 1, dtype=complex64) gave [0j] (start truncated to int)
    for args in ((-0.5, 0, 1), (-0.5, 2.5, 0.75), (4,)):
        got = pt.arange(*args, dtype=pt.complex64, device=device)
        assert got.dtype == pt.complex64
        assert_close(got, np.arange(*args, dtype=np.complex64))


def test_eye_tri_any_int_k(device):
    # array-api-tests test_eye: k = 2**63 reached the kernel's int argument (pyopencl RuntimeError)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    for k in (2**63, -2**70, 10**30):
        kk = 3 if k > 0 else -2  # NumPy takes a C long; any k past the matrix means the same
        assert_close(pt.eye(2, 3, k=k, device=device), np.eye(2, 3, k=kk, dtype=np.float32))
        assert_close(pt.tril(pt.asarray(a, device=device), k=k), np.tril(a, kk))
        assert_close(pt.triu(pt.asarray(a, device=device), k=k), np.triu(a, kk))


@pytest.mark.parametrize("k", [0, 1, -1, -5, 9])
def test_tril_triu(device, k):
    a = np.arange(1, 61, dtype=np.float32).reshape(3, 4, 5)
    A = pt.asarray(a, device=device)
    assert_close(pt.tril(A, k=k), np.tril(a, k))
    assert_close(pt.triu(A, k=k), np.triu(a, k))
    assert_close(pt.triu(A.mT[::-1], k=k), np.triu(a.transpose(0, 2, 1)[::-1], k))
    assert_close(pt.tril(A[1:, 1:, 1], k=k), np.tril(a[1:, 1:, 1], k))
    with pytest.raises(ValueError, match="2 dimensions"):
        pt.tril(A[0, 0])


def test_linspace(device):
    for args, kw in [((0, 1, 5), {}), ((2, -3, 7), {}), ((0, 1, 4), {"endpoint": False}), ((1, 2, 1), {}),
                     ((1, 2, 0), {})]:
        want = np.linspace(*args, **kw).astype(np.float32)
        assert_close(pt.linspace(*args, **kw, device=device), want)
    got = pt.linspace(0.1, 0.7, 13, device=device).numpy()
    assert got[-1] == np.float32(0.7)
    with pytest.raises(TypeError):
        pt.linspace(0, 1, 3, dtype=pt.int32, device=device)
    with pytest.raises(ValueError):
        pt.linspace(0, 1, -1, device=device)


def test_linspace_complex(device):
    # the standard: complex start/stop give the default complex dtype (array-api-tests test_linspace)
    got = pt.linspace(1 + 2j, -3 + 0.5j, 5, device=device)
    assert got.dtype == pt.complex64
    assert_close(got, np.linspace(1 + 2j, -3 + 0.5j, 5).astype(np.complex64))
    if device.info.fp64:
        got = pt.linspace(0, 1j, 4, endpoint=False, dtype=pt.complex128, device=device)
        assert got.dtype == pt.complex128
        assert_close(got, np.linspace(0, 1j, 4, endpoint=False))
    else:
        with pytest.raises(TypeError, match="complex128 needs cl_khr_fp64"):
            pt.linspace(0, 1j, 4, endpoint=False, dtype=pt.complex128, device=device)
    assert_close(pt.linspace(0, 2, 3, dtype=pt.complex64, device=device), np.linspace(0, 2, 3).astype(np.complex64))
    assert pt.linspace(1j, 2j, 0, device=device).shape == (0,)
    with pytest.raises(TypeError, match="complex dtype"):
        pt.linspace(1j, 2, 3, dtype=pt.float32, device=device)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(device, indexing):
    xs = [np.arange(3), np.arange(4) * 10, np.arange(2) + 5]
    for n in (1, 2, 3):
        got = pt.meshgrid(*[pt.asarray(x, device=device) for x in xs[:n]], indexing=indexing)
        want = np.meshgrid(*xs[:n], indexing=indexing)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_close(g, w)
    with pytest.raises(ValueError):
        pt.meshgrid(pt.asarray(np.ones((2, 2), np.float32), device=device))


def test_like(device):
    a = np.arange(6, dtype=np.int16).reshape(2, 3)
    A = pt.asarray(a, device=device)
    assert pt.empty_like(A).shape == (2, 3) and pt.empty_like(A).dtype is pt.int16
    assert_close(pt.zeros_like(A), np.zeros_like(a))
    assert_close(pt.ones_like(A, dtype=pt.float32), np.ones((2, 3), np.float32))
    assert_close(pt.full_like(A, 7), np.full_like(a, 7))
    assert_close(pt.full_like(A.T, 2.5, dtype=pt.float32), np.full((3, 2), 2.5, np.float32))


def test_dlpack_roundtrip(device):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    A = pt.asarray(a, device=device)
    if device.info.type == "cpu":
        assert A.__dlpack_device__() == (1, 0)
        assert_close(np.from_dlpack(A[:, ::-1]), a[:, ::-1])
    else:
        with pytest.raises(BufferError, match="DLPack"):
            np.from_dlpack(A)
    with pytest.raises(BufferError, match="copy"):
        A.__dlpack__(copy=False)
    B = pt.from_dlpack(a[::2], device=device)
    assert_close(B, a[::2])
    assert pt.from_dlpack(A) is A
    with pytest.raises(TypeError):
        pt.from_dlpack([1, 2, 3])
