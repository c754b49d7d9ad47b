"""nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

from typing import Any, Iterable

from ..autograd.engine import no_grad
from ..ops import reduce as _reduce
from ..tensor import Tensor


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """Scale gradients in place so their total norm is at most max_norm; returns the norm (a device tensor).

    NOTE: the scale min(1, max_norm / (norm + 1e-6)) is computed on the device,
    so clipping never waits for the device.
    """
    from ..autograd.function import _ewr

    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        from ..ops.creation import zeros

        return zeros(())
    if norm_type != 2.0:
        raise NotImplementedError("clip_grad_norm_: only norm_type=2 is supported yet")
    with no_grad():
        total = None
        for g in grads:
            s = _reduce.reduce("sum", g * g, None, False, None)
            total = s if total is None else total + s
        norm = _ewr("sqrt", total)
        scale = _ewr("minimum", float(max_norm) / (norm + 1e-6), 1.0)
        for g in grads:
            g *= scale
    return norm


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    from ..autograd.function import cat, reshape

    return cat([reshape(p, (-1,)) for p in parameters])


__all__ = ["clip_grad_norm_", "parameters_to_vector"]
