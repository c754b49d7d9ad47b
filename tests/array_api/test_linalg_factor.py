"""portatensor.linalg factorisations (device kernels) against NumPy in float64.

Eigenvectors and singular vectors are unique only up to signs (and a basis of
repeated values), so they are checked by invariants: reconstruction,
orthonormality, A v = lambda v. Eigenvalues, singular values, determinants,
inverses, solutions, Cholesky factors and pseudo-inverses are unique and are
compared with NumPy directly. Tolerances scale with the size and, for
ill-conditioned inputs, with the condition number (the forward error bound).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(11)
DTYPES = ["float32", "float64"]
SHAPES = [(1, 1), (2, 2), (5, 5), (3, 17, 17), (2, 2, 33, 33), (0, 3, 3)]


def _dev(x: np.ndarray, device: pt.Device, dtype: str) -> pt.Tensor:
    if dtype == "float64" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    return pt.asarray(x.astype(dtype), device=device)


def _rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _spd(shape: tuple[int, ...]) -> np.ndarray:
    a = _rand(*shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _t(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _eye_like(x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.eye(x.shape[-1]), x.shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(device: pt.Device, dtype: str, shape: tuple[int, ...], upper: bool) -> None:
    a = _spd(shape).astype(dtype).astype(np.float64)
    got = pt.linalg.cholesky(_dev(a, device, dtype), upper=upper)
    want = np.linalg.cholesky(a)
    assert_close(got, _t(want) if upper else want, dtype, scale=4 * shape[-1])


def test_cholesky_reads_lower_triangle_and_not_pd_gives_nan(device: pt.Device) -> None:
    a = _spd((4, 4))
    junk_upper = np.tril(a) + np.triu(_rand(4, 4), 1)
    assert_close(pt.linalg.cholesky(_dev(junk_upper, device, "float32")), np.linalg.cholesky(a), "float32", scale=16)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert np.isnan(pt.linalg.cholesky(_dev(bad, device, "float32")).numpy()).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_det_slogdet_inv(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    a = (_rand(*shape) + 2 * _eye_like(np.empty(shape))).astype(dtype).astype(np.float64)
    x = _dev(a, device, dtype)
    n = shape[-1]
    assert_close(pt.linalg.det(x), np.linalg.det(a), dtype, scale=20 * n)
    sign, logabs = pt.linalg.slogdet(x)
    want_sign, want_log = np.linalg.slogdet(a)
    assert_close(sign, want_sign, dtype)
    assert_close(logabs, want_log, dtype, scale=20 * n)
    cond = np.linalg.cond(a).max() if a.size else 1.0
    assert_close(pt.linalg.inv(x), np.linalg.inv(a), dtype, scale=4 * n * cond)


def test_det_singular_and_ill_conditioned(device: pt.Device) -> None:
    singular = np.array([[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]])
    x = _dev(singular, device, "float64")
    assert pt.linalg.det(x).numpy().tolist() == [0.0]
    sign, logabs = pt.linalg.slogdet(x)
    assert sign.numpy().tolist() == [0.0] and logabs.numpy().tolist() == [-np.inf]
    zero = _dev(np.zeros((2, 2)), device, "float32")
    assert float(pt.linalg.det(zero)) == 0.0
    hilbert = 1.0 / (np.arange(6)[:, None] + np.arange(6)[None, :] + 1.0)
    cond = np.linalg.cond(hilbert)
    h = _dev(hilbert, device, "float64")
    assert_close(pt.linalg.det(h), np.linalg.det(hilbert), "float64", scale=cond)
    assert_close(pt.linalg.slogdet(h).logabsdet, np.linalg.slogdet(hilbert)[1], "float64", scale=cond)


@pytest.mark.parametrize("dtype", DTYPES)
def test_det_transposed_view_and_unit_stacks(device: pt.Device, dtype: str) -> None:
    a = _rand(3, 5, 5) + 3 * np.eye(5)
    x = _dev(a, device, dtype)
    assert_close(pt.linalg.det(pt.matrix_transpose(x)), np.linalg.det(_t(a.astype(dtype).astype(np.float64))),
                 dtype, scale=100)
    assert_close(pt.linalg.inv(x[::2, ::-1, :]), np.linalg.inv(a.astype(dtype).astype(np.float64)[::2, ::-1, :]),
                 dtype, scale=400)
    empty = _dev(np.zeros((2, 0, 0)), device, dtype)
    assert pt.linalg.det(empty).numpy().tolist() == [1.0, 1.0]
    assert pt.linalg.slogdet(empty).logabsdet.numpy().tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1,s2", [
    ((5, 5), (5,)),
    ((3, 4, 4), (4,)),
    ((4, 4), (4, 3)),
    ((2, 6, 6), (2, 6, 2)),
    ((2, 1, 3, 3), (4, 3, 1)),
    ((3, 3), (2, 3, 5)),
    ((1, 1), (1, 1)),
    ((0, 3, 3), (3, 2)),
])
def test_solve(device: pt.Device, dtype: str, s1: tuple[int, ...], s2: tuple[int, ...]) -> None:
    a = (_rand(*s1) + 3 * _eye_like(np.empty(s1))).astype(dtype).astype(np.float64)
    b = _rand(*s2).astype(dtype).astype(np.float64)
    got = pt.linalg.solve(_dev(a, device, dtype), _dev(b, device, dtype))
    cond = np.linalg.cond(a).max() if a.size else 1.0
    assert_close(got, np.linalg.solve(a, b), dtype, scale=4 * s1[-1] * cond)


def test_solve_transposed_view(device: pt.Device) -> None:
    a = _rand(4, 4) + 3 * np.eye(4)
    b = _rand(3, 4)
    x1, x2 = _dev(a, device, "float64"), _dev(b, device, "float64")
    got = pt.linalg.solve(pt.matrix_transpose(x1), pt.matrix_transpose(x2))
    assert_close(got, np.linalg.solve(a.T, b.T), "float64", scale=100)


def _check_qr(q: np.ndarray, r: np.ndarray, a: np.ndarray, dtype: str) -> None:
    n = max(a.shape[-2:], default=1)
    assert_close(q @ r, a, dtype, scale=10 * n)
    assert_close(_t(q) @ q, _eye_like(np.empty(q.shape[:-2] + (q.shape[-1],) * 2)), dtype, scale=10 * n)
    assert not np.tril(r, -1).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (3, 5), (4, 4), (2, 17, 5), (2, 5, 17), (3, 33, 33), (0, 3, 3),
                                   (3, 0), (0, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr(device: pt.Device, dtype: str, shape: tuple[int, ...], mode: str) -> None:
    a = _rand(*shape).astype(dtype).astype(np.float64)
    q, r = pt.linalg.qr(_dev(a, device, dtype), mode=mode)
    want_q, want_r = np.linalg.qr(a, mode=mode)
    assert q.shape == want_q.shape and r.shape == want_r.shape
    q, r = q.numpy().astype(np.float64), r.numpy().astype(np.float64)
    _check_qr(q, r, a, dtype)
    # R is unique up to the signs of its rows for a full-rank a.
    assert_close(np.abs(r), np.abs(want_r), dtype, scale=20 * max(shape[-2:], default=1))


@pytest.mark.parametrize("scale", [1e25, 1e-30, 1e-41])
def test_qr_extreme_scales(device: pt.Device, scale: float) -> None:
    """Column norms past sqrt(FLT_MAX) (1.8e19), under sqrt(FLT_MIN) and of subnormals: the reflectors scale
    by the column's largest entry, and divide rather than multiply by a reciprocal that would overflow."""
    a = (_rand(6, 4) * scale).astype(np.float32)
    q, r = pt.linalg.qr(_dev(a, device, "float32"))
    q, r = q.numpy().astype(np.float64), r.numpy().astype(np.float64)
    assert np.isfinite(q).all() and np.isfinite(r).all()
    # subnormal float32 keeps ~16 of its 24 bits at 1e-41: the tolerance follows the input's precision
    tol = 1e-5 if scale > 1e-37 else 1e-3
    assert np.abs(q @ r - a).max() <= tol * np.abs(a).max()
    assert np.abs(q.T @ q - np.eye(4)).max() <= tol
    want_r = np.linalg.qr(a.astype(np.float64))[1]
    assert np.abs(np.abs(r) - np.abs(want_r)).max() <= tol * np.abs(want_r).max()


