"""One comparison helper for every test: per-dtype tolerances, exact integers."""

from __future__ import annotations

from typing import Any

import numpy as np

# (rtol, atol) by result dtype name; integers and booleans compare exactly.
TOLERANCE = {
    "float16": (2e-3, 1e-3),
    "bfloat16": (1e-2, 1e-2),
    "float32": (2e-6, 1e-6),
    "float64": (1e-13, 1e-14),
    "complex64": (2e-6, 1e-6),
    "complex128": (1e-13, 1e-14),
}


def assert_close(actual: Any, expected: Any, dtype: str | None = None, scale: float = 1.0) -> None:
    """Compare a portatensor result (or array) with a NumPy reference.

    ``scale`` widens the float tolerance for ops whose error grows with the
    problem (sums, matmul): pass the number of terms accumulated.
    """
    got = np.asarray(actual)
    want = np.asarray(expected)
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}"
    name = dtype or getattr(getattr(actual, "dtype", None), "name", str(got.dtype))
    if name in TOLERANCE:
        rtol, atol = TOLERANCE[name]
        np.testing.assert_allclose(got.astype(np.complex128 if got.dtype.kind == "c" else np.float64),
                                   want, rtol=rtol * scale, atol=atol * scale, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def tensor_of(a: Any, device: Any, grad: bool = True, dtype: Any = None) -> Any:
    """A portatensor tensor of ``a`` on device, requiring grad unless ``grad=False`` (autograd tests)."""
    import portatensor as pt

    t = pt.asarray(np.asarray(a), dtype=dtype, device=device)
    return t.requires_grad_() if grad else t


def need_fp64(device: Any) -> Any:
    """portatensor.float64, or skip the test on a device without fp64."""
    import pytest

    import portatensor as pt

    if not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    return pt.float64


def floor_divide_standard(x1: Any, x2: Any) -> np.ndarray:
    """NumPy's floor_divide with the Array API standard's infinities (where NumPy differs).

    The standard: +-inf // finite nonzero is +-inf and finite // +-inf a signed
    zero; NumPy gives NaN and -1 for some of these (floor(x1 / x2) paired with %).
    """
    x1, x2 = np.asarray(x1), np.asarray(x2)
    with np.errstate(all="ignore"):
        out = np.asarray(np.floor_divide(x1, x2))
        q = np.asarray(x1 / x2, dtype=out.dtype)
    x1, x2 = np.broadcast_arrays(x1, x2)
    inf_by_finite = np.isinf(x1) & np.isfinite(x2) & (x2 != 0)
    finite_by_inf = np.isfinite(x1) & np.isinf(x2)
    out = out.copy()
    out[inf_by_finite] = q[inf_by_finite]
    out[finite_by_inf] = np.copysign(np.zeros_like(q), q)[finite_by_inf]
    return out
