"""portatensor.fft against numpy.fft (float64 references), every function, norm, length class and layout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt

RNG = np.random.default_rng(11)
NORMS = ("backward", "ortho", "forward")
REAL_OF = {"complex64": np.float32, "complex128": np.float64}


def _need(device: pt.Device, cdt: str) -> None:
    if cdt == "complex128" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")


def _complex(shape: tuple[int, ...], cdt: str) -> np.ndarray:
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(cdt)


def _real(shape: tuple[int, ...], cdt: str) -> np.ndarray:
    return RNG.standard_normal(shape).astype(REAL_OF[cdt])


def _check(got: pt.Tensor, want: np.ndarray, dtype: str, n: int) -> None:
    """Normwise comparison: an FFT's error is relative to the largest output and grows like log n."""
    assert got.dtype.name == dtype, (got.dtype.name, dtype)
    host = got.numpy()
    assert host.shape == want.shape
    m = max(1.0, float(np.abs(want).max(initial=0.0)))
    assert_close(host / m, want / m, dtype=dtype, scale=1 + math.log2(max(n, 1)))


# 17: one direct pass; 143 = 11 * 13: two; 97 and 201 = 3 * 67: Bluestein; 1009: Bluestein on 2048.
LENGTHS = [1, 2, 3, 8, 12, 17, 30, 97, 128, 143, 201, pytest.param(1000, marks=pytest.mark.slow),
           pytest.param(1009, marks=pytest.mark.slow), pytest.param(4096, marks=pytest.mark.slow)]


@pytest.mark.parametrize("cdt", ["complex64", "complex128"])
@pytest.mark.parametrize("n", LENGTHS)
def test_fft_ifft_lengths(device: pt.Device, n: int, cdt: str) -> None:
    _need(device, cdt)
    x = _complex((3, n), cdt)
    t = pt.asarray(x, device=device)
    _check(pt.fft.fft(t), np.fft.fft(x.astype(np.complex128)), cdt, n)
    _check(pt.fft.ifft(t), np.fft.ifft(x.astype(np.complex128)), cdt, n)


