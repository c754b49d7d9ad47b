"""conv2d forward as implicit GEMM: the tuned xgemm kernel reading the image directly.

out[n, g*Og + o, l] = sum_k W[g, o, k] * xp[n, g, k, l] where k runs over
(channel in the group, ki, kj), l over output pixels (oh, ow), and xp is the
input zero-padded once (so the kernel needs no bounds checks). Where row k
starts in the image is a small int table (``kofs``), so B's address is
``kofs[k] + oh * SH * Wp + ow * SW`` and stride-1 rows load as whole vectors.
No im2col buffer is written: for batch 32, 64 channels, 3x3, 56x56 that
buffer would be 231 MB.

The config comes from the "conv" family of the device's tuning database
(exact bucket -> nearest -> the GEMM vendor defaults), so `portatensor tune
--family conv` speeds it up without a restart.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..runtime.launch import launch
from ..tensor import Tensor
from ..tune import gemm as _gemm
from ..tune.lookup import tuned_config
from .creation import fill_
from .elementwise import INDEX32_LIMIT, contiguous, setitem

__all__ = ["conv2d_forward", "conv_geometry", "run_xconv"]

#: conv dtypes the implicit GEMM computes (bf16 and integers go through im2col).
CONV_DTYPES = ("float32", "float64", "float16")


def conv_geometry(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, int],
                  padding: tuple[int, int], dilation: tuple[int, int], groups: int) -> tuple[int, int]:
    """(OH, OW) of a conv2d, or a ValueError naming the shapes and parameters."""
    N, C, H, W = x_shape
    Co, Cg, KH, KW = w_shape
    if groups < 1 or C % groups or Co % groups or Cg * groups != C:
        raise ValueError(f"conv2d: input with {C} channels, weight of shape {tuple(w_shape)} and groups={groups} "
                         "do not agree")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0 or min(KH, KW) < 1:
        raise ValueError(f"conv2d: kernel {(KH, KW)}, stride {stride} and dilation {dilation} must be positive, "
                         f"padding {padding} non-negative")
    OH = (H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) // stride[0] + 1
    OW = (W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) // stride[1] + 1
    if OH <= 0 or OW <= 0:
        raise ValueError(f"conv2d: input of spatial size {(H, W)} is too small for kernel {(KH, KW)}, stride "
                         f"{stride}, padding {padding}, dilation {dilation}")
    return OH, OW


def _padded(x: Tensor, padding: tuple[int, int]) -> Tensor:
    """x contiguous, zero-padded by `padding` on each side of H and W."""
    PH, PW = padding
    if PH == 0 and PW == 0:
        return contiguous(x)
    N, C, H, W = x.shape
    xp = fill_(Tensor.empty((N, C, H + 2 * PH, W + 2 * PW), x.dtype, x.device), 0)
    setitem(xp, (slice(None), slice(None), slice(PH, PH + H), slice(PW, PW + W)), x)
    return xp


def _row_offsets(device, Cg: int, KH: int, KW: int, Hp: int, Wp: int, DH: int, DW: int) -> Tensor:
    """The (memoized) int32 table kofs[k] = c*Hp*Wp + ki*DH*Wp + kj*DW over k = (c, ki, kj)."""
    key = ("conv-kofs", Cg, KH, KW, Hp, Wp, DH, DW)
    table = device.plans.get(key)
    if table is None:
        c, ki, kj = np.meshgrid(np.arange(Cg), np.arange(KH), np.arange(KW), indexing="ij")
        offs = (c * (Hp * Wp) + ki * (DH * Wp) + kj * DW).reshape(-1)
        table = device.plans[key] = Tensor.from_numpy(offs.astype(np.int32), _dt.int32, device)
    return table


def run_xconv(device, config, out: Tensor, w: Tensor, xp: Tensor, kofs: Tensor, groups: int, OW: int,
              stride: tuple[int, int], idx64: bool) -> list:
    """Launch the implicit-GEMM kernel of `config`; returns the events.

    out is (N, Co, OH, OW) contiguous, w (Co, Cg, KH, KW) contiguous, xp the
    padded (N, C, Hp, Wp) contiguous input, kofs its row-offset table.
    """
    dt = out.dtype.name
    key = ("xconv", config, dt, idx64)
    kernel = device.plans.get(key)
    if kernel is None:
        spec = _gemm.xgemm_spec(config, dt, dt, dt, dt, True, idx64, conv=True)
        kernel = device.plans[key] = device.kernel(spec)
    N, C, Hp, Wp = xp.shape
    Co = w.shape[0]
    G = groups
    M, K, L = Co // G, kofs.size, out.shape[2] * out.shape[3]
    a_geom = (w.offset, M * K, K, 1)
    b_geom = (xp.offset, C * Hp * Wp, 0, 1)
    conv_args = (kofs._storage.buf, OW, stride[0] * Wp, stride[1], G, (C // G) * Hp * Wp)
    events = []
    for step in _gemm.plan(config, M, L, K, N * G, dt).launches:
        args = [out._storage.buf, w._storage.buf, xp._storage.buf, M, L, step.k0, step.k1, step.beta,
                *a_geom, *b_geom, *conv_args]
        events.append(launch(device, kernel, step.gsize, step.lsize, args))
    return events


def conv2d_forward(x: Tensor, w: Tensor, stride: tuple[int, int], padding: tuple[int, int],
                   dilation: tuple[int, int], groups: int) -> Tensor:
    """(N, C, H, W) cross-correlated with (Co, C/groups, KH, KW): (N, Co, OH, OW), no autograd."""
    if x.dtype != w.dtype:
        raise TypeError(f"conv2d: input is {x.dtype.name} but weight is {w.dtype.name}")
    if x.dtype.name not in CONV_DTYPES:
        raise TypeError(f"conv2d: implicit GEMM computes {', '.join(CONV_DTYPES)}, not {x.dtype.name}")
    x.device.check_dtype(x.dtype)
    N, C, H, W = x.shape
    Co, Cg, KH, KW = w.shape
    OH, OW = conv_geometry(x.shape, w.shape, stride, padding, dilation, groups)
    device = x.device
    out = Tensor.empty((N, Co, OH, OW), x.dtype, device)
    if out.size == 0:
        return out
    K = Cg * KH * KW
    if K == 0:
        return fill_(out, 0)
    xp = _padded(x, padding)
    wc = contiguous(w)
    kofs = _row_offsets(device, Cg, KH, KW, xp.shape[2], xp.shape[3], dilation[0], dilation[1])
    idx64 = max(xp._storage.nbytes, out._storage.nbytes, wc._storage.nbytes) > INDEX32_LIMIT
    dt = x.dtype.name
    found = tuned_config(device, "conv", (dt, dt, dt), "nchw", (Co // groups, OH * OW, K))
    run_xconv(device, found.config, out, wc, xp, kofs, groups, OW, stride, idx64)
    return out
