"""Complex creation: eye/ones/full/tril/triu write 1 + 0i, not 1 + 1i, in both lanes' right places."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt


def _dtype(device: Any, name: str) -> Any:
    dt = getattr(pt, name)
    if not device.supports(dt):
        pytest.skip(f"{device} has no fp64")
    return dt


@pytest.mark.parametrize("name", ["complex64", "complex128"])
def test_eye_is_one_plus_zero_i(device: Any, name: str) -> None:
    dt = _dtype(device, name)
    assert_close(pt.eye(3, dtype=dt, device=device), np.eye(3, dtype=name))
    assert_close(pt.eye(2, 4, k=1, dtype=dt, device=device), np.eye(2, 4, k=1, dtype=name))
    assert_close(pt.eye(3, 2, k=-1, dtype=dt, device=device), np.eye(3, 2, k=-1, dtype=name))


@pytest.mark.parametrize("name", ["complex64", "complex128"])
def test_filled_and_triangular(device: Any, name: str) -> None:
    dt = _dtype(device, name)
    assert_close(pt.ones((2, 3), dtype=dt, device=device), np.ones((2, 3), dtype=name))
    assert_close(pt.full((4,), 3, dtype=dt, device=device), np.full((4,), 3, dtype=name))
    assert_close(pt.full((4,), 1 - 2j, dtype=dt, device=device), np.full((4,), 1 - 2j, dtype=name))
    a = (np.arange(24).reshape(2, 3, 4) * (1 - 0.5j)).astype(name)
    x = pt.asarray(a, device=device)
    assert_close(pt.ones_like(x), np.ones_like(a))
    for k in (-1, 0, 2):
        assert_close(pt.tril(x, k=k), np.tril(a, k=k))
        assert_close(pt.triu(x, k=k), np.triu(a, k=k))


@pytest.mark.parametrize("name", ["complex64", "complex128"])
def test_matrix_power_zero_is_identity(device: Any, name: str) -> None:
    dt = _dtype(device, name)
    a = (np.arange(18).reshape(2, 3, 3) * (0.5 + 1j)).astype(name)
    got = pt.linalg.matrix_power(pt.asarray(a, dtype=dt, device=device), 0)
    assert_close(got, np.linalg.matrix_power(a, 0))