@pytest.mark.parametrize("cdt", ["complex64", "complex128"])
@pytest.mark.parametrize("n", [1, 2, 7, 12, 17, 97, pytest.param(1000, marks=pytest.mark.slow)])
def test_real_transforms_lengths(device: pt.Device, n: int, cdt: str) -> None:
    _need(device, cdt)
    rdt = REAL_OF[cdt]().dtype.name
    x = _real((2, n), cdt)
    t = pt.asarray(x, device=device)
    ref = x.astype(np.float64)
    _check(pt.fft.rfft(t), np.fft.rfft(ref), cdt, n)
    _check(pt.fft.ihfft(t), np.fft.ihfft(ref), cdt, n)
    spec = _complex((2, n // 2 + 1), cdt)
    ts = pt.asarray(spec, device=device)
    _check(pt.fft.irfft(ts, n=n), np.fft.irfft(spec.astype(np.complex128), n=n), rdt, n)
    _check(pt.fft.hfft(ts, n=n), np.fft.hfft(spec.astype(np.complex128), n=n), rdt, n)


@pytest.mark.parametrize("norm", NORMS)
def test_norms_every_function(device: pt.Device, norm: str) -> None:
    x = _complex((2, 12), "complex64")
    r = _real((2, 12), "complex64")
    tx, tr = pt.asarray(x, device=device), pt.asarray(r, device=device)
    xc, rc = x.astype(np.complex128), r.astype(np.float64)
    for name in ("fft", "ifft"):
        _check(getattr(pt.fft, name)(tx, norm=norm), getattr(np.fft, name)(xc, norm=norm), "complex64", 12)
    for name in ("rfft", "ihfft"):
        _check(getattr(pt.fft, name)(tr, norm=norm), getattr(np.fft, name)(rc, norm=norm), "complex64", 12)
    for name in ("irfft", "hfft"):
        _check(getattr(pt.fft, name)(tx, norm=norm), getattr(np.fft, name)(xc, norm=norm), "float32", 22)
    x3 = _complex((3, 4, 5), "complex64")
    t3 = pt.asarray(x3, device=device)
    for name in ("fftn", "ifftn"):
        _check(getattr(pt.fft, name)(t3, norm=norm), getattr(np.fft, name)(x3.astype(np.complex128), norm=norm),
               "complex64", 60)
    r3 = _real((3, 4, 6), "complex64")
    got = pt.fft.rfftn(pt.asarray(r3, device=device), norm=norm)
    _check(got, np.fft.rfftn(r3.astype(np.float64), norm=norm), "complex64", 72)
    _check(pt.fft.irfftn(got, s=(3, 4, 6), norm=norm), r3.astype(np.float64), "float32", 72)


def test_roundtrips(device: pt.Device) -> None:
    x = _complex((4, 30), "complex64")
    t = pt.asarray(x, device=device)
    _check(pt.fft.ifft(pt.fft.fft(t)), x.astype(np.complex128), "complex64", 30)
    r = _real((4, 17), "complex64")
    tr = pt.asarray(r, device=device)
    _check(pt.fft.irfft(pt.fft.rfft(tr), n=17), r.astype(np.float64), "float32", 17)
    _check(pt.fft.hfft(pt.fft.ihfft(tr), n=17), r.astype(np.float64), "float32", 17)


@pytest.mark.parametrize("fn", ["fft", "ifft", "rfft", "ihfft", "irfft", "hfft"])
@pytest.mark.parametrize("n", [1, 5, 8, 13, 20, 97])
def test_n_crops_and_pads(device: pt.Device, fn: str, n: int) -> None:
    real_in = fn in ("rfft", "ihfft")
    x = _real((3, 8), "complex64") if real_in else _complex((3, 8), "complex64")
    got = getattr(pt.fft, fn)(pt.asarray(x, device=device), n=n)
    want = getattr(np.fft, fn)(x.astype(np.float64 if real_in else np.complex128), n=n)
    _check(got, want, "float32" if fn in ("irfft", "hfft") else "complex64", n)


@pytest.mark.parametrize("fn", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
@pytest.mark.parametrize("axis", [0, 1, -2, -1])
def test_axis(device: pt.Device, fn: str, axis: int) -> None:
    real_in = fn in ("rfft", "ihfft")
    x = _real((5, 6, 7), "complex64") if real_in else _complex((5, 6, 7), "complex64")
    got = getattr(pt.fft, fn)(pt.asarray(x, device=device), axis=axis)
    want = getattr(np.fft, fn)(x.astype(np.float64 if real_in else np.complex128), axis=axis)
    _check(got, want, "float32" if fn in ("irfft", "hfft") else "complex64", 12)
    assert got.is_contiguous()


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_bluestein_and_direct_along_any_axis(device: pt.Device, axis: int) -> None:
    shape = [3, 4, 5]
    shape[axis] = 97 if axis != 1 else 23
    x = _complex(tuple(shape), "complex64")
    t = pt.asarray(x, device=device)
    for norm in NORMS:
        _check(pt.fft.fft(t, axis=axis, norm=norm), np.fft.fft(x.astype(np.complex128), axis=axis, norm=norm),
               "complex64", shape[axis])
    _check(pt.fft.hfft(t, axis=axis, n=101), np.fft.hfft(x.astype(np.complex128), axis=axis, n=101), "float32", 101)


@pytest.mark.parametrize("view", ["transposed", "strided", "flipped", "middle_axis_of_permuted"])
def test_non_contiguous_input(device: pt.Device, view: str) -> None:
    x = _complex((6, 10, 4), "complex64")
    t = pt.asarray(x, device=device)
    if view == "transposed":
        tv, xv = pt.permute_dims(t, (2, 0, 1)), np.transpose(x, (2, 0, 1))
    elif view == "strided":
        tv, xv = t[:, ::3, 1:], x[:, ::3, 1:]
    elif view == "flipped":
        tv, xv = pt.flip(t, axis=1), np.flip(x, axis=1)
    else:
        tv, xv = pt.permute_dims(t, (1, 2, 0))[:, ::2, :], np.transpose(x, (1, 2, 0))[:, ::2, :]
    xv = xv.astype(np.complex128)
    for axis in (0, 1, 2):
        _check(pt.fft.fft(tv, axis=axis), np.fft.fft(xv, axis=axis), "complex64", 10)
        _check(pt.fft.irfft(tv, axis=axis, n=7), np.fft.irfft(xv, axis=axis, n=7), "float32", 7)
    r = _real((9, 8), "complex64")
    tr = pt.asarray(r, device=device).T
    _check(pt.fft.rfft(tr, n=11), np.fft.rfft(r.T.astype(np.float64), n=11), "complex64", 11)


@pytest.mark.parametrize("s,axes", [
    (None, None), ((4, 6), None), (None, (0, 2)), ((5, -1), (-1, 0)), ((3, 8, 2), (0, 1, 2)), ((7,), (1,)),
])
def test_nd(device: pt.Device, s, axes) -> None:
    x = _complex((4, 5, 6), "complex64")
    t = pt.asarray(x, device=device)
    xc = x.astype(np.complex128)
    # NumPy 2 deprecates s without axes; the standard's default is the last len(s) axes.
    np_axes = axes if axes is not None or s is None else tuple(range(3 - len(s), 3))
    npts = int(np.prod([6 if v == -1 else v for v in s])) if s else 120
    for name in ("fftn", "ifftn"):
        _check(getattr(pt.fft, name)(t, s=s, axes=axes), getattr(np.fft, name)(xc, s=s, axes=np_axes),
               "complex64", npts)
    r = _real((4, 5, 6), "complex64")
    _check(pt.fft.rfftn(pt.asarray(r, device=device), s=s, axes=axes),
           np.fft.rfftn(r.astype(np.float64), s=s, axes=np_axes), "complex64", npts)
    # NOTE: s[-1] == -1 means the whole input is used, m = s[-1] // 2 + 1 terms, so 2 * (m - 1) real
    # points (the standard's "no padding/trimming"); NumPy reads it as m points.
    s_ir = s
    if s is not None and s[-1] == -1:
        s_ir = s[:-1] + (2 * (x.shape[np_axes[-1]] - 1),)
    _check(pt.fft.irfftn(t, s=s, axes=axes), np.fft.irfftn(xc, s=s_ir, axes=np_axes), "float32", npts)


def test_float64_and_real_promotion(device: pt.Device) -> None:
    _need(device, "complex128")
    x = _real((3, 9), "complex128")
    t = pt.asarray(x, device=device)
    _check(pt.fft.fft(t), np.fft.fft(x), "complex128", 9)
    _check(pt.fft.rfftn(t), np.fft.rfftn(x), "complex128", 27)
    _check(pt.fft.irfft(t), np.fft.irfft(x), "float64", 16)
    x32 = _real((3, 9), "complex64")
    assert pt.fft.fft(pt.asarray(x32, device=device)).dtype == pt.complex64
    assert pt.fft.hfft(pt.asarray(x32, device=device)).dtype == pt.float32


def test_empty_and_degenerate(device: pt.Device) -> None:
    e = pt.asarray(np.zeros((0, 8), np.complex64), device=device)
    assert pt.fft.fft(e).shape == (0, 8)
    assert pt.fft.rfft(pt.asarray(np.zeros((0, 8), np.float32), device=device)).shape == (0, 5)
    assert pt.fft.irfft(e).shape == (0, 14)
    z = pt.asarray(np.zeros((3, 0), np.complex64), device=device)
    _check(pt.fft.fft(z, n=4), np.zeros((3, 4)), "complex64", 4)
    _check(pt.fft.irfft(z, n=4), np.zeros((3, 4)), "float32", 4)
    one = pt.asarray(np.array([2.5 - 1j], np.complex64), device=device)
    _check(pt.fft.fft(one, norm="ortho"), np.array([2.5 - 1j]), "complex64", 1)
    x = _complex((2, 3), "complex64")
    _check(pt.fft.fftn(pt.asarray(x, device=device), axes=()), x.astype(np.complex128), "complex64", 1)


@pytest.mark.parametrize("n", [1, 2, 7, 8])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_freqs(device: pt.Device, n: int, d: float) -> None:
    got = pt.fft.fftfreq(n, d=d, device=device)
    assert got.dtype == pt.float32 and got.device is device
    assert_close(got, np.fft.fftfreq(n, d=d))
    assert_close(pt.fft.rfftfreq(n, d=d, device=device), np.fft.rfftfreq(n, d=d))
    if device.info.fp64:
        got = pt.fft.fftfreq(n, d=d, dtype=pt.float64, device=device)
        assert got.dtype == pt.float64
        assert_close(got, np.fft.fftfreq(n, d=d))


@pytest.mark.parametrize("axes", [None, 0, 1, (0, 1), (-1,)])
@pytest.mark.parametrize("shape", [(5, 4), (6, 7)])
def test_shifts(device: pt.Device, axes, shape) -> None:
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    t = pt.asarray(x, device=device)
    assert_close(pt.fft.fftshift(t, axes=axes), np.fft.fftshift(x, axes=axes))
    assert_close(pt.fft.ifftshift(t, axes=axes), np.fft.ifftshift(x, axes=axes))
    assert_close(pt.fft.ifftshift(pt.fft.fftshift(t, axes=axes), axes=axes), x)


def test_bad_input(device: pt.Device) -> None:
    x = pt.asarray(_complex((2, 4), "complex64"), device=device)
    r = pt.asarray(_real((2, 4), "complex64"), device=device)
    for fn in (pt.fft.fft, pt.fft.ifft, pt.fft.irfft, pt.fft.hfft):
        with pytest.raises(ValueError, match="valid number"):
            fn(x, n=0)
    for fn in (pt.fft.rfft, pt.fft.ihfft):
        with pytest.raises(ValueError, match="valid number"):
            fn(r, n=-3)
    with pytest.raises(ValueError, match="valid number"):
        pt.fft.irfft(x[:, :1])  # default n = 2 * (1 - 1) = 0
    with pytest.raises(ValueError, match="valid number"):
        pt.fft.fftn(x, s=(2, 0))
    for fn in (pt.fft.fft, pt.fft.rfft, pt.fft.irfft, pt.fft.fftn):
        with pytest.raises(ValueError, match="norm"):
            fn(r, norm="unitary")
    ints = pt.asarray(np.arange(8, dtype=np.int32), device=device)
    for fn in (pt.fft.fft, pt.fft.ifft, pt.fft.rfft, pt.fft.irfft, pt.fft.hfft, pt.fft.ihfft, pt.fft.fftn,
               pt.fft.rfftn, pt.fft.irfftn):
        with pytest.raises(TypeError, match="int32"):
            fn(ints)
    with pytest.raises(TypeError, match="complex64"):
        pt.fft.rfft(x)
    with pytest.raises(ValueError, match="0-d"):
        pt.fft.fft(pt.asarray(np.complex64(1), device=device))
    with pytest.raises(IndexError):
        pt.fft.fft(x, axis=2)
    with pytest.raises(ValueError, match="differ in length"):
        pt.fft.fftn(x, s=(4,), axes=(0, 1))
    with pytest.raises(ValueError, match="repeated"):
        pt.fft.fftn(x, axes=(1, 1))
    with pytest.raises(TypeError, match="real floating"):
        pt.fft.fftfreq(4, dtype=pt.int32)
    with pytest.raises(ValueError, match="valid number"):
        pt.fft.rfftfreq(0)
    with pytest.raises(TypeError, match="expected an array"):
        pt.fft.fft([1.0, 2.0])


def test_namespace() -> None:
    assert "fft" in pt.__all__
    x = pt.asarray([1.0, 2.0])
    assert hasattr(x.__array_namespace__(), "fft")
    for name in pt.fft.__all__:
        assert callable(getattr(pt.fft, name)), name
        assert getattr(pt.fft, name).__doc__, name
