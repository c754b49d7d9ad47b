"""Special cases whose result the 2024.12 standard states as an exact finite value.

test_special_cases_sweep.py compares with NumPy within a tolerance wherever the
answer is finite and nonzero, so a result one ulp off an exact +-1 passes there;
the standard's clauses ("If x_i is +infinity, the result is +1") leave no such
slack. Each row is (function, input, the standard's value), checked bit for bit
(sign of zero included) in every float dtype the device runs, and the stated
value is also NumPy's, so the rows read as the spec and are cross-checked.
Found by the Array API test suite's special cases rerun at float32
(data-apis/array-api-tests test_special_cases.py parses the same clauses).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import portatensor as pt

_INF = float("inf")

# (function, x_i, stated result): unary clauses with an exact finite result.
_UNARY = [
    ("tanh", _INF, 1.0), ("tanh", -_INF, -1.0),
    # past |x| ~ 9.01 (float) / 19.06 (double) the rounded tanh is +-1 already
    ("tanh", 30.0, 1.0), ("tanh", -30.0, -1.0), ("tanh", 1e30, 1.0),
    ("cos", 0.0, 1.0), ("cos", -0.0, 1.0), ("cosh", 0.0, 1.0), ("cosh", -0.0, 1.0),
    ("exp", 0.0, 1.0), ("exp", -0.0, 1.0), ("expm1", -_INF, -1.0),
    ("sign", 0.5, 1.0), ("sign", -0.5, -1.0), ("sign", _INF, 1.0), ("sign", -_INF, -1.0),
    ("acos", 1.0, 0.0), ("log", 1.0, 0.0), ("acosh", 1.0, 0.0),
]
# (function, x1_i, x2_i, stated result)
_BINARY = [
    ("pow", float("nan"), 0.0, 1.0), ("pow", float("nan"), -0.0, 1.0), ("pow", 1.0, float("nan"), 1.0),
    ("pow", -1.0, _INF, 1.0), ("pow", -1.0, -_INF, 1.0), ("pow", 1.0, _INF, 1.0),
]
_REAL = ("float32", "float64")
_COMPLEX = ("complex64", "complex128")


def _same(got: float, want: float) -> bool:
    return bool(got == want and np.signbit(got) == np.signbit(want))


def _need(device: Any, dt: str) -> None:
    if not device.supports(getattr(pt, dt)):
        pytest.skip(f"{device} has no fp64")


@pytest.mark.parametrize("dt", _REAL)
@pytest.mark.parametrize(("name", "x", "want"), _UNARY, ids=[f"{r[0]}({r[1]})" for r in _UNARY])
def test_unary_stated_value(device: Any, dt: str, name: str, x: float, want: float) -> None:
    _need(device, dt)
    # several elements: a vectorised path must agree with the scalar one
    got = getattr(pt, name)(pt.asarray([x] * 7, dtype=getattr(pt, dt), device=device)).numpy()
    numpy_name = {"acos": "arccos", "acosh": "arccosh"}.get(name, name)
    with np.errstate(all="ignore"):
        assert _same(float(getattr(np, numpy_name)(np.array(x, dtype=dt))), want)  # the row agrees with NumPy
    bad = [float(g) for g in got if not _same(float(g), want)]
    assert not bad, f"{name}({x}) in {dt} gave {bad[0]}, the standard says {want}"


@pytest.mark.parametrize("dt", _REAL)
@pytest.mark.parametrize(("name", "x1", "x2", "want"), _BINARY, ids=[f"{r[0]}({r[1]},{r[2]})" for r in _BINARY])
def test_binary_stated_value(device: Any, dt: str, name: str, x1: float, x2: float, want: float) -> None:
    _need(device, dt)
    a = pt.asarray([x1] * 7, dtype=getattr(pt, dt), device=device)
    b = pt.asarray([x2] * 7, dtype=getattr(pt, dt), device=device)
    got = getattr(pt, name)(a, b).numpy()
    assert _same(float(np.power(np.array(x1, dtype=dt), np.array(x2, dtype=dt))), want)
    bad = [float(g) for g in got if not _same(float(g), want)]
    assert not bad, f"{name}({x1}, {x2}) in {dt} gave {bad[0]}, the standard says {want}"


# tanh on the real axis of the complex plane: ctanh(x + 0j) = tanh(x) + 0j (C99, NumPy), and the
# standard's "+infinity and b is a positive finite number -> 1 + 0j" row.
_CTANH = [(complex(_INF, 0.0), complex(1.0, 0.0)), (complex(-_INF, 0.0), complex(-1.0, 0.0)),
          (complex(30.0, 0.0), complex(1.0, 0.0)), (complex(-30.0, -0.0), complex(-1.0, -0.0)),
          (complex(_INF, 1.0), complex(1.0, 0.0))]


@pytest.mark.parametrize("dt", _COMPLEX)
@pytest.mark.parametrize(("z", "want"), _CTANH, ids=[str(r[0]) for r in _CTANH])
def test_complex_tanh_stated_value(device: Any, dt: str, z: complex, want: complex) -> None:
    _need(device, dt)
    got = pt.tanh(pt.asarray([z] * 7, dtype=getattr(pt, dt), device=device)).numpy()
    ref = complex(np.tanh(np.array(z, dtype=dt)))
    assert _same(ref.real, want.real) and _same(ref.imag, want.imag)  # the row agrees with NumPy
    bad = [complex(g) for g in got if not (_same(g.real, want.real) and _same(g.imag, want.imag))]
    assert not bad, f"tanh({z}) in {dt} gave {bad[0]}, want {want}"
