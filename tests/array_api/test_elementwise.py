"""The elementwise chapter of the Array API standard (2024.12), against NumPy.

Kernel variants cost ~0.5 s each to build cold, so every op runs once per
dtype on one contiguous array that already holds the special values (NaN,
+-inf, +-0, halves); layouts (views, broadcasting, 0-d, empty) are checked on
a few ops only, which is where the kernel's indexing differs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import assert_close, floor_divide_standard

import portatensor as pt

RNG = np.random.default_rng(7)

# op name -> NumPy reference (when the names differ)
NP = {"acos": np.arccos, "acosh": np.arccosh, "asin": np.arcsin, "asinh": np.arcsinh, "atan": np.arctan,
      "atanh": np.arctanh, "atan2": np.arctan2, "pow": np.power, "bitwise_invert": np.invert,
      "bitwise_left_shift": np.left_shift, "bitwise_right_shift": np.right_shift, "conj": np.conjugate,
      "floor_divide": floor_divide_standard}

FLOAT_UNARY = ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "exp", "expm1",
               "floor", "isfinite", "isinf", "isnan", "log", "log1p", "log2", "log10", "negative", "positive",
               "reciprocal", "round", "sign", "signbit", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc"]
FLOAT_BINARY = ["add", "atan2", "copysign", "divide", "equal", "floor_divide", "greater", "greater_equal", "hypot",
                "less", "less_equal", "logaddexp", "maximum", "minimum", "multiply", "nextafter", "not_equal", "pow",
                "remainder", "subtract"]
INT_UNARY = ["abs", "bitwise_invert", "negative", "sign", "square", "ceil", "round"]
INT_BINARY = ["add", "subtract", "multiply", "floor_divide", "remainder", "pow", "maximum", "minimum",
              "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
              "equal", "less", "greater_equal"]
BOOL_OPS = {"logical_and": 2, "logical_or": 2, "logical_xor": 2, "logical_not": 1, "bitwise_and": 2,
            "bitwise_invert": 1, "bitwise_xor": 2, "equal": 2, "not_equal": 2}
COMPLEX_UNARY = ["abs", "conj", "real", "imag", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square",
                 "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "asinh", "acosh", "atanh",
                 "isnan", "isinf", "isfinite", "sign", "reciprocal", "negative", "round"]
COMPLEX_BINARY = ["add", "subtract", "multiply", "divide", "equal", "not_equal", "pow"]

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1.0, -1.0]


def _ref(name):
    return NP.get(name, getattr(np, name, None))


def _float_data(n=24):
    return np.concatenate([SPECIAL, RNG.standard_normal(n) * 2]).astype(np.float64)


def _np_ref(name, *args, dtype):
    """NumPy's answer, computed in float64/complex128 and rounded to dtype (truer than float32 NumPy)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if name == "nextafter":
            return np.nextafter(*[a.astype(dtype) for a in args])
        if name in ("isnan", "isinf", "isfinite", "signbit", "equal", "not_equal", "less", "less_equal", "greater",
                    "greater_equal"):
            return _ref(name)(*[a.astype(dtype) for a in args])
        out = _ref(name)(*args)
    if name in ("abs", "real", "imag") and np.dtype(dtype).kind == "c":
        return out.astype(np.float32 if np.dtype(dtype) == np.complex64 else np.float64)
    return out.astype(dtype)


@pytest.mark.parametrize("name", FLOAT_UNARY)
def test_float_unary(device, name):
    x = _float_data()
    got = getattr(pt, name)(pt.asarray(x.astype(np.float32), device=device))
    assert_close(got, _np_ref(name, x.astype(np.float32).astype(np.float64), dtype=np.float32))


@pytest.mark.parametrize("name", FLOAT_BINARY)
def test_float_binary(device, name):
    # every special value against every special value, then random pairs
    s = np.array(SPECIAL)
    r = RNG.standard_normal((2, 24)) * 3
    x1 = np.concatenate([np.repeat(s, len(s)), r[0]]).astype(np.float32)
    x2 = np.concatenate([np.tile(s, len(s)), r[1]]).astype(np.float32)
    got = getattr(pt, name)(pt.asarray(x1, device=device), pt.asarray(x2, device=device))
    want = _np_ref(name, x1.astype(np.float64), x2.astype(np.float64), dtype=np.float32)
    if name == "floor_divide":
        # NOTE: NumPy's float64 floor_divide of float32-rounded inputs differs from float32 at
        # exact multiples; compare against NumPy float32 itself.
        want = floor_divide_standard(x1, x2)
    assert_close(got, want)


