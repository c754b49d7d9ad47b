"""Every elementwise function on a grid of special values, against NumPy.

The grid {NaN, ±inf, ±0, ±1, ±0.5, ±2, ±3, ±tiny, ±huge} (and its complex cross
product) covers the standard's special-case clauses: where the answer is NaN,
an infinity or a signed zero it must match exactly (sign of zero included);
elsewhere within the dtype's tolerance. NumPy and the standard agree on every
real-valued row here but floor_divide's infinities, which the standard defines
and NumPy does not follow: there the reference is helpers.floor_divide_standard.
The complex rows follow C99 Annex G (which the standard's complex special cases
restate, and NumPy gets from the C library) with three references of our own:
complex sign, whose NaN clause the standard states and NumPy does not follow;
complex expm1 at non-finite z, where the standard's clauses are exp(z) - 1's
and NumPy's expm1 gives NaN parts; and complex log1p near 0, where NumPy's
log(1 + z) loses what 1 + z rounds away.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from helpers import floor_divide_standard

import portatensor as pt
from portatensor.ops.table import ELEMENTWISE

_GRID = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0,
         1e-30, -1e-30, 1e30, -1e30]
# Our op name -> NumPy's, where they differ; None: no NumPy counterpart.
_NUMPY = {"pow": "power", "atan2": "arctan2", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
          "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "conj": "conjugate", "round": "rint",
          "copy": None, "erf": None, "erfc": None, "erfinv": None, "bitwise_invert": None,
          "bitwise_left_shift": None, "bitwise_right_shift": None}
_RTOL = {"float32": 2e-6, "float64": 1e-13, "complex64": 2e-6, "complex128": 1e-13}


def _cases() -> list[Any]:
    out = []
    for name, op in ELEMENTWISE.items():
        npname = _NUMPY.get(name, name)
        if npname is None or op.arity not in (1, 2):
            continue
        for dt in ("float32", "float64", "complex64", "complex128"):
            if dt[0] not in op.kinds:
                continue
            out.append(pytest.param(name, npname, dt, id=f"{name}-{dt}"))
    return out


def _grid(dt: str, arity: int) -> tuple[np.ndarray, ...]:
    if dt.startswith("complex"):
        vals = [complex(a, b) for a in _GRID for b in _GRID]
        if arity == 2:
            vals = [complex(a, b) for a in _GRID[:7] for b in _GRID[:7]]
    else:
        vals = _GRID
    if arity == 1:
        return (np.array(vals, dtype=dt),)
    pairs = list(itertools.product(vals, vals))
    return tuple(np.array([p[i] for p in pairs], dtype=dt) for i in range(2))


def _sign_standard(z: np.ndarray) -> np.ndarray:
    """NumPy's sign with the standard's complex clause: NaN + NaN j where a part is NaN.

    NumPy gives sign(NaN + inf j) = 1j and sign(inf + NaN j) = 1.
    """
    out = np.asarray(np.sign(z))
    if z.dtype.kind == "c":
        out = np.where(np.isnan(z.real) | np.isnan(z.imag), complex(np.nan, np.nan), out).astype(out.dtype)
    return out


def _expm1_standard(z: np.ndarray) -> np.ndarray:
    """expm1; for complex z with a non-finite part exp(z) - 1, as the standard's clauses read."""
    out = np.asarray(np.expm1(z))
    if z.dtype.kind == "c":
        e = np.exp(z)
        std = np.empty_like(e)
        std.real, std.imag = e.real - 1, e.imag
        out = np.where(np.isfinite(z), out, std).astype(out.dtype)
    return out


def _log1p_accurate(z: np.ndarray) -> np.ndarray:
    """log1p; for complex z with |1 + z| near 1, log|1 + z| as log1p(2x + x^2 + y^2) / 2.

    NumPy's complex log1p is log(1 + z) and loses what 1 + z rounds away.
    """
    out = np.asarray(np.log1p(z))
    if z.dtype.kind == "c":
        w = z.astype(np.complex128)
        x, y = w.real, w.imag
        t = x * (2 + x) + y * y
        near = np.isfinite(t) & (np.abs(t) < 0.5) & (w != 0)
        acc = np.empty_like(w)
        acc.real, acc.imag = 0.5 * np.log1p(t), np.arctan2(y, 1 + x)
        out = np.where(near, acc, out).astype(out.dtype)
    return out


_REFERENCE = {"floor_divide": floor_divide_standard, "sign": _sign_standard, "expm1": _expm1_standard,
              "log1p": _log1p_accurate}


def _mismatch(got: np.ndarray, want: np.ndarray, rtol: float) -> np.ndarray:
    """Where got and want differ: NaN vs NaN agrees, zeros and infinities agree with their sign."""
    if got.dtype.kind == "c":
        return _mismatch(got.real, want.real, rtol) | _mismatch(got.imag, want.imag, rtol)
    both_nan = np.isnan(got) & np.isnan(want)
    exact = (got == want) & (np.signbit(got) == np.signbit(want))
    near = np.isfinite(want) & (want != 0) & np.isclose(got, want, rtol=rtol, atol=0)
    return ~(both_nan | exact | near)


# On every device (the portability subset): Mesa's NIR folds x + 0 to x, which lost the zero sign of
# complex pow's integer powers on rusticl (pow(-1j, -1) gave +0 + 1j); the fp32 rows take seconds there.
@pytest.mark.portability
@pytest.mark.parametrize(("name", "npname", "dt"), _cases())
def test_special_values_match_numpy(device: Any, name: str, npname: str, dt: str) -> None:
    if not device.supports(getattr(pt, dt)):
        pytest.skip(f"{device} has no fp64")
    args = _grid(dt, ELEMENTWISE[name].arity)
    got = getattr(pt, name)(*(pt.asarray(a, device=device) for a in args)).numpy()
    with np.errstate(all="ignore"):
        ref = _REFERENCE.get(name, getattr(np, npname))
        want = np.asarray(ref(*args)).astype(got.dtype)
    bad = np.nonzero(_mismatch(got, want, _RTOL[dt]))[0]
    rows = [f"{name}({', '.join(str(a[i]) for a in args)}) = {got[i]}, NumPy {want[i]}" for i in bad[:8]]
    assert not len(bad), f"{len(bad)} of {len(got)} special values differ:\n" + "\n".join(rows)
