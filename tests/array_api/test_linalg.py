"""Linear algebra (main namespace and portatensor.linalg) against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(7)


def _f32(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("axes,s1,s2", [
    (2, (3, 4, 5), (4, 5, 2)),
    (1, (3, 4), (4, 6)),
    (0, (2, 3), (4,)),
    (((0, 2), (1, 0)), (3, 4, 5), (5, 3, 2)),
    (((1,), (0,)), (2, 0), (0, 3)),
])
def test_tensordot(device: pt.Device, axes, s1, s2) -> None:
    a, b = _f32(*s1), _f32(*s2)
    got = pt.tensordot(pt.asarray(a, device=device), pt.asarray(b, device=device), axes=axes)
    assert_close(got, np.tensordot(a, b, axes=axes), scale=20)


def test_tensordot_int_and_errors(device: pt.Device) -> None:
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = np.arange(8, dtype=np.int32).reshape(4, 2)
    got = pt.tensordot(pt.asarray(a, device=device), pt.asarray(b, device=device), axes=1)
    assert got.dtype == pt.int32
    assert_close(got, np.tensordot(a, b, axes=1))
    with pytest.raises(ValueError, match="differ"):
        pt.tensordot(pt.asarray(a, device=device), pt.asarray(a, device=device), axes=1)
    with pytest.raises(ValueError, match="out of range"):
        pt.tensordot(pt.asarray(a, device=device), pt.asarray(b, device=device), axes=3)


def test_vecdot(device: pt.Device) -> None:
    a, b = _f32(4, 1, 5), _f32(3, 5)
    got = pt.vecdot(pt.asarray(a, device=device), pt.asarray(b, device=device))
    assert_close(got, np.sum(a * b, axis=-1), scale=10)
    a2, b2 = _f32(5, 3), _f32(5, 3)
    got = pt.vecdot(pt.asarray(a2, device=device), pt.asarray(b2, device=device), axis=0)
    assert_close(got, np.sum(a2 * b2, axis=0), scale=10)
    with pytest.raises(ValueError, match="differ along axis"):
        pt.vecdot(pt.asarray(_f32(2, 3), device=device), pt.asarray(_f32(2, 4), device=device))


def test_vecdot_complex_conjugates(device: pt.Device) -> None:
    a = (_f32(2, 3) + 1j * _f32(2, 3)).astype(np.complex64)
    b = (_f32(2, 3) + 1j * _f32(2, 3)).astype(np.complex64)
    got = pt.vecdot(pt.asarray(a, device=device), pt.asarray(b, device=device))
    assert got.dtype == pt.complex64
    assert_close(got, np.sum(np.conj(a) * b, axis=-1), scale=10)


def test_reexports() -> None:
    assert pt.matrix_transpose is pt.linalg.matrix_transpose
    assert pt.matmul is pt.linalg.matmul
    for name in pt.linalg.__all__:
        assert callable(getattr(pt.linalg, name)), name


def test_outer_diagonal_trace(device: pt.Device) -> None:
    u, v = _f32(3), _f32(4)
    assert_close(pt.linalg.outer(pt.asarray(u, device=device), pt.asarray(v, device=device)), np.outer(u, v))
    x = _f32(2, 4, 5)
    xt = pt.asarray(x, device=device)
    for k in (-5, -2, 0, 1, 4, 6):
        assert_close(pt.linalg.diagonal(xt, offset=k), np.diagonal(x, offset=k, axis1=-2, axis2=-1))
        assert_close(pt.linalg.trace(xt, offset=k), np.trace(x, offset=k, axis1=-2, axis2=-1), scale=10)
    # negative-stride view
    xv = xt[:, ::-1, ::2]
    assert_close(pt.linalg.diagonal(xv, offset=1), np.diagonal(x[:, ::-1, ::2], offset=1, axis1=-2, axis2=-1))
    xi = np.arange(9, dtype=np.int32).reshape(3, 3)
    got = pt.linalg.trace(pt.asarray(xi, device=device))
    assert_close(got, np.trace(xi))
    got = pt.linalg.trace(pt.asarray(xi, device=device), dtype=pt.float32)
    assert got.dtype == pt.float32
    with pytest.raises(ValueError, match="2 dimensions"):
        pt.linalg.diagonal(pt.asarray(u, device=device))


@pytest.mark.parametrize("ord", [2, 1, 0, 3, 0.5, np.inf, -np.inf])
def test_vector_norm(device: pt.Device, ord) -> None:
    x = _f32(3, 4)
    xt = pt.asarray(x, device=device)
    assert_close(pt.linalg.vector_norm(xt, ord=ord), np.linalg.norm(x.ravel(), ord=ord), scale=20)
    assert_close(pt.linalg.vector_norm(xt, axis=1, ord=ord, keepdims=True),
                 np.linalg.norm(x, ord=ord, axis=1, keepdims=True), scale=20)
    assert_close(pt.linalg.vector_norm(xt, axis=(0, 1), ord=ord), np.linalg.norm(x.ravel(), ord=ord), scale=20)


def test_vector_norm_complex_and_errors(device: pt.Device) -> None:
    z = (_f32(5) + 1j * _f32(5)).astype(np.complex64)
    got = pt.linalg.vector_norm(pt.asarray(z, device=device))
    assert got.dtype == pt.float32
    assert_close(got, np.linalg.norm(z), scale=10)
    with pytest.raises(TypeError, match="floating"):
        pt.linalg.vector_norm(pt.asarray([1, 2], device=device))


@pytest.mark.parametrize("ord", ["fro", 1, -1, np.inf, -np.inf])
def test_matrix_norm(device: pt.Device, ord) -> None:
    x = _f32(2, 3, 4)
    xt = pt.asarray(x, device=device)
    assert_close(pt.linalg.matrix_norm(xt, ord=ord), np.linalg.norm(x, ord=ord, axis=(-2, -1)), scale=20)
    assert_close(pt.linalg.matrix_norm(xt, ord=ord, keepdims=True),
                 np.linalg.norm(x, ord=ord, axis=(-2, -1), keepdims=True), scale=20)


def test_matrix_norm_bad_ord(device: pt.Device) -> None:
    # ord 2, -2 and 'nuc' (through svdvals) are tested in test_linalg_factor.py.
    xt = pt.asarray(_f32(3, 3), device=device)
    with pytest.raises(ValueError, match="ord"):
        pt.linalg.matrix_norm(xt, ord=3)


def test_cross(device: pt.Device) -> None:
    a, b = _f32(4, 3), _f32(1, 3)
    got = pt.linalg.cross(pt.asarray(a, device=device), pt.asarray(b, device=device))
    assert_close(got, np.cross(a, b), scale=4)
    a0, b0 = _f32(3, 2), _f32(3, 2)
    got = pt.linalg.cross(pt.asarray(a0, device=device), pt.asarray(b0, device=device), axis=0)
    assert_close(got, np.cross(a0, b0, axis=0), scale=4)
    with pytest.raises(ValueError, match="size 3"):
        pt.linalg.cross(pt.asarray(_f32(2), device=device), pt.asarray(_f32(2), device=device))


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_matrix_power(device: pt.Device, n: int) -> None:
    x = (_f32(2, 3, 3) * 0.5).astype(np.float32)
    got = pt.linalg.matrix_power(pt.asarray(x, device=device), n)
    assert_close(got, np.linalg.matrix_power(x, n), scale=50)


def test_matrix_power_errors(device: pt.Device) -> None:
    with pytest.raises(ValueError, match="square"):
        pt.linalg.matrix_power(pt.asarray(_f32(2, 3), device=device), 2)


def test_imatmul_in_place(device: pt.Device) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3, 4)).astype(np.float32), rng.standard_normal((4, 4)).astype(np.float32)
    x = pt.asarray(a, device=device)
    view = x[1]
    storage = x._storage
    x @= pt.asarray(b, device=device)
    assert x._storage is storage
    assert_close(x, a @ b)
    assert_close(view, (a @ b)[1])
    with pytest.raises(ValueError, match=r"shape of x from \(2, 3, 4\) to \(2, 3, 5\)"):
        x @= pt.ones((4, 5), device=device)
    i = pt.ones((2, 2), dtype=pt.int8, device=device)
    with pytest.raises(TypeError, match="int8 array to int16"):
        i @= pt.ones((2, 2), dtype=pt.int16, device=device)
    with pytest.raises(TypeError):
        x @= 2