def test_qr_rank_deficient_and_view(device: pt.Device) -> None:
    a = _rand(6, 2) @ _rand(2, 4)
    q, r = pt.linalg.qr(pt.matrix_transpose(_dev(a.T, device, "float64")), mode="complete")
    _check_qr(q.numpy(), r.numpy(), a, "float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_eigh(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    b = _rand(*shape)
    a = (b + _t(b)).astype(dtype).astype(np.float64)
    w, v = pt.linalg.eigh(_dev(a, device, dtype))
    n = shape[-1]
    want = np.linalg.eigvalsh(a)
    scale = 20 * n * max(1.0, float(np.abs(want).max(initial=0)))
    assert_close(w, want, dtype, scale=scale)
    assert_close(pt.linalg.eigvalsh(_dev(a, device, dtype)), want, dtype, scale=scale)
    v = v.numpy().astype(np.float64)
    assert_close(a @ v, v * want[..., None, :], dtype, scale=scale)
    assert_close(_t(v) @ v, _eye_like(a), dtype, scale=20 * n)


def test_eigh_repeated_eigenvalues_and_lower_triangle(device: pt.Device) -> None:
    q = np.linalg.qr(_rand(5, 5))[0]
    a = q @ np.diag([1.0, 1.0, 1.0, -2.0, 3.0]) @ q.T
    junk = np.tril(a) + np.triu(_rand(5, 5), 1)
    w, v = pt.linalg.eigh(_dev(junk, device, "float64"))
    assert_close(w, [-2.0, 1.0, 1.0, 1.0, 3.0], "float64", scale=100)
    v = v.numpy()
    assert_close(a @ v, v * w.numpy()[None, :], "float64", scale=100)
    assert_close(v.T @ v, np.eye(5), "float64", scale=100)
    w = pt.linalg.eigvalsh(_dev(np.eye(4), device, "float32"))
    assert_close(w, np.ones(4), "float32")


def _check_svd(u: np.ndarray, s: np.ndarray, vh: np.ndarray, a: np.ndarray, dtype: str, full: bool) -> None:
    m, n = a.shape[-2:]
    k = min(m, n)
    scale = 20 * max(m, n, 1) * max(1.0, float(np.abs(s).max(initial=0)))
    assert u.shape == a.shape[:-2] + ((m, m) if full else (m, k))
    assert vh.shape == a.shape[:-2] + ((n, n) if full else (k, n))
    assert_close((u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, dtype, scale=scale)
    assert_close(_t(u) @ u, _eye_like(np.empty(a.shape[:-2] + (u.shape[-1],) * 2)), dtype, scale=20 * max(m, n, 1))
    assert_close(vh @ _t(vh), _eye_like(np.empty(a.shape[:-2] + (vh.shape[-2],) * 2)), dtype,
                 scale=20 * max(m, n, 1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (3, 5), (4, 4), (2, 17, 5), (2, 5, 17), (2, 33, 33), (0, 3, 3),
                                   (3, 0), (2, 0, 4)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(device: pt.Device, dtype: str, shape: tuple[int, ...], full: bool) -> None:
    a = _rand(*shape).astype(dtype).astype(np.float64)
    u, s, vh = pt.linalg.svd(_dev(a, device, dtype), full_matrices=full)
    want = np.linalg.svd(a, compute_uv=False)
    scale = 20 * max(shape[-2:]) * max(1.0, float(want.max(initial=0)))
    assert_close(s, want, dtype, scale=scale)
    assert_close(pt.linalg.svdvals(_dev(a, device, dtype)), want, dtype, scale=scale)
    _check_svd(u.numpy().astype(np.float64), s.numpy().astype(np.float64), vh.numpy().astype(np.float64), a, dtype,
               full)


@pytest.mark.parametrize("full", [True, False])
def test_svd_rank_deficient_and_view(device: pt.Device, full: bool) -> None:
    a = np.stack([_rand(7, 2) @ _rand(2, 5), np.zeros((7, 5))])
    x = pt.matrix_transpose(_dev(_t(a).copy(), device, "float64"))
    u, s, vh = pt.linalg.svd(x, full_matrices=full)
    assert_close(s, np.linalg.svd(a, compute_uv=False), "float64", scale=1000)
    _check_svd(u.numpy(), s.numpy(), vh.numpy(), a, "float64", full)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matrix_rank(device: pt.Device, dtype: str) -> None:
    a = np.stack([_rand(6, r) @ _rand(r, 4) for r in (0, 1, 2, 4)])
    x = _dev(a, device, dtype)
    got = pt.linalg.matrix_rank(x)
    assert got.dtype == pt.int64
    assert got.numpy().tolist() == [0, 1, 2, 4]
    assert pt.linalg.matrix_rank(x, rtol=0.99).numpy().tolist() == [0, 1, 1, 1]
    rtol = _dev(np.array([0.5, 0.5, 1e-3, 1.5]), device, dtype)
    assert pt.linalg.matrix_rank(x, rtol=rtol).numpy().tolist() == np.linalg.matrix_rank(a, rtol=rtol.numpy()).tolist()
    assert pt.linalg.matrix_rank(_dev(np.eye(3)[:, :0], device, dtype)).numpy().tolist() == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (3, 5), (2, 4, 4)])
def test_pinv(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    a = _rand(*shape).astype(dtype).astype(np.float64)
    cond = np.linalg.cond(a).max()
    assert_close(pt.linalg.pinv(_dev(a, device, dtype)), np.linalg.pinv(a), dtype, scale=20 * max(shape) * cond)


def test_pinv_rank_deficient(device: pt.Device) -> None:
    a = _rand(5, 2) @ _rand(2, 4)
    assert_close(pt.linalg.pinv(_dev(a, device, "float64")), np.linalg.pinv(a), "float64", scale=1000)
    assert_close(pt.linalg.pinv(_dev(a, device, "float64"), rtol=0.9), np.linalg.pinv(a, rtol=0.9), "float64",
                 scale=1000)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_matrix_norm_svd_orders(device: pt.Device, dtype: str, ord) -> None:
    a = _rand(2, 3, 5, 4).astype(dtype).astype(np.float64)
    x = _dev(a, device, dtype)
    assert_close(pt.linalg.matrix_norm(x, ord=ord), np.linalg.norm(a, ord=ord, axis=(-2, -1)), dtype, scale=100)
    assert_close(pt.linalg.matrix_norm(x, ord=ord, keepdims=True),
                 np.linalg.norm(a, ord=ord, axis=(-2, -1), keepdims=True), dtype, scale=100)


@pytest.mark.parametrize("n", [-1, -3])
def test_matrix_power_negative(device: pt.Device, n: int) -> None:
    a = _rand(2, 4, 4) + 3 * np.eye(4)
    got = pt.linalg.matrix_power(_dev(a, device, "float64"), n)
    assert_close(got, np.linalg.matrix_power(a, n), "float64", scale=1000)


def test_float16_computes_in_float32(device: pt.Device) -> None:
    a = (_rand(3, 3) + 3 * np.eye(3)).astype(np.float16)
    got = pt.linalg.det(pt.asarray(a, device=device))
    assert got.dtype == pt.float16
    assert_close(got, np.linalg.det(a.astype(np.float64)), "float16", scale=10)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh"])
def test_non_square_raises(device: pt.Device, name: str) -> None:
    with pytest.raises(ValueError, match=r"square.*\(2, 3, 4\)"):
        getattr(pt.linalg, name)(_dev(_rand(2, 3, 4), device, "float32"))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        getattr(pt.linalg, name)(_dev(_rand(3), device, "float32"))


@pytest.mark.parametrize("name", ["cholesky", "det", "eigh", "eigvalsh", "inv", "matrix_rank", "pinv", "qr",
                                  "slogdet", "svd", "svdvals"])
def test_integer_raises_type_error(device: pt.Device, name: str) -> None:
    with pytest.raises(TypeError, match="floating-point.*int32"):
        getattr(pt.linalg, name)(pt.asarray(np.eye(3, dtype=np.int32), device=device))


def test_solve_errors(device: pt.Device) -> None:
    a = _dev(np.eye(3), device, "float32")
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        pt.linalg.solve(a, _dev(np.ones(4), device, "float32"))
    with pytest.raises(ValueError, match="square"):
        pt.linalg.solve(_dev(np.ones((3, 2)), device, "float32"), _dev(np.ones(3), device, "float32"))
    with pytest.raises(ValueError, match="broadcast"):
        pt.linalg.solve(_dev(np.ones((2, 3, 3)), device, "float32"), _dev(np.ones((4, 3, 1)), device, "float32"))
    with pytest.raises(TypeError, match="int"):
        pt.linalg.solve(pt.asarray(np.eye(2, dtype=np.int64), device=device), pt.asarray([1, 2], device=device))
    with pytest.raises(ValueError, match="mode"):
        pt.linalg.qr(a, mode="r")


@pytest.mark.slow
@pytest.mark.parametrize("routine", ["eigh", "svd", "qr", "inv", "cholesky"])
def test_large(device: pt.Device, routine: str) -> None:
    n = 96
    b = _rand(2, n, n)
    sym = b + _t(b)
    x = _dev(sym, device, "float64")
    if routine == "eigh":
        w, v = pt.linalg.eigh(x)
        v = v.numpy()
        assert_close(w, np.linalg.eigvalsh(sym), "float64", scale=1e4)
        assert_close(sym @ v, v * w.numpy()[..., None, :], "float64", scale=1e4)
    elif routine == "svd":
        u, s, vh = pt.linalg.svd(x)
        assert_close(s, np.linalg.svd(sym, compute_uv=False), "float64", scale=1e4)
        _check_svd(u.numpy(), s.numpy(), vh.numpy(), sym, "float64", True)
    elif routine == "qr":
        q, r = pt.linalg.qr(x)
        _check_qr(q.numpy(), r.numpy(), sym, "float64")
    elif routine == "inv":
        assert_close(pt.linalg.inv(x), np.linalg.inv(sym), "float64", scale=n * np.linalg.cond(sym).max())
    else:
        spd = _spd((2, n, n))
        assert_close(pt.linalg.cholesky(_dev(spd, device, "float64")), np.linalg.cholesky(spd), "float64",
                     scale=4 * n)


# -- complex stacks (complex64, complex128): Hermitian for cholesky/eigh, conjugate transposes, real values --
CDTYPES = ["complex64", "complex128"]
CSHAPES = [(1, 1), (4, 4), (2, 7, 7)]


def _crand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _h(x: np.ndarray) -> np.ndarray:
    return np.conj(_t(x))


def _cdev(x: np.ndarray, device: pt.Device, dtype: str) -> pt.Tensor:
    if dtype == "complex128" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    return pt.asarray(x.astype(dtype), device=device)


def _real_of(dtype: str) -> str:
    return "float32" if dtype == "complex64" else "float64"


def _hpd(shape: tuple[int, ...]) -> np.ndarray:
    a = _crand(*shape)
    return a @ _h(a) + shape[-1] * np.eye(shape[-1])


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("shape", CSHAPES)
def test_complex_cholesky_det_inv_solve(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    n = shape[-1]
    h = _hpd(shape).astype(dtype).astype(np.complex128)
    th = _cdev(h, device, dtype)
    want = np.linalg.cholesky(h)
    assert_close(pt.linalg.cholesky(th), want, dtype, scale=8 * n)
    assert_close(pt.linalg.cholesky(th, upper=True), _h(want), dtype, scale=8 * n)
    a = _crand(*shape).astype(dtype).astype(np.complex128)
    ta = _cdev(a, device, dtype)
    cond = np.linalg.cond(a).max()
    scale = 8 * n * cond
    assert_close(pt.linalg.det(ta), np.linalg.det(a), dtype, scale=scale * n)
    sign, logabs = pt.linalg.slogdet(ta)
    wsign, wlog = np.linalg.slogdet(a)
    assert sign.dtype == getattr(pt, dtype) and logabs.dtype == getattr(pt, _real_of(dtype))
    assert_close(sign, wsign, dtype, scale=scale)
    assert_close(logabs, wlog, _real_of(dtype), scale=scale)
    assert_close(pt.linalg.inv(ta), np.linalg.inv(a), dtype, scale=scale * 4)
    b = _crand(*shape[:-1], 2)
    assert_close(pt.linalg.solve(ta, _cdev(b, device, dtype)), np.linalg.solve(a, b.astype(dtype)), dtype,
                 scale=scale * 4)
    assert_close(pt.linalg.matrix_power(ta, -2), np.linalg.matrix_power(a, -2), dtype, scale=scale * scale * 8)


def test_complex_singular_slogdet(device: pt.Device) -> None:
    a = np.array([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]])  # row 2 = 2 * row 1
    sign, logabs = pt.linalg.slogdet(_cdev(a, device, "complex64"))
    assert complex(sign) == 0 and float(logabs) == -np.inf


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_complex_qr_svd(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    x = _crand(*shape).astype(dtype).astype(np.complex128)
    tx = _cdev(x, device, dtype)
    m, n = shape[-2:]
    k = min(m, n)
    for mode in ("reduced", "complete"):
        q, r = (np.asarray(t) for t in pt.linalg.qr(tx, mode=mode))
        assert_close(q @ r, x, dtype, scale=8 * m)
        assert_close(_h(q) @ q, _eye_like(_h(q) @ q), dtype, scale=8 * m)
        assert_close(np.tril(r, -1), np.zeros_like(r), dtype)
        assert np.all(np.diagonal(r, axis1=-2, axis2=-1).imag == 0)
    u, s, vh = pt.linalg.svd(tx, full_matrices=False)
    assert s.dtype == getattr(pt, _real_of(dtype))
    u, s, vh = np.asarray(u), np.asarray(s), np.asarray(vh)
    assert_close(s, np.linalg.svd(x, compute_uv=False), _real_of(dtype), scale=8 * k)
    assert_close((u * s[..., None, :]) @ vh, x, dtype, scale=16 * k)
    assert_close(_h(u) @ u, _eye_like(_h(u) @ u), dtype, scale=16 * k)
    assert_close(vh @ _h(vh), _eye_like(vh @ _h(vh)), dtype, scale=16 * k)
    uf, _, vhf = (np.asarray(t) for t in pt.linalg.svd(tx))
    assert uf.shape[-2:] == (m, m) and vhf.shape[-2:] == (n, n)
    assert_close(_h(uf) @ uf, _eye_like(uf), dtype, scale=16 * m)
    assert_close(pt.linalg.svdvals(tx), np.linalg.svd(x, compute_uv=False), _real_of(dtype), scale=8 * k)
    assert_close(pt.linalg.pinv(tx), np.linalg.pinv(x), dtype, scale=64 * k)
    assert_close(pt.linalg.matrix_rank(tx), np.linalg.matrix_rank(x), "int64")
    for ord in (2, -2, "nuc"):
        assert_close(pt.linalg.matrix_norm(tx, ord=ord), np.linalg.norm(x, ord, axis=(-2, -1)), _real_of(dtype),
                     scale=16 * k)


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("shape", CSHAPES)
def test_complex_eigh(device: pt.Device, dtype: str, shape: tuple[int, ...]) -> None:
    n = shape[-1]
    a = _crand(*shape)
    h = (a + _h(a)).astype(dtype).astype(np.complex128)
    # junk in the strict upper triangle and the diagonal's imaginary part is ignored (NumPy reads the lower one)
    eye = _eye_like(h)
    junk = np.tril(h, -1) + np.triu(_crand(*shape), 1) + eye * (h.real + 3j)
    w, v = pt.linalg.eigh(_cdev(junk, device, dtype))
    assert w.dtype == getattr(pt, _real_of(dtype))
    w, v = np.asarray(w), np.asarray(v)
    want = np.linalg.eigvalsh(h)
    tol = 16 * n * np.abs(want).max()
    assert_close(w, want, _real_of(dtype), scale=tol)
    assert_close(h @ v, v * w[..., None, :], dtype, scale=tol)
    assert_close(_h(v) @ v, _eye_like(h), dtype, scale=16 * n)
    assert_close(pt.linalg.eigvalsh(_cdev(h, device, dtype)), want, _real_of(dtype), scale=tol)


# -- the portability subset: also on Mesa rusticl, whose loop cap (65535 iterations) the Jacobi launches respect --
@pytest.mark.portability
@pytest.mark.parametrize("n", [5, 70])
def test_portable_eigh_svd(device: pt.Device, n: int) -> None:
    # n = 70 ran past rusticl's loop cap when all the sweeps ran in one launch
    a = _rand(n, n)
    h = (a + a.T).astype("float32").astype(np.float64)
    w, v = (np.asarray(t) for t in pt.linalg.eigh(_dev(h, device, "float32")))
    tol = 16 * n * np.abs(h).max()
    assert_close(w, np.linalg.eigvalsh(h), "float32", scale=tol)
    assert_close(h @ v, v * w, "float32", scale=tol)
    a32 = a.astype("float32").astype(np.float64)
    u, s, vh = (np.asarray(t) for t in pt.linalg.svd(_dev(a32, device, "float32"), full_matrices=False))
    assert_close(s, np.linalg.svd(a32, compute_uv=False), "float32", scale=16 * n)
    assert_close((u * s) @ vh, a32, "float32", scale=16 * n)


@pytest.mark.portability
def test_portable_small_factorisations(device: pt.Device) -> None:
    a = _rand(2, 6, 6) + 6 * np.eye(6)
    ta = _dev(a, device, "float32")
    assert_close(pt.linalg.det(ta), np.linalg.det(a), "float32", scale=64 * 6 ** 6)
    assert_close(pt.linalg.inv(ta), np.linalg.inv(a), "float32", scale=64)
    spd = _spd((6, 6)).astype("float32").astype(np.float64)
    assert_close(pt.linalg.cholesky(_dev(spd, device, "float32")), np.linalg.cholesky(spd), "float32", scale=64)
    q, r = (np.asarray(t) for t in pt.linalg.qr(ta))
    assert_close(q @ r, a, "float32", scale=64)
    z = _crand(5, 5)
    tz = _cdev(z, device, "complex64")
    assert_close(pt.linalg.inv(tz), np.linalg.inv(z.astype("complex64")), "complex64", scale=64 * np.linalg.cond(z))
    h = z @ _h(z) + 5 * np.eye(5)
    assert_close(pt.linalg.eigvalsh(_cdev(h, device, "complex64")), np.linalg.eigvalsh(h.astype("complex64")),
                 "float32", scale=16 * 5 * np.abs(h).max())
    assert_close(pt.linalg.svdvals(tz), np.linalg.svd(z.astype("complex64"), compute_uv=False), "float32", scale=64)


# -- past rusticl's loop cap: sizes whose loops ran past 65535 iterations in one launch before the kernels were
# split into launches (lu and qr from about n = 150, cholesky from about n = 300, eigh/svd from n = 129) --
@pytest.mark.portability
@pytest.mark.parametrize("routine", ["lu", "qr", "cholesky"])
def test_portable_large_direct(device: pt.Device, routine: str) -> None:
    n = 330 if routine == "cholesky" else 200
    a = (_rand(n, n) + np.sqrt(n) * np.eye(n)).astype("float32").astype(np.float64)
    x = _dev(a, device, "float32")
    if routine == "lu":
        sign, logabs = pt.linalg.slogdet(x)
        want_sign, want_log = np.linalg.slogdet(a)
        assert float(sign) == want_sign
        assert_close(logabs, want_log, "float32", scale=4 * n)
        cond = np.linalg.cond(a)
        assert_close(pt.linalg.inv(x), np.linalg.inv(a), "float32", scale=4 * n * cond)
        b = _rand(n, 3)
        assert_close(pt.linalg.solve(x, _dev(b, device, "float32")), np.linalg.solve(a, b.astype("float32")),
                     "float32", scale=4 * n * cond)
    elif routine == "qr":
        q, r = (np.asarray(t).astype(np.float64) for t in pt.linalg.qr(x))
        _check_qr(q, r, a, "float32")
        assert_close(np.abs(r), np.abs(np.linalg.qr(a)[1]), "float32", scale=20 * n)
    else:
        spd = _spd((n, n)).astype("float32").astype(np.float64)
        assert_close(pt.linalg.cholesky(_dev(spd, device, "float32")), np.linalg.cholesky(spd), "float32",
                     scale=4 * n)


@pytest.mark.portability
@pytest.mark.parametrize("routine", ["eigh", "svd"])
def test_portable_large_jacobi(device: pt.Device, routine: str) -> None:
    n = 160
    a = _rand(n, n)
    if routine == "eigh":
        h = (a + a.T).astype("float32").astype(np.float64)
        w, v = (np.asarray(t).astype(np.float64) for t in pt.linalg.eigh(_dev(h, device, "float32")))
        tol = 16 * n * np.abs(h).max()
        assert_close(w, np.linalg.eigvalsh(h), "float32", scale=tol)
        assert_close(h @ v, v * w, "float32", scale=tol)
        assert_close(v.T @ v, np.eye(n), "float32", scale=16 * n)
    else:
        a32 = a.astype("float32").astype(np.float64)
        u, s, vh = (np.asarray(t).astype(np.float64) for t in pt.linalg.svd(_dev(a32, device, "float32")))
        assert_close(s, np.linalg.svd(a32, compute_uv=False), "float32", scale=16 * n)
        _check_svd(u, s, vh, a32, "float32", True)


@pytest.mark.portability
def test_portable_split_launches(device: pt.Device, monkeypatch: pytest.MonkeyPatch) -> None:
    # a tiny cap makes every routine split its columns' rows (or columns) over launches and run one Jacobi unit
    # a launch, the paths large matrices take on rusticl
    from portatensor.ops import factor

    monkeypatch.setattr(factor, "_LOOP_CAP", 150)
    n = 100
    z = _crand(n, n) + np.sqrt(n) * np.eye(n)
    tz = _cdev(z, device, "complex64")
    z = z.astype("complex64").astype(np.complex128)
    cond = np.linalg.cond(z)
    sign, logabs = pt.linalg.slogdet(tz)
    want_sign, want_log = np.linalg.slogdet(z)
    assert_close(sign, want_sign, "complex64", scale=4 * n)
    assert_close(logabs, want_log, "float32", scale=4 * n)
    assert_close(pt.linalg.inv(tz), np.linalg.inv(z), "complex64", scale=4 * n * cond)
    q, r = (np.asarray(t) for t in pt.linalg.qr(tz[:, :70], mode="complete"))
    assert_close(q @ r, z[:, :70], "complex64", scale=8 * n)
    assert_close(_h(q) @ q, np.eye(n), "complex64", scale=8 * n)
    hpd = (z @ _h(z)).astype("complex64").astype(np.complex128)
    assert_close(pt.linalg.cholesky(_cdev(hpd, device, "complex64")), np.linalg.cholesky(hpd), "complex64",
                 scale=8 * n * np.sqrt(np.abs(hpd).max()))
    h = hpd[:20, :20]
    w, v = (np.asarray(t) for t in pt.linalg.eigh(_cdev(h, device, "complex64")))
    tol = 16 * 20 * np.abs(h).max()
    assert_close(w, np.linalg.eigvalsh(h), "float32", scale=tol)
    assert_close(h @ v, v * w, "complex64", scale=tol)
    u, s, vh = (np.asarray(t) for t in pt.linalg.svd(tz[:20, :12], full_matrices=False))
    assert_close(s, np.linalg.svd(z[:20, :12], compute_uv=False), "float32", scale=16 * n)
    assert_close((u * s) @ vh, z[:20, :12], "complex64", scale=16 * n)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("path", ["sort_cols", "argsort"])
def test_sorted_values_and_columns(device: pt.Device, monkeypatch: pytest.MonkeyPatch, descending: bool,
                                   path: str) -> None:
    """How eigh and svd order their values (one sort_cols launch, or argsort and gathers past the loop cap):
    stable (ties keep their order), NaN last (sort_cols), and the columns of each stack follow their values."""
    from portatensor.ops import factor

    if path == "argsort":
        monkeypatch.setattr(factor, "_LOOP_CAP", 0)
    v = np.array([[3.0, np.nan, 1.0, 3.0, -2.0, 0.5, 1.0], [0.0, -1.0, 2.0, 2.0, np.nan, 5.0, -7.0]], np.float32)
    if path == "argsort":
        v[np.isnan(v)] = 9.0  # NOTE: argsort puts NaN first when descending; sort_cols puts it last
    a, b = _rand(2, 4, 7).astype(np.float32), _rand(2, 7, 7).astype(np.float32)
    w, (ao, bo) = factor._sorted(pt.asarray(v, device=device), [pt.asarray(a, device=device),
                                                                 pt.asarray(b, device=device)], descending)
    order = np.argsort(-v if descending else v, axis=-1, kind="stable")
    np.testing.assert_array_equal(w.numpy(), np.take_along_axis(v, order, -1))
    np.testing.assert_array_equal(ao.numpy(), np.take_along_axis(a, order[:, None, :], -1))
    np.testing.assert_array_equal(bo.numpy(), np.take_along_axis(b, order[:, None, :], -1))
