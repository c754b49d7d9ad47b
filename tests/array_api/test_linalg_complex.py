"""Complex (complex64, complex128) linear algebra against NumPy in complex128.

matmul runs as one real GEMM over the interleaved storage (ops/cgemm.py);
the other functions compose elementwise and reduction kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(7)
DTYPES = ["complex64", "complex128"]


def _c(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _dev(x: np.ndarray, device: pt.Device, dtype: str) -> pt.Tensor:
    if dtype == "complex128" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    return pt.asarray(x.astype(dtype), device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                                   ((2, 1, 3, 4), (5, 4, 6)), ((0, 4), (4, 3)), ((3, 0), (0, 2)),
                                   ((17, 33), (33, 19))])
def test_matmul(device: pt.Device, dtype: str, sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a, b = _c(*sa), _c(*sb)
    a, b = a.astype(dtype), b.astype(dtype)
    got = pt.matmul(_dev(a, device, dtype), _dev(b, device, dtype))
    assert got.dtype == getattr(pt, dtype)
    assert_close(got, a.astype(np.complex128) @ b, dtype, scale=4 * sa[-1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_views_and_mixed_kinds(device: pt.Device, dtype: str) -> None:
    a, b = _c(6, 5).astype(dtype), _c(6, 4).astype(dtype)
    ta, tb = _dev(a, device, dtype), _dev(b, device, dtype)
    # transposed (non-unit k stride) and negative-stride operands
    assert_close(pt.matrix_transpose(ta) @ tb[::-1], a.T @ b[::-1], dtype, scale=24)
    assert_close(ta[::2, ::-1] @ tb[:5:, ::2], a[::2, ::-1] @ b[:5, ::2], dtype, scale=20)
    real = RNG.standard_normal((5, 3)).astype("float32")
    got = ta @ pt.asarray(real, device=device)
    assert got.dtype == getattr(pt, dtype)
    assert_close(got, a @ real, dtype, scale=20)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensordot_vecdot(device: pt.Device, dtype: str) -> None:
    a, b = _c(3, 4, 5).astype(dtype), _c(4, 5, 2).astype(dtype)
    ta, tb = _dev(a, device, dtype), _dev(b, device, dtype)
    assert_close(pt.tensordot(ta, tb, axes=2), np.tensordot(a, b, axes=2), dtype, scale=80)
    assert_close(pt.tensordot(ta, tb, axes=([1], [0])), np.tensordot(a, b, axes=([1], [0])), dtype, scale=16)
    v = _c(3, 4, 5).astype(dtype)
    # vecdot conjugates its first argument
    want = np.sum(np.conj(a) * v, axis=-1)
    assert_close(pt.vecdot(ta, _dev(v, device, dtype)), want, dtype, scale=20)
    assert_close(pt.linalg.vecdot(ta, _dev(v, device, dtype), axis=1), np.sum(np.conj(a) * v, axis=1), dtype,
                 scale=16)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linalg_extension_functions(device: pt.Device, dtype: str) -> None:
    a = _c(2, 4, 4).astype(dtype)
    ta = _dev(a, device, dtype)
    real = "float32" if dtype == "complex64" else "float64"
    assert_close(pt.linalg.matmul(ta, ta), a @ a, dtype, scale=16)
    assert_close(pt.linalg.matrix_transpose(ta), np.swapaxes(a, -1, -2), dtype)
    assert_close(pt.linalg.trace(ta), np.trace(a, axis1=-2, axis2=-1), dtype, scale=4)
    assert_close(pt.linalg.outer(ta[0, 0], ta[1, 1]), np.outer(a[0, 0], a[1, 1]), dtype, scale=2)
    assert_close(pt.linalg.cross(ta[..., :3], ta[..., 1:]), np.cross(a[..., :3], a[..., 1:]), dtype, scale=4)
    n = pt.linalg.vector_norm(ta, axis=-1)
    assert n.dtype == getattr(pt, real)
    assert_close(n, np.linalg.norm(a, axis=-1), real, scale=8)
    assert_close(pt.linalg.vector_norm(ta, ord=1), np.sum(np.abs(a)), real, scale=32)
    assert_close(pt.linalg.matrix_norm(ta), np.linalg.norm(a, "fro", axis=(-2, -1)), real, scale=16)
    assert_close(pt.linalg.matrix_norm(ta, ord=1), np.linalg.norm(a, 1, axis=(-2, -1)), real, scale=8)
    assert_close(pt.linalg.matrix_power(ta, 3), np.linalg.matrix_power(a, 3), dtype, scale=64)
