"""The strided elementwise kernel's index math: divisions by the inner dims done as multiply-high by magic
numbers (ops/elementwise.fast_divisor) must equal integer division everywhere."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor.ops.elementwise import fast_divisor


def _divide(n: np.ndarray, d: int) -> np.ndarray:
    magic, shift = fast_divisor(d)
    t1 = (n.astype(np.uint64) * np.uint64(magic)) >> np.uint64(32)
    return (t1 + n.astype(np.uint64)) >> np.uint64(shift)


@pytest.mark.parametrize("d", [1, 2, 3, 7, 10, 64, 641, 1000, 65537, 999_983, 2**30, 2**30 + 1, 2**31 - 1])
def test_fast_divisor_matches_integer_division(d):
    rng = np.random.default_rng(d)
    n = np.concatenate([rng.integers(0, 2**31, 4000), [0, 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, 2**31 - 1]])
    n = n[(n >= 0) & (n < 2**31)].astype(np.uint64)
    np.testing.assert_array_equal(_divide(n, d), n // np.uint64(d))
    magic, _ = fast_divisor(d)
    assert 0 < magic < 2**32


def test_fast_divisor_rejects_zero():
    with pytest.raises(ValueError):
        fast_divisor(0)


@pytest.mark.parametrize("shape", [(3, 7, 5), (2, 1031, 3), (5, 3, 2, 9), (64, 16, 8, 8)])
def test_strided_ops_on_odd_inner_dims(device, shape):
    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal((1, shape[1]) + (1,) * (len(shape) - 2)).astype(np.float32)
    ta, tb = pt.asarray(a, device=device), pt.asarray(b, device=device)
    np.testing.assert_array_equal((ta + tb).numpy(), a + b)  # broadcast operand: strided kernel
    perm = tuple(reversed(range(len(shape))))
    np.testing.assert_array_equal((pt.permute_dims(ta, perm) * 2.0).numpy(), np.transpose(a, perm) * 2.0)
    np.testing.assert_array_equal(ta[:, ::-2].numpy(), a[:, ::-2])
