"""interpolate / Upsample: nearest and (bi)linear resizing as products with constant interpolation matrices.

Both modes are separable, so resizing (N, C, H, W) is A_h @ x @ A_w^T with
(OH, H) and (OW, W) matrices built once per geometry on the host (tiny
metadata, like adaptive pooling's); the gradient is the recorded matmul's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import function as F
from ..tensor import Tensor
from .functional import _check_float, _const
from .modules import Module


def _interp_matrix(n_in: int, n_out: int, mode: str, align_corners: bool, scale: float | None) -> np.ndarray:
    """(n_out, n_in) matrix of PyTorch's 1-d interpolation weights.

    scale is the user's scale_factor (PyTorch then maps coordinates with 1 / scale_factor, not n_in / n_out).
    """
    a = np.zeros((n_out, n_in))
    dst = np.arange(n_out, dtype=np.float64)
    ratio = 1.0 / scale if scale else n_in / n_out
    if mode == "nearest":
        src = np.minimum(np.floor(dst * ratio).astype(np.int64), n_in - 1)
        a[np.arange(n_out), src] = 1.0
        return a
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    np.add.at(a, (np.arange(n_out), i0), 1.0 - lam)
    np.add.at(a, (np.arange(n_out), i1), lam)
    return a


_MODES = {"nearest": 1, "linear": 1, "bilinear": 2}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, L) or (N, C, H, W): mode 'nearest', 'linear' (3-d) or 'bilinear' (4-d)."""
    _check_float(input, "interpolate")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (nearest, linear, bilinear)")
    nd = input.ndim - 2
    if nd not in (1, 2) or (mode != "nearest" and _MODES[mode] != nd):
        raise ValueError(f"interpolate: mode {mode!r} does not fit an input of shape {input.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    if antialias:
        raise NotImplementedError("interpolate: antialias is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        scales: tuple[float | None, ...] = (None,) * nd
    else:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
        out = tuple(int(math.floor(n * float(s))) for n, s in zip(spatial, scales, strict=True))
        if recompute_scale_factor:
            scales = (None,) * nd
    if len(out) != nd or min(out) <= 0:
        raise ValueError(f"interpolate: output size {out} does not fit an input of shape {input.shape}")
    ac = bool(align_corners)
    mats = [_const(("interp", n, o, mode, ac, s), lambda n=n, o=o, s=s: _interp_matrix(n, o, mode, ac, s),
                   input.dtype, input.device) for n, o, s in zip(spatial, out, scales, strict=True)]
    y = F.matmul(input, F.transpose(mats[-1], 0, 1))
    if nd == 2:
        y = F.matmul(mats[0], y)
    return y


class Upsample(Module):
    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={float(self.scale_factor)}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "bilinear", align_corners=True)


__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d", "interpolate"]