@pytest.mark.parametrize("name", ["add", "sqrt", "maximum", "floor_divide", "isnan"])
def test_float16(device, name):
    x = _float_data(8).astype(np.float16)
    args = [x] if name in ("sqrt", "isnan") else [x, x[::-1].copy()]
    got = getattr(pt, name)(*[pt.asarray(a, device=device) for a in args])
    with np.errstate(all="ignore"):
        want = _ref(name)(*[a.astype(np.float32) for a in args])
    assert_close(got, want.astype(np.float16) if want.dtype != bool else want)
    assert got.dtype == (pt.bool if name == "isnan" else pt.float16)


def _ints(dtype, n=32):
    info = np.iinfo(dtype)
    edge = [0, 1, 2, 3, 7, info.max, info.min, info.max - 1] + ([-1, -2, -7, -8] if info.min < 0 else [5, 9, 100, 200])
    lo, hi = (-100, 100) if info.min < 0 else (0, 200)
    return np.concatenate([edge, RNG.integers(lo, hi, n)]).astype(dtype)


@pytest.mark.parametrize("name", INT_UNARY)
@pytest.mark.parametrize("dtype", ["int32", "uint8"])
def test_int_unary(device, name, dtype):
    if dtype == "uint8" and name not in ("abs", "bitwise_invert", "negative"):
        pytest.skip("kept to a few uint8 kernels")
    x = _ints(dtype)
    got = getattr(pt, name)(pt.asarray(x, device=device))
    with np.errstate(all="ignore"):
        want = _ref(name)(x).astype(dtype)
    assert got.dtype == pt.asarray(x, device=device).dtype
    assert_close(got, want)


@pytest.mark.parametrize("name", INT_BINARY)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_int_binary(device, name, dtype):
    if dtype != "int32" and name not in ("floor_divide", "remainder", "bitwise_right_shift", "multiply", "pow"):
        pytest.skip("kept to a few non-int32 kernels")
    a, b = _ints(dtype), _ints(dtype)[::-1].copy()
    if name == "pow":
        b = (np.abs(b.astype(np.int64)) % 5).astype(dtype)  # NumPy rejects negative integer exponents
    if name.startswith("bitwise_") and "shift" in name:
        b = (np.abs(b.astype(np.int64)) % (np.dtype(dtype).itemsize * 8)).astype(dtype)
    got = getattr(pt, name)(pt.asarray(a, device=device), pt.asarray(b, device=device))
    with np.errstate(all="ignore"):
        want = _ref(name)(a, b)
    assert_close(got, want.astype(want.dtype if want.dtype == bool else dtype))


def test_int_defined_results(device):
    """Undefined-in-the-standard integer cases have documented values and never trap."""
    a = pt.asarray(np.array([7, -7, np.iinfo(np.int32).min, 0, 5], np.int32), device=device)
    z = pt.asarray(np.array([0, 0, -1, 0, 0], np.int32), device=device)
    assert (a // z).numpy().tolist() == [0, 0, np.iinfo(np.int32).min, 0, 0]
    assert (a % z).numpy().tolist() == [0, 0, 0, 0, 0]
    e = pt.asarray(np.array([-1, -2, -3, -1, 40], np.int32), device=device)
    base = pt.asarray(np.array([2, 1, -1, 0, 1], np.int32), device=device)
    assert pt.pow(base, e).numpy().tolist() == [0, 1, -1, 0, 1]
    one = pt.asarray(np.array([1, -8, 1, -8], np.int32), device=device)
    sh = pt.asarray(np.array([31, 3, 32, 40], np.int32), device=device)
    assert (one << sh).numpy().tolist() == [np.iinfo(np.int32).min, -64, 0, 0]
    assert (one >> sh).numpy().tolist() == [0, -1, 0, -1]


@pytest.mark.parametrize("name", sorted(BOOL_OPS))
def test_bool_ops(device, name):
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    args = [a, b][:BOOL_OPS[name]]
    got = getattr(pt, name)(*[pt.asarray(x, device=device) for x in args])
    assert got.dtype == pt.bool
    assert_close(got, _ref(name)(*args))


def _complex_data():
    re = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, np.inf, np.nan, 0.0])
    im = np.array([0.0, 1.0, -0.0, 2.0, -0.5, 0.0, 1.5, 1.0, 0.0, np.inf])
    r = RNG.standard_normal((2, 16))
    z = np.empty(len(re) + 16, np.complex128)
    z.real, z.imag = np.concatenate([re, r[0]]), np.concatenate([im, r[1]])
    return z


