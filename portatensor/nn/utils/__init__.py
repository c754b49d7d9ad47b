"""nn.utils: gradient clipping and parameter vectors (PyTorch's names)."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable
from typing import Any

from ...autograd.engine import no_grad
from ...autograd.ewops import _op as _private_op
from ...ops import elementwise as _ew
from ...ops import reduce as _reduce
from ...tensor import Tensor


def _tensors(ts: Any) -> list[Tensor]:
    return [ts] if isinstance(ts, Tensor) else list(ts)


def _grads(parameters: Any) -> list[Tensor]:
    return [p.grad for p in _tensors(parameters) if p.grad is not None]


def get_total_norm(tensors: Any, norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                   foreach: Any = None) -> Tensor:
    """The norm of all the tensors' elements together (a 0-d device tensor).

    norm_type inf is the largest |x|, -inf the smallest, 0 the count of non-zeros, p > 0 (sum |x|^p)^(1/p).
    error_if_nonfinite waits for the device to check the result (a RuntimeError for nan or inf).
    """
    from ...ops.creation import zeros

    ts = _tensors(tensors)
    p = float(norm_type)
    if math.isnan(p):
        raise ValueError(f"norm_type must be a number, got {norm_type!r}")
    if not ts:
        return zeros(())
    with no_grad():
        if math.isinf(p):
            red, pick = ("max", "maximum") if p > 0 else ("min", "minimum")
            parts = [_reduce.reduce(red, _ew.apply("abs", t), None, False, None) for t in ts]
            total = functools.reduce(lambda a, b: _ew.apply(pick, a, b), parts)
        else:
            total = functools.reduce(operator.add, [_reduce.reduce("sum", _power(t, p), None, False, None)
                                                    for t in ts])
            if p == 2:
                total = _ew.apply("sqrt", total)
            elif p not in (0, 1):
                total = total ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(f"the total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped; set error_if_nonfinite=False to skip this check")
    return total


def _power(t: Tensor, p: float) -> Tensor:
    """|t|^p elementwise (t != 0 for p = 0, as vector norms count non-zeros)."""
    if p == 0:
        return _ew.astype(_ew.apply("not_equal", t, 0.0), t.dtype)
    if p == 2:
        return t * t
    a = _ew.apply("abs", t)
    return a if p == 1 else a ** p


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Tensor, foreach: Any = None) -> None:
    """Scale gradients in place by min(1, max_norm / (total_norm + 1e-6)), computed on the device (no sync)."""
    grads = _grads(parameters)
    if not grads:
        return
    with no_grad():
        scale = _ew.apply("minimum", float(max_norm) / (total_norm + 1e-6), 1.0)
        for g in grads:
            g *= scale if scale.dtype is g.dtype else _ew.astype(scale, g.dtype)


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """Scale gradients in place so their total norm is at most max_norm; returns the total norm (a device tensor).

    NOTE: the scale is computed on the device, so clipping never waits for it, unless error_if_nonfinite asks
    for the check (one sync).
    """
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters: Any, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient element in place to [-clip_value, clip_value]."""
    v = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            op = _private_op("clamp", g.dtype.name == "float64")
            _ew.run_into(op, [g, -v, v], g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-d tensor."""
    from ...autograd.function import cat, reshape

    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d vec into the parameters (in place)."""
    params = list(parameters)
    n = sum(p.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != n:
        raise ValueError(f"vector_to_parameters: expected a 1-d vector of {n} elements, got shape {vec.shape}")
    with no_grad():
        i = 0
        for p in params:
            _ew.run_into(_ew.ELEMENTWISE["copy"], [vec[i:i + p.size].reshape(p.shape)], p)
            i += p.size


__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]
