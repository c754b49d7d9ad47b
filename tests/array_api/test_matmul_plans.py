"""matmul's cached launch plans: a second call with the same shapes and strides reuses the plan, and must
still read each call's own offsets and write a fresh output."""

from __future__ import annotations

import numpy as np

import portatensor as pt

RNG = np.random.default_rng(3)


def test_cached_plan_reads_each_views_offset(device):
    base = RNG.standard_normal((6, 5, 4)).astype(np.float32)
    w = RNG.standard_normal((4, 3)).astype(np.float32)
    tb, tw = pt.asarray(base, device=device), pt.asarray(w, device=device)
    outs = [tb[i] @ tw for i in range(6)]  # same shape and strides, six offsets: one plan
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), base[i] @ w, rtol=1e-5, atol=1e-5)


def test_cached_plan_with_vector_operands(device):
    m = RNG.standard_normal((7, 5)).astype(np.float32)
    vs = RNG.standard_normal((3, 5)).astype(np.float32)
    tm, tv = pt.asarray(m, device=device), pt.asarray(vs, device=device)
    for i in range(3):
        np.testing.assert_allclose((tm @ tv[i]).numpy(), m @ vs[i], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose((tv[i] @ tm.T).numpy(), vs[i] @ m.T, rtol=1e-5, atol=1e-5)
    assert (tm @ tv[0]).shape == (7,) and (tv[0] @ tv[1]).shape == ()


def test_cached_plan_transposed_and_batched(device):
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    b = RNG.standard_normal((4, 3)).astype(np.float32)
    ta, tb = pt.asarray(a, device=device), pt.asarray(b, device=device)
    for _ in range(2):
        np.testing.assert_allclose((ta @ tb).numpy(), a @ b, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose((tb.T @ ta.mT).numpy(), b.T @ np.swapaxes(a, -1, -2), rtol=1e-5, atol=1e-5)
