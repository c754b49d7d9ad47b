"""The foundation's slice of the array layer, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(0)


def _rand(shape, dtype="float32"):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-50 if np.dtype(dtype).kind == "i" else 0, 50, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return RNG.random(shape) > 0.5
    return (RNG.standard_normal(shape)).astype(dtype)


@pytest.mark.portability
def test_add_scalar_roundtrip(device):
    x = _rand((5, 3))
    assert_close(pt.asarray(x, device=device) + 1, x + np.float32(1))


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "float16", "int64"])
def test_binary_same_shape(device, op, dtype):
    a, b = _rand((4, 7), dtype), _rand((4, 7), dtype)
    if op == "divide":
        b = np.where(b == 0, 1, b).astype(dtype)
    got = getattr(pt, op)(pt.asarray(a, device=device), pt.asarray(b, device=device))
    want = getattr(np, op)(a, b)
    if op == "divide" and np.dtype(dtype).kind in "iu":
        want = (a.astype(np.float64) / b).astype(np.float32)
    elif np.dtype(dtype).kind in "iu":
        want = want.astype(dtype)  # wrap-around like C
    assert_close(got, want)


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((5,), ()), ((), ()), ((0, 3), (3,)),
                                    ((1, 1, 6), (2, 1, 1))])
def test_broadcasting(device, shapes):
    a, b = _rand(shapes[0]), _rand(shapes[1])
    assert_close(pt.asarray(a, device=device) * pt.asarray(b, device=device), a * b)


@pytest.mark.portability
def test_noncontiguous_and_negative_strides(device):
    a = _rand((6, 8))
    b = _rand((8,))
    A, B = pt.asarray(a, device=device), pt.asarray(b, device=device)
    assert_close(A.T[::-1] - 2, a.T[::-1] - np.float32(2))
    assert_close(A[1::2, ::-3] + B[::-3], a[1::2, ::-3] + b[::-3])
    assert_close(A[:, None, 2:5] * A[None, 1, 1:4], a[:, None, 2:5] * a[None, 1, 1:4])
    assert_close(A[..., 3], a[..., 3])
    assert_close(A[-1], a[-1])


def test_promotion_and_scalars(device):
    a = pt.asarray(np.arange(4, dtype=np.uint8), device=device)
    b = pt.asarray(np.arange(4, dtype=np.int8), device=device)
    assert (a + b).dtype == pt.int16
    assert (pt.asarray([1.0], dtype=pt.float16, device=device) + pt.asarray([1.0], device=device)).dtype == pt.float32
    assert (a + 3).dtype == pt.uint8
    assert (2 - pt.asarray([1.0, 2.0], device=device)).numpy().tolist() == [1.0, 0.0]
    with pytest.raises(TypeError, match="int32 .*float|float.*int32|cannot be combined"):
        pt.asarray([1, 2], dtype=pt.int32, device=device) + 1.5
    with pytest.raises(TypeError, match="promotion"):
        pt.asarray([1], dtype=pt.int32, device=device) + pt.asarray([1.0], device=device)
    with pytest.raises(OverflowError):
        a + 300


def test_shape_mismatch_is_valueerror(device):
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        a, b = (pt.asarray(np.ones(n), dtype=pt.float32, device=device) for n in (3, 4))
        a + b


@pytest.mark.portability
def test_inplace_and_overlap(device):
    a = _rand((10,))
    A = pt.asarray(a, device=device)
    A[1:] += A[:-1]  # reads overlap the writes: must behave like NumPy (which buffers)
    a[1:] += a[:-1].copy()
    assert_close(A, a)
    x = pt.asarray([1, 2, 3], device=device)
    with pytest.raises(TypeError, match="in-place"):
        x /= 2


@pytest.mark.parametrize("axis", [None, 0, 1, 2, (0, 2), (-1,), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_axes(device, axis, keepdims):
    x = _rand((3, 5, 7))
    got = pt.sum(pt.asarray(x, device=device), axis=axis, keepdims=keepdims)
    assert_close(got, np.sum(x.astype(np.float64), axis=axis, keepdims=keepdims).astype(np.float32), scale=10)


@pytest.mark.portability
def test_sum_dtypes_and_edges(device):
    assert pt.sum(pt.asarray([True, True, False], device=device)).item() == 2
    assert pt.sum(pt.asarray(np.arange(10, dtype=np.uint8), device=device)).dtype == pt.uint64
    assert pt.sum(pt.asarray(np.zeros((0, 3), np.float32), device=device), axis=0).numpy().tolist() == [0, 0, 0]
    x = _rand((9, 4))
    assert_close(pt.sum(pt.asarray(x, device=device).T[::-1], axis=1), x.T[::-1].astype(np.float64).sum(1), "float32",
                 scale=10)
    with pytest.raises(IndexError, match="axis 2"):
        pt.sum(pt.asarray(x, device=device), axis=2)


@pytest.mark.slow
def test_sum_large_two_stage(device):
    x = RNG.random(3_000_001).astype(np.float32)
    got = pt.sum(pt.asarray(x, device=device)).item()
    assert abs(got - x.astype(np.float64).sum()) / x.size < 1e-6


@pytest.mark.parametrize("shapes", [((5, 7), (7, 3)), ((2, 5, 7), (7, 3)), ((7,), (7, 3)), ((5, 7), (7,)),
                                    ((7,), (7,)), ((3, 1, 4, 6), (2, 6, 5)), ((1, 9), (9, 1)), ((5, 0), (0, 3))])
def test_matmul(device, shapes):
    a, b = _rand(shapes[0]), _rand(shapes[1])
    assert_close(pt.matmul(pt.asarray(a, device=device), pt.asarray(b, device=device)),
                 np.matmul(a.astype(np.float64), b), "float32", scale=10)


@pytest.mark.portability
def test_matmul_strided_and_int(device):
    a, b = _rand((8, 6)), _rand((5, 8))
    assert_close(pt.asarray(a, device=device).T @ pt.asarray(b, device=device).T, a.T.astype(np.float64) @ b.T,
                 "float32", scale=10)
    ai, bi = _rand((4, 3), "int32"), _rand((3, 2), "int32")
    assert_close(pt.asarray(ai, device=device) @ pt.asarray(bi, device=device), ai @ bi)
    with pytest.raises(ValueError, match="not aligned"):
        pt.asarray(a, device=device) @ pt.asarray(a, device=device)


@pytest.mark.portability
def test_creation(device):
    assert pt.zeros((2, 3), device=device).numpy().tolist() == [[0] * 3] * 2
    assert pt.ones(3, dtype=pt.int8, device=device).numpy().tolist() == [1, 1, 1]
    assert pt.full((2,), 2.5, device=device).dtype == pt.float32
    assert pt.full((2,), True, device=device).numpy().tolist() == [True, True]
    assert_close(pt.arange(10, device=device), np.arange(10))
    assert_close(pt.arange(1, 2, 0.125, device=device), np.arange(1, 2, 0.125, dtype=np.float32))
    assert_close(pt.arange(10, 0, -3, device=device), np.arange(10, 0, -3))
    assert pt.arange(0, device=device).shape == (0,)
    assert pt.empty((0, 4), device=device).numpy().shape == (0, 4)
    with pytest.raises(ValueError, match="negative"):
        pt.zeros((-1,), device=device)


@pytest.mark.portability
def test_asarray_roundtrip_dtypes(device):
    for dt in ["bool", "int8", "uint16", "int32", "int64", "uint64", "float16", "float32"]:
        x = _rand((3, 2), dt)
        t = pt.asarray(x, device=device)
        assert t.dtype.name == dt
        assert_close(t, x)
        assert_close(np.asarray(t), x)
    assert pt.asarray(1.5, device=device).dtype == pt.float32
    assert pt.asarray([1, 2], device=device).dtype == pt.int64
    # Reference values from torch's bfloat16 (round to nearest even, ties to even).
    b = pt.asarray([1.0, 1.00390625, -3.0e38, 1.01171875], dtype=pt.bfloat16, device=device)
    assert b.numpy().tolist() == [1.0, 1.0, -3.00405527047391e+38, 1.015625]
    assert ((b + b).numpy() == np.array([2.0, 2.0, -np.inf, 2.03125], np.float32)).all()
    with pytest.raises(ValueError, match="copy=False"):
        pt.asarray(np.ones(3), copy=False, device=device)


def test_scalar_conversions(device):
    t = pt.asarray([[2.5]], device=device)
    assert float(t) == 2.5 and int(t) == 2 and bool(t)
    with pytest.raises(TypeError, match="one-element"):
        float(pt.asarray([1.0, 2.0], device=device))
    assert "tensor(" in repr(t)


@pytest.mark.portability
def test_fp64_gated(device):
    if device.info.fp64:
        assert_close(pt.asarray(np.ones(2), device=device) * 2, np.full(2, 2.0))
    else:
        with pytest.raises(TypeError, match="fp64"):
            pt.asarray(np.ones(2), device=device)
