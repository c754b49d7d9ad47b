"""Finite-difference checking of backward rules (float64 where the device has it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .engine import grad, no_grad


def _scalarize(out: Any, weights: list[np.ndarray] | None) -> tuple[Any, list[np.ndarray]]:
    outs = [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]
    if weights is None:
        rng = np.random.default_rng(1234)
        weights = [rng.standard_normal(o.shape) for o in outs]
    return outs, weights


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare autograd's gradient of ``sum(w * fn(*inputs))`` with central differences.

    Inputs that are tensors with ``requires_grad`` are checked; use float64
    tensors (the device needs cl_khr_fp64) for meaningful tolerances.
    """
    from ..ops.creation import asarray

    inputs = list(inputs)
    idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not idx:
        raise ValueError("gradcheck: no input requires grad")
    out = fn(*inputs)
    outs, weights = _scalarize(out, None)
    ws = [asarray(w, dtype=o.dtype, device=o.device) for w, o in zip(weights, outs, strict=False)]
    analytic = grad(outs, [inputs[i] for i in idx], grad_outputs=ws, allow_unused=True)

    def f(vals: list[Any]) -> float:
        with no_grad():
            r = fn(*vals)
        rs, _ = _scalarize(r, weights)
        pairs = zip(rs, weights, strict=True)
        return float(sum(np.sum(np.asarray(o.numpy(), dtype=np.float64) * w) for o, w in pairs))

    ok = True
    for slot, i in enumerate(idx):
        x = inputs[i]
        base = x.numpy().astype(np.float64)
        num = np.zeros_like(base)
        flat = base.reshape(-1)
        for k in range(flat.size):
            saved = flat[k]
            vals = list(inputs)
            flat[k] = saved + eps
            vals[i] = asarray(base.copy(), dtype=x.dtype, device=x.device)
            hi = f(vals)
            flat[k] = saved - eps
            vals[i] = asarray(base.copy(), dtype=x.dtype, device=x.device)
            lo = f(vals)
            flat[k] = saved
            num.reshape(-1)[k] = (hi - lo) / (2 * eps)
        a = analytic[slot]
        got = np.zeros_like(base) if a is None else a.numpy().astype(np.float64)
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            ok = False
            if raise_exception:
                err = np.max(np.abs(got - num))
                raise AssertionError(f"gradcheck failed for input {i} (shape {x.shape}): max abs error {err:.3g}\n"
                                     f"analytic:\n{got}\nnumerical:\n{num}")
    return ok