@pytest.mark.parametrize("name", COMPLEX_UNARY)
def test_complex_unary(device, name):
    z = _complex_data().astype(np.complex64)
    finite = np.isfinite(z)
    if name not in ("isnan", "isinf", "isfinite", "conj", "real", "imag", "negative", "abs", "round"):
        z = z[finite]  # NOTE: C99 Annex G special values of the transcendental functions: not checked yet
    if name in ("asin", "acos", "atanh", "acosh", "atan", "asinh"):
        # NOTE: on the branch cuts themselves the sign of a zero part picks the side; not matched yet
        z = z[(z.imag != 0) & (z.real != 0)]
    got = getattr(pt, name)(pt.asarray(z, device=device))
    want = _np_ref(name, z.astype(np.complex128), dtype=np.complex64)
    if want.dtype == np.complex64 and name in ("tan", "tanh", "asin", "acos", "atan", "asinh", "acosh", "atanh",
                                                   "log1p", "expm1", "sign"):
        assert_close(got, want, scale=8)  # compositions of a few rounded steps
    else:
        assert_close(got, want)


@pytest.mark.parametrize("name", COMPLEX_BINARY)
def test_complex_binary(device, name):
    z = _complex_data().astype(np.complex64)
    z = z[np.isfinite(z)]
    w = z[::-1].copy() + np.complex64(0.25 - 0.5j)
    got = getattr(pt, name)(pt.asarray(z, device=device), pt.asarray(w, device=device))
    want = _np_ref(name, z.astype(np.complex128), w.astype(np.complex128), dtype=np.complex64)
    assert_close(got, want, scale=8 if name == "pow" else 1)


def test_complex_scalars_and_roundtrip(device):
    z = np.array([1 + 2j, -0.5 - 1j], np.complex64)
    Z = pt.asarray(z, device=device)
    assert Z.dtype == pt.complex64
    np.testing.assert_array_equal(Z.numpy(), z)
    assert_close(Z + 1, z + 1)
    assert_close(2j * Z, z * np.complex64(2j))
    x = pt.asarray(np.array([1.0, 2.0], np.float32), device=device)
    assert (x + 1j).dtype == pt.complex64  # 2024.12: Python complex with a real float array
    assert_close(x + 1j, np.array([1 + 1j, 2 + 1j], np.complex64))
    if device.info.fp64:
        assert_close(pt.astype(Z, pt.complex128), z.astype(np.complex128))
    else:
        with pytest.raises(TypeError, match="complex128 needs cl_khr_fp64"):
            pt.astype(Z, pt.complex128)
    assert_close(pt.astype(x, pt.complex64), x.numpy().astype(np.complex64))
    with pytest.raises(TypeError, match="real"):
        pt.astype(Z, pt.float32)
    with pytest.raises(TypeError):
        pt.less(Z, Z)
    with pytest.raises(TypeError):
        pt.asarray(np.array([1, 2], np.int32), device=device) + 1j


# layouts: (x shape, how to view it) on a few ops covering unary, binary and compare kernels
LAYOUTS = {
    "contiguous": lambda a: a,
    "strided-view": lambda a: a[::2, ::-3],
    "transposed": lambda a: a.T,
    "row-broadcast": lambda a: a[1],
    "0-d": lambda a: a[1, 2],
    "empty": lambda a: a[2:2],
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", ["add", "sqrt", "less", "remainder"])
def test_layouts(device, name, layout):
    base = (RNG.standard_normal((4, 9)) * 3).astype(np.float32)
    base[0, 0], base[1, 1] = np.nan, -0.0
    X = pt.asarray(base, device=device)
    Y = pt.asarray(base[::-1].copy(), device=device)
    view = LAYOUTS[layout]
    x, xn = view(X), view(base)
    if name == "sqrt":
        got, want = pt.sqrt(x), np.sqrt(np.abs(xn)) * np.sign(xn) ** 0  # NaN for negatives
        with np.errstate(all="ignore"):
            want = np.sqrt(xn)
    else:
        y, yn = Y[:, :9] if layout != "0-d" else Y[0, 0], base[::-1] if layout != "0-d" else base[::-1][0, 0]
        if layout == "row-broadcast":
            y, yn = Y, base[::-1]
        elif layout in ("strided-view", "transposed", "empty"):
            y, yn = view(Y), view(base[::-1].copy())
        got = getattr(pt, name)(x, y)
        with np.errstate(all="ignore"):
            want = _ref(name)(xn, yn)
    assert got.shape == want.shape
    assert_close(got, want)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "pow", "maximum", "floor_divide",
                                  "remainder", "less", "equal", "copysign", "atan2"])
