"""Statistical and utility reductions against NumPy: values, dtypes, axes, layouts, edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops import reduce as R

RNG = np.random.default_rng(1)


def _rand(shape, dtype="float32"):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-9 if np.dtype(dtype).kind == "i" else 0, 9, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return RNG.random(shape) > 0.5
    return RNG.standard_normal(shape).astype(dtype)


AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean"])
@pytest.mark.parametrize("axis", AXES)
def test_float_reductions_axes(device, name, axis):
    a = _rand((3, 4, 5), "float64" if device.info.fp64 else "float32")
    if name == "prod":
        a = (1 + 0.1 * a).astype(a.dtype)
    got = getattr(R, name)(pt.asarray(a, device=device), axis=axis)
    assert got.dtype.name == a.dtype.name
    assert_close(got, getattr(np, name)(a, axis=axis), scale=60)


@pytest.mark.parametrize("name", ["sum", "max", "min", "mean", "prod"])
def test_keepdims_and_noncontiguous(device, name):
    a = _rand((6, 8))
    v = a.T[::-1, 1::2]  # transposed, negative and step strides
    V = pt.asarray(a, device=device).T[::-1, 1::2]
    for axis in (None, 0, 1):
        got = getattr(R, name)(V, axis=axis, keepdims=True)
        assert_close(got, getattr(np, name)(v, axis=axis, keepdims=True), scale=20)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "uint64", "bool", "float16"])
def test_sum_prod_dtypes(device, dtype):
    a = _rand((4, 5), dtype)
    A = pt.asarray(a, device=device)
    for name in ("sum", "prod"):
        got = getattr(R, name)(A, axis=1)
        want = getattr(np, name)(a, axis=1)
        expect = {"int8": "int64", "int32": "int64", "uint8": "uint64", "uint64": "uint64", "bool": "int64",
                  "float16": "float16"}[dtype]
        assert got.dtype.name == expect
        assert_close(got, want.astype(expect), scale=10)
    got = R.sum(A, dtype=pt.float32 if dtype != "uint64" else pt.uint64)
    assert_close(got, a.sum(dtype=np.float32 if dtype != "uint64" else np.uint64), scale=20)


@pytest.mark.parametrize("dtype", ["int16", "int64", "uint32", "float32", "bool"])
def test_max_min_int(device, dtype):
    a = _rand((7, 3), dtype)
    A = pt.asarray(a, device=device)
    for name in ("max", "min"):
        for axis in (None, 0):
            got = getattr(R, name)(A, axis=axis)
            assert got.dtype.name == a.dtype.name
            assert_close(got, getattr(np, name)(a, axis=axis))


def test_large_two_stage(device):
    a = _rand((3, 40000))
    A = pt.asarray(a, device=device)
    for name in ("sum", "mean", "max", "min"):
        for axis in (None, 1):
            assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(a.astype(np.float64), axis=axis),
                         "float32", scale=2000)
    b = _rand((100003,))
    assert_close(R.sum(pt.asarray(b, device=device)), b.astype(np.float64).sum(), "float32", scale=5000)
    assert_close(R.argmax(A, axis=1), a.argmax(axis=1))
    assert_close(R.argmin(A), a.argmin())


@pytest.mark.parametrize("fuse_max", [R.FUSE_MAX, 0], ids=["one-launch", "two-launch"])
def test_chunked_reductions(device, monkeypatch, fuse_max):
    """Rows long enough to split into chunks, merged in one fused launch (a counter per row, reset by the
    row's last work-item) or by a second launch: every op, twice over (a counter left non-zero would
    show), whole-array and per-row, plus a strided view and a boolean count."""
    monkeypatch.setattr(R, "FUSE_MAX", fuse_max)
    device.plans.clear()
    a = _rand((5, 60001))
    A = pt.asarray(a, device=device)
    ref = a.astype(np.float64)
    b = a > 0.7
    B = pt.asarray(b, device=device)
    for _ in range(2):
        for axis in (None, 1):
            for name in ("sum", "mean", "max", "min"):
                assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(ref, axis=axis), "float32",
                             scale=5000)
            assert_close(R.prod(pt.asarray(1 + a / 1e5, device=device), axis=axis),
                         np.prod(1 + ref / 1e5, axis=axis), "float32", scale=5000)
            assert_close(R.count_nonzero(B, axis=axis), np.count_nonzero(b, axis=axis))
            assert_close(R.all(B | (A > -100), axis=axis), np.all(b | (a > -100), axis=axis))
            assert_close(R.any(B, axis=axis), np.any(b, axis=axis))
            assert_close(R.any(A > 100, axis=axis), np.any(a > 100, axis=axis))
        assert_close(R.sum(A[:, ::-3]), ref[:, ::-3].sum(), "float32", scale=5000)
    device.plans.clear()


def test_nan_propagation(device):
    a = _rand((4, 6))
    a[1, 2] = np.nan
    a[3, 0] = np.nan
    a[3, 4] = np.nan
    A = pt.asarray(a, device=device)
    for name in ("max", "min", "sum", "mean"):
        for axis in (None, 0, 1):
            assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(a, axis=axis), scale=10)
    for name in ("argmax", "argmin"):
        for axis in (None, 0, 1):
            assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(a, axis=axis))
    big = _rand((50000,))
    big[30000] = np.nan
    assert np.isnan(R.max(pt.asarray(big, device=device)).item())
    assert R.argmin(pt.asarray(big, device=device)).item() == 30000


@pytest.mark.parametrize("correction", [0, 1, 2.5])
def test_var_std(device, correction):
    a = _rand((5, 6))
    A = pt.asarray(a, device=device)
    for axis in (None, 0, (0, 1), 1):
        assert_close(R.var(A, axis=axis, correction=correction), np.var(a, axis=axis, ddof=correction), scale=20)
        assert_close(R.std(A, axis=axis, correction=correction, keepdims=True),
                     np.std(a, axis=axis, ddof=correction, keepdims=True), scale=20)


def test_var_correction_equal_n(device):
    a = _rand((3, 2))
    with np.errstate(divide="ignore", invalid="ignore"), pytest.warns(RuntimeWarning):
        want = np.var(a, axis=1, ddof=2)
    assert_close(R.var(pt.asarray(a, device=device), axis=1, correction=2), want)


def test_all_any_count_nonzero(device):
    a = _rand((4, 5), "float32")
    a[a < 0] = 0
    a[0] = 1
    a[2, 3] = np.nan
    A = pt.asarray(a, device=device)
    for axis in (None, 0, 1, (0, 1)):
        for name in ("all", "any"):
            got = getattr(R, name)(A, axis=axis)
            assert got.dtype is pt.bool
            assert_close(got, getattr(np, name)(a, axis=axis))
        got = R.count_nonzero(A, axis=axis, keepdims=True)
        assert got.dtype is pt.int64
        assert_close(got, np.count_nonzero(a, axis=axis, keepdims=True))
    # 0.5 is true: the test is != 0, not a cast to bool first
    assert R.all(pt.asarray([0.5, 0.25], device=device)).item() is True


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8"])
def test_argmax_argmin(device, dtype):
    a = _rand((4, 5, 3), dtype)
    A = pt.asarray(a, device=device)
    for name in ("argmax", "argmin"):
        for axis in (None, 0, 1, -1):
            got = getattr(R, name)(A, axis=axis)
            assert got.dtype is pt.int64
            assert_close(got, getattr(np, name)(a, axis=axis))
        got = getattr(R, name)(A[1].T[::-1], axis=1, keepdims=True)
        assert_close(got, getattr(np, name)(a[1].T[::-1], axis=1, keepdims=True))
        assert_close(getattr(R, name)(A, keepdims=True), getattr(np, name)(a, keepdims=True))
    ties = np.array([1, 3, 3, 0, 3], dtype=dtype)
    assert R.argmax(pt.asarray(ties, device=device)).item() == 1


def test_zero_d_and_empty(device):
    s = pt.asarray(np.float32(2.5), device=device)
    for name in ("sum", "prod", "max", "min", "mean"):
        assert_close(getattr(R, name)(s), np.float32(2.5))
    assert R.argmax(s).item() == 0
    e = np.zeros((0, 3), dtype=np.float32)
    E = pt.asarray(e, device=device)
    assert_close(R.sum(E, axis=0), e.sum(axis=0))
    assert_close(R.prod(E, axis=0), e.prod(axis=0))
    assert_close(R.sum(E, axis=1), e.sum(axis=1))
    assert_close(R.max(E, axis=1), e.max(axis=1))
    assert R.all(E).item() is True and R.any(E).item() is False
    assert R.count_nonzero(E).item() == 0
    with np.errstate(invalid="ignore"):
        assert np.isnan(R.mean(E).item())
    with pytest.raises(ValueError, match="empty"):
        R.max(E)
    with pytest.raises(ValueError, match="empty"):
        R.min(E, axis=0)
    with pytest.raises(ValueError, match="empty"):
        R.argmax(E, axis=0)


def test_errors(device):
    A = pt.asarray(_rand((2, 3)), device=device)
    with pytest.raises(IndexError, match="out of bounds"):
        R.sum(A, axis=2)
    with pytest.raises(ValueError, match="repeated"):
        R.max(A, axis=(0, 0))
    with pytest.raises(TypeError, match="int"):
        R.mean(pt.asarray([1, 2], device=device))
    with pytest.raises(ValueError, match="correction"):
        R.var(A, correction=-1)
    with pytest.raises(TypeError):
        R.argmax(A, axis=(0, 1))
    with pytest.raises(ValueError, match="axis"):
        R.cumulative_sum(A)


@pytest.mark.parametrize("name", ["sum", "prod"])
def test_cumulative(device, name):
    a = _rand((3, 4, 5), "float64" if device.info.fp64 else "float32")
    if name == "prod":
        a = (1 + 0.1 * a).astype(a.dtype)
    fn, ref = getattr(R, f"cumulative_{name}"), getattr(np, f"cum{name}")
    A = pt.asarray(a, device=device)
    for axis in (0, 1, -1):
        assert_close(fn(A, axis=axis), ref(a, axis=axis), scale=20)
        got = fn(A, axis=axis, include_initial=True)
        init = np.full_like(np.take(a, [0], axis=axis), 1.0 if name == "prod" else 0.0)
        assert_close(got, np.concatenate([init, ref(a, axis=axis)], axis=axis), scale=20)
    v = a[::-1, 1:, ::2]
    assert_close(fn(A[::-1, 1:, ::2], axis=1), ref(v, axis=1), scale=20)


def test_cumulative_dtypes_and_long(device):
    a = _rand((50000,), "int32")
    got = R.cumulative_sum(pt.asarray(a, device=device))
    assert got.dtype is pt.int64
    assert_close(got, np.cumsum(a, dtype=np.int64))
    got = R.cumulative_sum(pt.asarray(a, device=device), include_initial=True)
    assert_close(got, np.concatenate([[0], np.cumsum(a, dtype=np.int64)]))
    b = _rand((2, 20000), "uint8")
    assert_close(R.cumulative_sum(pt.asarray(b, device=device), axis=1, dtype=pt.int32), np.cumsum(b, 1, np.int32))
    assert R.cumulative_sum(pt.asarray(np.zeros(0, np.float32), device=device), include_initial=True).shape == (1,)


# -- complex: sum/prod/mean/cumulative keep the complex dtype; ordered and variance reductions raise --------------


def _crand(shape, dtype):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


def _complex_dtypes(device):
    return ["complex64", "complex128"] if device.info.fp64 else ["complex64"]


@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
def test_complex_reductions_axes(device, name):
    for dtype in _complex_dtypes(device):
        a = _crand((3, 4, 5), dtype)
        if name == "prod":
            a = (1 + 0.3 * a).astype(dtype)
        A = pt.asarray(a, device=device)
        for axis in AXES:
            got = getattr(R, name)(A, axis=axis)
            assert got.dtype.name == dtype
            assert_close(got, getattr(np, name)(a, axis=axis), scale=60)
        # keepdims on a transposed, negative- and step-strided view
        v = a[::-1, :, ::2].transpose(2, 0, 1)
        V = pt.permute_dims(A[::-1, :, ::2], (2, 0, 1))
        for axis in (None, 0, (1, 2)):
            assert_close(getattr(R, name)(V, axis=axis, keepdims=True),
                         getattr(np, name)(v, axis=axis, keepdims=True), scale=60)


def test_complex_sum_dtypes(device):
    a = _crand((4, 6), "complex64")
    A = pt.asarray(a, device=device)
    ints = np.arange(6, dtype=np.int8).reshape(2, 3)
    got = R.sum(pt.asarray(ints, device=device), axis=1, dtype=pt.complex64)
    assert got.dtype is pt.complex64
    assert_close(got, ints.sum(axis=1, dtype=np.complex64))
    if device.info.fp64:
        got = R.prod(A, axis=0, dtype=pt.complex128)
        assert got.dtype is pt.complex128
        assert_close(got, a.astype(np.complex128).prod(axis=0), scale=10)
    with pytest.raises(TypeError, match="complex64.*float32"):
        R.sum(A, dtype=pt.float32)
    with pytest.raises(TypeError, match="complex64"):
        R.cumulative_prod(A, axis=0, dtype=pt.int64)


def test_complex_empty_and_zero_d(device):
    e = np.zeros((0, 3), dtype=np.complex64)
    E = pt.asarray(e, device=device)
    for name in ("sum", "prod"):
        for axis in (None, 0, 1):
            got = getattr(R, name)(E, axis=axis)
            assert got.dtype is pt.complex64
            assert_close(got, getattr(np, name)(e, axis=axis))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        want = np.mean(e, axis=0)
    assert_close(R.mean(E, axis=0), want)  # nan+nanj, as NumPy
    assert_close(R.mean(E, axis=1), np.mean(e, axis=1))
    assert R.cumulative_sum(E, axis=0, include_initial=True).shape == (1, 3)
    s = pt.asarray(np.complex64(2 - 3j), device=device)
    for name in ("sum", "prod", "mean"):
        assert_close(getattr(R, name)(s), np.complex64(2 - 3j))


def test_complex_special_values(device):
    inf, nan = np.inf, np.nan
    a = np.array([[1 + 1j, inf + 0j, 2 - 1j],
                  [complex(nan, 0), 1j, 3 + 0j],
                  [complex(0, -inf), complex(1, inf), -2j],
                  [complex(inf, 1), complex(-inf, 0), 0.5 + 0j]], dtype=np.complex64)
    A = pt.asarray(a, device=device)
    with np.errstate(invalid="ignore", over="ignore"):
        for axis in (None, 0, 1):
            for name in ("sum", "prod"):
                assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(a, axis=axis), scale=4)
            # mean divides each part by the count (C99 Annex G: complex / real is lane-wise), where
            # NumPy's complex division would turn inf+0j into inf+nanj.
            s, n = np.sum(a, axis=axis), a.size // np.sum(a, axis=axis).size
            want = np.empty_like(s)
            want.real, want.imag = s.real / n, s.imag / n
            assert_close(R.mean(A, axis=axis), want, scale=4)
        assert_close(R.cumulative_sum(A, axis=1), np.cumsum(a, axis=1))
        assert_close(R.cumulative_prod(A, axis=1), np.cumprod(a, axis=1))


def test_complex_truth_reductions(device):
    a = np.array([[0j, 1j, 1 + 0j], [0j, 0j, complex(np.nan, 0)], [-0.0 + 0j, 2 + 2j, 0j]], dtype=np.complex64)
    A = pt.asarray(a, device=device)
    for axis in (None, 0, 1):
        for name in ("all", "any"):
            got = getattr(R, name)(A, axis=axis)
            assert got.dtype is pt.bool
            assert_close(got, getattr(np, name)(a, axis=axis))
        assert_close(R.count_nonzero(A, axis=axis), np.count_nonzero(a, axis=axis))


def test_complex_cumulative(device):
    for dtype in _complex_dtypes(device):
        a = (1 + 0.2 * _crand((3, 4, 5), dtype)).astype(dtype)
        A = pt.asarray(a, device=device)
        for name in ("sum", "prod"):
            fn, ref = getattr(R, f"cumulative_{name}"), getattr(np, f"cum{name}")
            for axis in (0, -1):
                got = fn(A, axis=axis)
                assert got.dtype.name == dtype
                assert_close(got, ref(a, axis=axis), scale=20)
            got = fn(A[:, ::-1, 1::2], axis=1, include_initial=True)
            init = np.full((3, 1, 2), 1 if name == "prod" else 0, dtype)
            assert_close(got, np.concatenate([init, ref(a[:, ::-1, 1::2], axis=1)], axis=1), scale=20)


def test_complex_two_stage_and_vecdot(device):
    a = _crand((2, 30000), "complex64")
    A = pt.asarray(a, device=device)
    want = a.astype(np.complex128)
    for name in ("sum", "mean"):
        for axis in (None, 1):
            assert_close(getattr(R, name)(A, axis=axis), getattr(np, name)(want, axis=axis), "complex64", scale=2000)
    assert_close(R.cumulative_sum(A, axis=1), np.cumsum(want, axis=1), "complex64", scale=20000)
    # unit-modulus factors keep a long product finite: exp(i * sum of angles)
    theta = RNG.uniform(-0.01, 0.01, size=(2, 30000))
    u = np.exp(1j * theta).astype(np.complex64)
    assert_close(R.prod(pt.asarray(u, device=device), axis=1), np.exp(1j * theta.sum(axis=1)), "complex64",
                 scale=20000)
    b = _crand((30000,), "complex64")
    assert_close(pt.vecdot(A, pt.asarray(b, device=device)), np.vecdot(want, b.astype(np.complex128)),
                 "complex64", scale=2000)


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "var", "std"])
def test_complex_unordered_raise(device, name):
    A = pt.asarray(_crand((2, 3), "complex64"), device=device)
    with pytest.raises(TypeError, match="complex64"):
        getattr(R, name)(A, axis=0)
    if name in ("max", "min"):
        with pytest.raises(TypeError, match="complex64"):
            R.reduce(name, A)


@pytest.mark.parametrize(("shape", "axis"), [((96, 200), 0), ((40, 3, 67), 0), ((9, 20, 130), (0, 1)),
                                             ((6, 64, 5), 0)])
def test_column_reductions(device, shape, axis):
    """Reductions over leading axes with a contiguous kept row (reduce_cols): vector blocks and a partial last
    block, several kept dims, float32/int32/float64, sum, mean and prod, a strided view."""
    rng = np.random.default_rng(7)
    x = rng.random(shape).astype(np.float32) + 0.5
    tx = pt.asarray(x, device=device)
    axes = tuple(int(a) for a in np.atleast_1d(axis))
    nout = int(np.prod([n for i, n in enumerate(shape) if i not in axes]))
    taken = R._columns_stage(device, R.REDUCE["sum"], tx, pt.float32, pt.float32, R._geometry(tx, axes), None)
    assert taken is not None or nout // 4 < device.info.compute_units * R.COLS_ITEMS_PER_CU
    assert_close(pt.sum(tx, axis=axis), x.astype(np.float64).sum(axis))
    assert_close(pt.mean(tx, axis=axis), x.astype(np.float64).mean(axis))
    small = x[:8] if axis == 0 else x[:2, :2]
    assert_close(pt.prod(pt.asarray(small, device=device), axis=axis), small.astype(np.float64).prod(axis))
    xi = rng.integers(-50, 50, shape).astype(np.int32)
    assert_close(pt.sum(pt.asarray(xi, device=device), axis=axis, dtype=pt.int32), xi.sum(axis, dtype=np.int32))
    view = tx[..., ::2]
    assert_close(pt.sum(view, axis=axis), x[..., ::2].astype(np.float64).sum(axis))
    if device.info.fp64:
        x64 = x.astype(np.float64)
        assert_close(pt.sum(pt.asarray(x64, device=device), axis=axis), x64.sum(axis))
