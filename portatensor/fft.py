"""The standard's Fourier transform extension (``portatensor.fft``), on the device.

Any length works (mixed-radix Stockham passes, Bluestein for large prime
factors; see portatensor/ops/fft.py). float32 and complex64 inputs give
complex64 (real float32 for irfft/hfft), float64 and complex128 give
complex128 where the device has fp64. Integer and boolean inputs raise
TypeError.

    >>> import portatensor as pt
    >>> pt.fft.fft(pt.asarray([1.0, 0.0, 0.0, 0.0])).numpy()
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, Literal

from . import dtypes as _dt
from .ops import fft as _fft
from .ops.creation import arange
from .ops.elementwise import apply, astype
from .ops.manipulate import concat, roll
from .runtime import get_device
from .tensor import Tensor
from .views import normalize_axis

Norm = Literal["backward", "ortho", "forward"]
_COMPLEX_OF = {_dt.float32: _dt.complex64, _dt.float64: _dt.complex128}

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq",
           "fftshift", "ifftshift"]


# -- argument checks ------------------------------------------------------------------------------------------------
def _tensor(name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"fft.{name}: expected an array, got {type(x).__name__}")
    return x


def _complex(name: str, x: Any) -> Tensor:
    """x as complex: complex as is, real float32/float64 promoted to complex64/complex128."""
    x = _tensor(name, x)
    if x.dtype.kind == "c":
        return x
    if x.dtype in _COMPLEX_OF:
        return astype(x, _COMPLEX_OF[x.dtype])
    raise TypeError(f"fft.{name} needs a floating-point array (float32, float64, complex64, complex128), "
                    f"got {x.dtype.name}")


def _real(name: str, x: Any) -> Tensor:
    """Real float32/float64 x as complex64/complex128, for the real-input transforms."""
    x = _tensor(name, x)
    if x.dtype not in _COMPLEX_OF:
        raise TypeError(f"fft.{name} needs a real floating-point array (float32 or float64), got {x.dtype.name}")
    return astype(x, _COMPLEX_OF[x.dtype])


def _axis(name: str, x: Tensor, axis: int) -> int:
    if x.ndim == 0:
        raise ValueError(f"fft.{name} needs at least one dimension, got a 0-d array")
    return normalize_axis(axis, x.ndim)


def _length(name: str, n: Any, default: int, what: str = "n") -> int:
    n = default if n is None else operator.index(n)
    if n < 1:
        raise ValueError(f"fft.{name}: {what}={n} is not a valid number of data points (must be >= 1)")
    return n


def _scale(norm: str, n: int, inverse: bool) -> float:
    """The factor a transform of n points is scaled by under norm (the standard's table)."""
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    if norm == "backward":
        return 1.0 / n if inverse else 1.0
    if norm == "forward":
        return 1.0 if inverse else 1.0 / n
    raise ValueError(f"norm must be 'backward', 'ortho' or 'forward', got {norm!r}")


def _plan(name: str, x: Tensor, s: Sequence[int] | None, axes: Sequence[int] | None,
          last_default: Any = None) -> list[tuple[int, int]]:
    """(axis, length) pairs for an n-d transform from s and axes (-1 in s: the input's length).

    last_default maps the input's length on the last axis to its default
    length (irfftn's 2 * (m - 1)); the other axes default to the input's length.
    """
    if axes is None:
        if s is None:
            axes = range(x.ndim)
        else:
            if len(s) > x.ndim:
                raise ValueError(f"fft.{name}: s={tuple(s)} has more entries than the array has dimensions "
                                 f"({x.ndim})")
            axes = range(x.ndim - len(s), x.ndim)
    axes = [normalize_axis(a, x.ndim) for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"fft.{name}: repeated axis in axes={tuple(axes)}")
    if s is not None and len(s) != len(axes):
        raise ValueError(f"fft.{name}: s={tuple(s)} and axes={tuple(axes)} differ in length")
    plan = []
    for i, a in enumerate(axes):
        default = x.shape[a]
        if last_default is not None and i == len(axes) - 1:
            default = last_default(default)
        given = None if s is None or s[i] == -1 else s[i]
        plan.append((a, _length(name, given, default, what=f"s[{i}]")))
    return plan


def _hermitian_length(m: int) -> int:
    return 2 * (m - 1)


# -- complex transforms ---------------------------------------------------------------------------------------------
def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The one-dimensional discrete Fourier transform along axis, cropped or zero padded to n points.

    A real float input is taken as complex with zero imaginary part.
    """
    x = _complex("fft", x)
    ax = _axis("fft", x, axis)
    n = _length("fft", n, x.shape[ax])
    return _fft.transform(x, ax, n, -1, _scale(norm, n, inverse=False))


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The one-dimensional inverse discrete Fourier transform along axis (1/n scaling by default)."""
    x = _complex("ifft", x)
    ax = _axis("ifft", x, axis)
    n = _length("ifft", n, x.shape[ax])
    return _fft.transform(x, ax, n, 1, _scale(norm, n, inverse=True))


def _nd(name: str, x: Tensor, s: Sequence[int] | None, axes: Sequence[int] | None, norm: str, sign: int) -> Tensor:
    x = _complex(name, x)
    plan = _plan(name, x, s, axes)
    if not plan:
        return astype(x, x.dtype)
    for ax, n in plan:
        x = _fft.transform(x, ax, n, sign, _scale(norm, n, inverse=sign > 0))
    return x


def fftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: Norm = "backward") -> Tensor:
    """The n-dimensional discrete Fourier transform over axes (all by default; the last len(s) when s is given)."""
    return _nd("fftn", x, s, axes, norm, -1)


def ifftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Tensor:
    """The n-dimensional inverse discrete Fourier transform over axes."""
    return _nd("ifftn", x, s, axes, norm, 1)


# -- real-input and Hermitian transforms ------------------------------------------------------------------------------
def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The discrete Fourier transform of real x along axis: the n // 2 + 1 non-negative frequency terms."""
    x = _real("rfft", x)
    ax = _axis("rfft", x, axis)
    n = _length("rfft", n, x.shape[ax])
    return _fft.transform(x, ax, n, -1, _scale(norm, n, inverse=False), keep=n // 2 + 1)


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The inverse of rfft: a real signal of n points (default 2 * (m - 1)) from its n // 2 + 1 spectrum terms."""
    x = _complex("irfft", x)
    ax = _axis("irfft", x, axis)
    n = _length("irfft", n, _hermitian_length(x.shape[ax]))
    return _fft.hermitian_transform(x, ax, n, 1, _scale(norm, n, inverse=True))


def rfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Tensor:
    """The n-dimensional transform of real x: rfft over the last of axes, then fft over the others."""
    xc = _real("rfftn", x)
    plan = _plan("rfftn", xc, s, axes)
    if not plan:
        raise ValueError("fft.rfftn needs at least one axis to transform")
    ax, n = plan[-1]
    y = _fft.transform(xc, ax, n, -1, _scale(norm, n, inverse=False), keep=n // 2 + 1)
    for ax, n in plan[:-1]:
        y = _fft.transform(y, ax, n, -1, _scale(norm, n, inverse=False))
    return y


def irfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: Norm = "backward") -> Tensor:
    """The inverse of rfftn: ifft over all but the last of axes, then irfft over the last (s[-1] real points)."""
    y = _complex("irfftn", x)
    plan = _plan("irfftn", y, s, axes, last_default=_hermitian_length)
    if not plan:
        raise ValueError("fft.irfftn needs at least one axis to transform")
    for ax, n in plan[:-1]:
        y = _fft.transform(y, ax, n, 1, _scale(norm, n, inverse=True))
    ax, n = plan[-1]
    return _fft.hermitian_transform(y, ax, n, 1, _scale(norm, n, inverse=True))


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The transform of a signal with Hermitian symmetry given by its first n // 2 + 1 terms: a real result."""
    x = _complex("hfft", x)
    ax = _axis("hfft", x, axis)
    n = _length("hfft", n, _hermitian_length(x.shape[ax]))
    return _fft.hermitian_transform(x, ax, n, -1, _scale(norm, n, inverse=False))


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: Norm = "backward") -> Tensor:
    """The inverse of hfft for real x: the n // 2 + 1 terms of its inverse transform."""
    x = _real("ihfft", x)
    ax = _axis("ihfft", x, axis)
    n = _length("ihfft", n, x.shape[ax])
    # NOTE: conj(rfft(x)) is the transform with the opposite sign, for real x.
    return _fft.transform(x, ax, n, 1, _scale(norm, n, inverse=True), keep=n // 2 + 1)


# -- helpers ------------------------------------------------------------------------------------------------------
def _freq_dtype(name: str, dtype: Any) -> _dt.DType:
    dt = _dt.default_float if dtype is None else _dt.as_dtype(dtype)
    if dt not in _COMPLEX_OF:
        raise TypeError(f"fft.{name}: dtype must be a real floating-point dtype (float32, float64), got {dt.name}")
    return dt


def _spacing(name: str, n: Any, d: float) -> tuple[int, float]:
    n = _length(name, n, 0)
    if d == 0:
        raise ValueError(f"fft.{name}: the sample spacing d must not be zero")
    return n, 1.0 / (n * d)


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """The sample frequencies of an n-point transform: [0, 1, ..., -(n // 2), ..., -1] / (d * n)."""
    n, step = _spacing("fftfreq", n, d)
    dt, dev = _freq_dtype("fftfreq", dtype), get_device(device)
    k = concat([arange(0, (n - 1) // 2 + 1, dtype=dt, device=dev), arange(-(n // 2), 0, dtype=dt, device=dev)])
    return apply("multiply", k, step)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """The sample frequencies of rfft's n // 2 + 1 outputs: [0, 1, ..., n // 2] / (d * n)."""
    n, step = _spacing("rfftfreq", n, d)
    dt, dev = _freq_dtype("rfftfreq", dtype), get_device(device)
    return apply("multiply", arange(0, n // 2 + 1, dtype=dt, device=dev), step)


def _shift(name: str, x: Any, axes: int | Sequence[int] | None, direction: int) -> Tensor:
    x = _tensor(name, x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int) or hasattr(axes, "__index__"):
        axes = (operator.index(axes),)
    axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    if not axes:
        return astype(x, x.dtype)
    return roll(x, tuple(direction * (x.shape[a] // 2) for a in axes), axis=axes)


def fftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """x rolled so the zero-frequency term sits in the middle of each of axes (all by default)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """The inverse of fftshift (they differ for odd lengths)."""
    return _shift("ifftshift", x, axes, -1)