def test_python_scalars_either_side(device, name):
    x = np.array([0.5, -1.5, 2.0, np.nan], np.float32)
    X = pt.asarray(x, device=device)
    f = getattr(pt, name)
    with np.errstate(all="ignore"):
        assert_close(f(X, 2.0), _ref(name)(x, np.float32(2.0)))
        assert_close(f(3, X), _ref(name)(np.float32(3), x))


def test_special_values_exact(device):
    """Signs of zero and NaN propagation, bit for bit."""
    x = pt.asarray(np.array([-0.0, 0.0, np.nan, -2.5, 2.5, 0.5, -0.5, 3.5], np.float32), device=device)
    assert np.signbit(pt.sign(x).numpy()[:2]).tolist() == [False, False]
    assert pt.round(x).numpy()[3:].tolist() == [-2.0, 2.0, 0.0, -0.0, 4.0]
    assert np.signbit(pt.round(x).numpy()[6])
    assert np.signbit(pt.sqrt(x).numpy()[0])
    n = pt.asarray(np.array([np.nan, 1.0, np.nan], np.float32), device=device)
    m = pt.asarray(np.array([1.0, np.nan, np.nan], np.float32), device=device)
    assert np.isnan(pt.maximum(n, m).numpy()).all() and np.isnan(pt.minimum(n, m).numpy()).all()
    a = pt.asarray(np.array([5.0, -5.0, 5.0, -5.0, 0.0, -0.0], np.float32), device=device)
    b = pt.asarray(np.array([3.0, 3.0, -3.0, -3.0, -3.0, 3.0], np.float32), device=device)
    assert (a // b).numpy().tolist() == [1.0, -2.0, -2.0, 1.0, -0.0, -0.0]
    r = (a % b).numpy()
    assert r.tolist() == [2.0, 1.0, -1.0, -2.0, 0.0, 0.0]
    assert np.signbit(r).tolist() == [False, False, True, True, True, False]
    assert pt.isinf(pt.hypot(pt.asarray([np.inf], device=device), pt.asarray([np.nan], device=device))).item()


def test_clip(device):
    x = np.array([-2.0, -0.5, 0.5, 2.0, np.nan], np.float32)
    X = pt.asarray(x, device=device)
    assert_close(pt.clip(X, -1.0, 1.0), np.clip(x, -1.0, 1.0))
    assert_close(pt.clip(X, max=0.0), np.minimum(x, 0.0))
    assert_close(pt.clip(X), x)
    lo = pt.asarray(np.full(5, -1.0, np.float32), device=device)
    assert_close(pt.clip(X, lo, None), np.maximum(x, np.float32(-1.0)))
    i = pt.asarray(np.arange(-3, 4, dtype=np.int32), device=device)
    c = pt.clip(i, 0, 2)
    assert c.dtype == pt.int32 and c.numpy().tolist() == [0, 0, 0, 0, 1, 2, 2]


def test_clip_broadcasts_min_max(device):
    # array-api-tests test_clip: the result has x, min and max broadcast (as NumPy and array-api-strict)
    x = np.array([1.0, 2.0], np.float32)
    lo = np.array([[0.0], [1.5], [3.0]], np.float32)
    got = pt.clip(pt.asarray(x, device=device), pt.asarray(lo, device=device), 2.5)
    assert got.shape == (3, 2) and got.dtype == pt.float32
    assert_close(got, np.clip(x, lo, np.float32(2.5)))
    empty = pt.clip(pt.asarray(np.uint8(3), device=device), 0, pt.asarray(np.zeros(0, np.uint8), device=device))
    assert empty.shape == (0,) and empty.dtype == pt.uint8


def test_int32_widened_to_int64(device):
    # Mesa llvmpipe (rusticl) miscompiled compares of an int32 sign-extended to int64: int64 << int32 gave 0
    a = np.array([1, 8, -8, 5, -3, 2**40], np.int64)
    b = np.array([0, 1, 2, -7, 70, -2**31], np.int32)
    A, B = pt.asarray(a, device=device), pt.asarray(b, device=device)
    assert pt.bitwise_left_shift(A[:3], pt.abs(B[:3])).numpy().tolist() == (a[:3] << np.abs(b[:3])).tolist()
    assert pt.bitwise_right_shift(A[:3], pt.abs(B[:3])).numpy().tolist() == (a[:3] >> np.abs(b[:3])).tolist()
    assert pt.bitwise_right_shift(A[:5], B[4:5]).numpy().tolist() == [0, 0, -1, 0, -1]  # counts past 63
    for fn, ref in ((pt.less, np.less), (pt.greater_equal, np.greater_equal), (pt.maximum, np.maximum),
                    (pt.minimum, np.minimum), (pt.floor_divide, np.floor_divide), (pt.remainder, np.remainder)):
        want = ref(a, b) if fn not in (pt.floor_divide, pt.remainder) else ref(a[:5], b[:5])
        got = fn(A, B) if fn not in (pt.floor_divide, pt.remainder) else fn(A[:5], B[:5])
        assert got.numpy().tolist() == want.tolist(), fn.__name__
    assert pt.sum(B).item() == int(b.astype(np.int64).sum())


def test_clip_bounds_of_other_dtypes(device):
    # array-api-tests test_clip draws min/max arrays of any dtype of x's kind; they take no part in promotion
    x = np.array([0, 5, 2**63, 2**64 - 1], np.uint64)
    lo = np.array([-7, 3, -1, 0], np.int8)
    hi = np.array([2, 100, 2**15 - 1, -3], np.int16)
    got = pt.clip(pt.asarray(x, device=device), pt.asarray(lo, device=device), pt.asarray(hi[:3], device=device)[0])
    want = [min(max(int(v), int(m)), 2) for v, m in zip(x, lo, strict=True)]
    assert got.dtype == pt.uint64 and got.numpy().tolist() == want
    got = pt.clip(pt.asarray(x, device=device), min=pt.asarray(lo, device=device))
    assert got.dtype == pt.uint64 and got.numpy().tolist() == [max(int(v), int(m)) for v, m in zip(x, lo, strict=True)]
    big = np.array([0, 100, 2**64 - 1, 2**63], np.uint64)
    i16 = np.array([-300, 5, 200, -1], np.int16)
    got = pt.clip(pt.asarray(i16, device=device), max=pt.asarray(big, device=device))
    assert got.dtype == pt.int16 and got.numpy().tolist() == [-300, 5, 200, -1]
    got = pt.clip(pt.asarray(i16, device=device), min=pt.asarray(big, device=device))
    assert got.numpy().tolist() == [0, 100, 2**15 - 1, 2**15 - 1]  # bounds past int16's range: clipped to it
    i8 = np.array([-128, -3, 0, 127], np.int8)
    got = pt.clip(pt.asarray(i8, device=device), pt.asarray(np.int64(-5), device=device),
                  pt.asarray(np.array([100, 100, 100, 1000], np.int16), device=device))
    assert got.dtype == pt.int8 and got.numpy().tolist() == [-5, -3, 0, 127]
    if not device.info.fp64:
        return
    f = np.array([-2.0, 0.25, 3.0, np.nan], np.float32)
    lo64 = np.array([-1.0, 0.5, -np.inf, 0.0])
    got = pt.clip(pt.asarray(f, device=device), pt.asarray(lo64, device=device), 2.0)
    assert got.dtype == pt.float32
    assert_close(got, np.clip(f.astype(np.float64), lo64, 2.0).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.complex64])
