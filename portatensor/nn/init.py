"""nn.init: in-place initialisers (PyTorch's names and gain/fan conventions)."""

from __future__ import annotations

import math
from typing import Any

from ..autograd.engine import no_grad
from ..autograd.indexing import where
from ..tensor import Tensor


def _fans(t: Tensor) -> tuple[int, int]:
    if t.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {t.shape}")
    receptive = math.prod(t.shape[2:])
    return t.shape[1] * receptive, t.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "conv_transpose1d", "conv_transpose2d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    from ..random import uniform_ as _u

    with no_grad():
        return _u(tensor, a, b, generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    from ..random import normal_ as _n

    with no_grad():
        return _n(tensor, mean, std, generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Any = None) -> Tensor:
    """Normal(mean, std) values truncated to [a, b], by redrawing the values outside on the device.

    NOTE: each round keeps a value with probability P(a <= X <= b); after 12 rounds the few left outside
    (none for the usual a, b of +-2 std) are clamped, as a last resort.
    """
    from ..ops.creation import empty
    from ..random import normal_ as _n

    with no_grad():
        _n(tensor, mean, std, generator)
        fresh = empty(tensor.shape, dtype=tensor.dtype, device=tensor.device)
        for _ in range(12):
            _n(fresh, mean, std, generator)
            tensor.copy_(where((tensor < a) | (tensor > b), fresh, tensor))
        return tensor.clamp_(a, b)


def eye_(tensor: Tensor) -> Tensor:
    """The 2-d tensor set to the identity (ones on the diagonal)."""
    from ..ops.creation import eye

    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-d tensor, got shape {tensor.shape}")
    with no_grad():
        return tensor.copy_(eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A 3-, 4- or 5-d conv weight that passes its input through: 1 at each (out, out % (in), centre)."""
    import numpy as np

    from ..ops.creation import asarray

    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_ needs a 3-, 4- or 5-d tensor, got shape {tensor.shape}")
    out_g = tensor.shape[0] // groups
    host = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_g, tensor.shape[1])):
            host[(g * out_g + d, d) + centre] = 1.0
    with no_grad():
        return tensor.copy_(asarray(host, dtype=tensor.dtype, device=tensor.device))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix: the Q of a device QR of normal numbers, signs fixed by R's diagonal."""
    from .. import linalg
    from ..ops.creation import empty
    from ..ops.elementwise import apply

    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs a tensor with at least 2 dimensions, got shape {tensor.shape}")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.size // rows
    with no_grad():
        flat = normal_(empty((rows, cols), dtype=tensor.dtype, device=tensor.device), generator=generator)
        if rows < cols:
            flat = flat.T
        q, r = linalg.qr(flat)
        q = q * apply("sign", linalg.diagonal(r))
        if rows < cols:
            q = q.T
        return tensor.copy_((q * gain).reshape(tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    fi, fo = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    fi, fo = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fi + fo)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fi, fo = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fi if mode == "fan_in" else fo
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Any = None) -> Tensor:
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Any = None) -> Tensor:
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


__all__ = ["calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_",
           "orthogonal_", "trunc_normal_", "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_"]
