"""Forward and gradient parity with PyTorch CPU, shared by the nn tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import portatensor as pt

RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def pair(fn_pt: Callable[..., Any], fn_torch: Callable[..., Any], arrays: list[np.ndarray], device: Any,
         rtol: float = 1e-5, atol: float = 1e-5) -> tuple[Any, Any]:
    """Check fn_pt against fn_torch on the same inputs: the output and the gradients of sum(out * w), w random.

    Integer and boolean arrays are passed without grad. Returns both outputs.
    """
    torch = pytest.importorskip("torch")
    diff = [a.dtype.kind == "f" for a in arrays]
    ps = [pt.asarray(a, device=device).requires_grad_() if f else pt.asarray(a, device=device)
          for a, f in zip(arrays, diff, strict=True)]
    ts = [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, diff, strict=True)]
    po, to = fn_pt(*ps), fn_torch(*ts)
    assert po.shape == tuple(to.shape), (po.shape, tuple(to.shape))
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    (po * pt.asarray(w, device=device)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for p_, t_, f in zip(ps, ts, diff, strict=True):
        if f and t_.grad is not None:
            np.testing.assert_allclose(p_.grad.numpy(), t_.grad.numpy(), rtol=rtol * 10, atol=atol * 10)
    return po, to


def gradcheck64(device: Any, fn: Callable[..., Any], *arrays: np.ndarray) -> None:
    """pt.autograd.gradcheck of fn in float64 (skipped on devices without fp64)."""
    if not device.info.fp64:
        pytest.skip("no fp64")
    xs = [pt.asarray(a, dtype=pt.float64, device=device).requires_grad_() for a in arrays]
    pt.autograd.gradcheck(fn, xs)