def test_abs_pow_operators_match_functions(device, dtype):
    # array-api-tests test_abs[__abs__]/test_pow[__pow__]: the operators accept every numeric dtype xp.abs/xp.pow do
    a = np.array([0, 3, 5, 2], dtype)
    b = np.array([1, 2, 3, 0], dtype)
    A, B = pt.asarray(a, device=device), pt.asarray(b, device=device)
    for got, want in ((abs(A), np.abs(a)), (A ** B, a ** b), (A ** 3, a ** 3), (2 ** A, 2 ** a)):
        assert got.dtype == pt.asarray(want, device=device).dtype
        assert_close(got, want)


def test_pow_operators_with_complex_scalars(device):
    # array-api-tests test_pow[__pow__(x, s)]: x ** (complex scalar) returned NotImplemented (TypeError)
    n = np.array([1 + 1j, 0j, 2 - 1j], np.complex64)
    c = pt.asarray(n, device=device)
    for got, want in ((c ** (0.5 + 1j), n ** np.complex64(0.5 + 1j)), ((1 + 2j) ** c, np.complex64(1 + 2j) ** n),
                      (c ** 0j, n ** np.complex64(0j))):
        assert got.dtype == pt.complex64
        assert_close(got, want)


def test_operators(device):
    a = np.array([5, -3, 0, 7], np.int32)
    b = np.array([2, 2, 3, -2], np.int32)
    A, B = pt.asarray(a, device=device), pt.asarray(b, device=device)
    F = pt.asarray(np.array([0.5, 2.0], np.float32), device=device)
    assert_close(A // B, a // b)
    assert_close(A % B, a % b)
    assert_close(A & B, a & b)
    assert_close(A | 1, a | 1)
    assert_close(3 ^ A, 3 ^ a)
    assert_close(A << 2, a << 2)
    assert_close(A >> 1, a >> 1)
    assert_close(~A, ~a)
    assert_close(pt.abs(A), np.abs(a))
    assert_close(abs(F), np.array([0.5, 2.0], np.float32))
    assert_close(pt.pow(A, 2), a ** 2)
    assert_close(F ** 2, np.array([0.25, 4.0], np.float32))
    assert_close(2 ** F, np.array([2 ** 0.5, 4.0], np.float32))
    assert_close(10 // B, 10 // b)
    assert_close(10 % B, 10 % b)
    for got, want in ((A < B, a < b), (A <= 0, a <= 0), (A > B, a > b), (A >= 0, a >= 0), (A == B, a == b),
                      (A != 0, a != 0), (0 < A, 0 < a)):
        assert got.dtype == pt.bool
        assert_close(got, want)
    assert (A == "x") is False and (A != None) is True  # noqa: E711 - NotImplemented falls back to identity
    assert hash(A) == id(A)
    C = pt.asarray(a, device=device)
    C //= 2
    C %= 3
    C <<= 1
    C >>= 1
    C &= 7
    C |= 8
    C ^= 1
    ref = a.copy()
    ref //= 2
    ref %= 3
    ref <<= 1
    ref >>= 1
    ref &= 7
    ref |= 8
    ref ^= 1
    assert_close(C, ref)
    with pytest.raises(TypeError, match="in-place"):
        C /= 2  # would need float


def test_type_errors(device):
    i = pt.asarray(np.array([1, 2], np.int32), device=device)
    f = pt.asarray(np.array([1.0, 2.0], np.float32), device=device)
    t = pt.asarray(np.array([True, False]), device=device)
    for fn, args in ((pt.sqrt, (i,)), (pt.bitwise_and, (f, f)), (pt.logical_and, (i, i)), (pt.add, (t, t)),
                     (pt.add, (i, f)), (pt.floor_divide, (i, 1.5)), (pt.nextafter, (f.astype(pt.float16), 1.0)),
                     (pt.signbit, (i,)), (pt.atan2, (i, i)), (pt.bitwise_left_shift, (f, 1))):
        with pytest.raises(TypeError):
            fn(*args)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        pt.add(f, pt.asarray(np.ones(3, np.float32), device=device))
    with pytest.raises(ValueError):
        pt.clip(f, pt.asarray(np.zeros((3, 3), np.float32), device=device))


def test_signatures():
    import inspect

    for name in ["abs", "sqrt", "add", "atan2", "nextafter", "round", "clip", "astype"]:
        fn = getattr(pt, name)
        assert fn.__doc__
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_ONLY, name
    assert list(inspect.signature(pt.clip).parameters) == ["x", "min", "max"]
