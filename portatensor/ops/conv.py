"""conv2d forward as implicit GEMM: the tuned xgemm kernel reading the image directly.

out[n, g*Og + o, l] = sum_k W[g, o, k] * xp[n, g, k, l] where k runs over
(channel in the group, ki, kj), l over output pixels (oh, ow), and xp is the
input zero-padded once (so the kernel needs no bounds checks). Where row k
starts in the image is a small int table (``kofs``), so B's address is
``kofs[k] + oh * SH * Wp + ow * SW`` and stride-1 rows load as whole vectors.
No im2col buffer is written: for batch 32, 64 channels, 3x3, 56x56 that
buffer would be 231 MB.

The backward runs on the same kernel. grad_weight (`conv2d_grad_weight`)
is im2col(xp) @ grad_out^T per group, the template's "wgrad" mode: A is
the same kofs gather (a pixel table ``pofs`` gives where each output
pixel's window starts, as an offset from the first image, so the product's
k runs over (image, pixel) of the whole batch in one launch), B grad_out
stored pixel-major so its rows load as vectors. grad_input
(`conv2d_grad_input`) is the transposed convolution by phases: for stride s
the input splits into s*s interleaved grids, each a stride-1 correlation of
the padded grad_out with the flipped, group-transposed taps that reach it,
on the forward kernel (no zeros inserted, so no s*s wasted multiplies).

The config comes from the "conv" family of the device's tuning database
(exact bucket -> nearest -> the GEMM vendor defaults), so `portatensor tune
--family conv` speeds it up without a restart; the weight gradient looks up
layout "wgrad" of that family.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ..tune.lookup import tuned_config
from . import manipulate as _manip
from .creation import fill_
from .elementwise import INDEX32_LIMIT, astype, contiguous, setitem
from .linalg import run_xgemm

__all__ = ["conv2d_forward", "conv2d_grad_input", "conv2d_grad_weight", "conv_geometry", "run_xconv"]

#: conv dtypes the implicit GEMM computes (bf16 and integers go through im2col).
CONV_DTYPES = ("float32", "float64", "float16")
#: the largest offset the weight gradient's int32 pixel table holds (images past it take another launch).
TABLE_LIMIT = INDEX32_LIMIT
#: operands of a weight gradient up to this size stay in cache: its reduction is not split into K chunks
#: (the config's KC), which would only add launches.
WGRAD_UNSPLIT_BYTES = 1 << 20


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


def _pixel_offsets(device, nimg: int, img: int, OH: int, OW: int, s_row: int, SW: int) -> Tensor:
    """The (memoized) int32 table pofs[r] = n * img + oh * s_row + ow * SW over r = (n, oh, ow), n < nimg."""
    key = ("conv-pofs", nimg, img, OH, OW, s_row, SW)
    table = device.plans.get(key)
    if table is None:
        n, oh, ow = np.meshgrid(np.arange(nimg), np.arange(OH), np.arange(OW), indexing="ij")
        offs = (n.astype(np.int64) * img + oh * s_row + ow * SW).reshape(-1)
        table = device.plans[key] = Tensor.from_numpy(offs.astype(np.int32), _dt.int32, device)
    return table


def run_xconv(device, config, out: Tensor, w: Tensor, xp: Tensor, kofs: Tensor, groups: int, OW: int,
              stride: tuple[int, int], idx64: bool) -> list:
    """Launch the implicit-GEMM kernel of `config` (xgemm's "fwd" mode); returns the events.

    out is (N, Co, OH, OW) contiguous, w (Co, Cg, KH, KW) contiguous, xp the
    padded (N, C, Hp, Wp) contiguous input, kofs its row-offset table.
    """
    dt = out.dtype.name
    N, C, Hp, Wp = xp.shape
    M, K, L = w.shape[0] // groups, kofs.size, out.shape[2] * out.shape[3]
    conv_args = (kofs._storage.buf, OW, stride[0] * Wp, stride[1], groups, (C // groups) * Hp * Wp)
    return run_xgemm(device, config, out._storage.buf, w._storage.buf, xp._storage.buf, dt, dt, dt, M, L, K,
                     N * groups, (w.offset, M * K, K, 1), (xp.offset, C * Hp * Wp, 0, 1), idx64,
                     conv="fwd", conv_args=conv_args)


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


def run_wgrad(device, config, gwt: Tensor, xp: Tensor, gt: Tensor, kofs: Tensor, stride: tuple[int, int],
              groups: int, idx64: bool) -> list:
    """Launch the weight-gradient implicit GEMM of `config` (xgemm's "wgrad" mode); returns the events.

    gwt is the (groups, C/groups*KH*KW, Co/groups) accumulator, xp the padded (N, C, Hp, Wp) input, gt
    grad_out as (N, OH, OW, Co), kofs the row table. The reduction runs over (image, pixel) through
    an int32 pixel table: as many images a launch as their offsets fit (TABLE_LIMIT), each launch
    after the first accumulating. Operands small enough to stay in cache are not split into the
    config's K chunks (WGRAD_UNSPLIT_BYTES), which would only add launches.
    """
    N, C, Hp, Wp = xp.shape
    OH, OW, Co = gt.shape[1], gt.shape[2], gt.shape[3]
    L, K, Og = OH * OW, gwt.shape[1], gwt.shape[2]
    img = C * Hp * Wp
    per = max(1, min(N, TABLE_LIMIT // img))
    pofs = _pixel_offsets(device, per, img, OH, OW, stride[0] * Wp, stride[1])
    dt = xp.dtype.name
    if xp._storage.nbytes + gt._storage.nbytes <= WGRAD_UNSPLIT_BYTES:
        config = config.replace(KC=0)
    events = []
    for n in range(0, N, per):
        events += run_xgemm(device, config, gwt._storage.buf, xp._storage.buf, gt._storage.buf, dt, dt,
                            gwt.dtype.name, K, Og, min(per, N - n) * L, groups,
                            (xp.offset + n * img, (C // groups) * Hp * Wp, 0, 0), (gt.offset + n * L * Co, Og, Co, 1),
                            idx64, conv="wgrad", conv_args=(kofs._storage.buf, pofs._storage.buf), beta=int(n > 0))
    return events


def conv2d_grad_weight(x: Tensor, g: Tensor, w_shape: tuple[int, ...], stride: tuple[int, int],
                       padding: tuple[int, int], dilation: tuple[int, int], groups: int) -> Tensor:
    """d(loss)/d(weight) of conv2d from the input x and grad_out g: (Co, C/groups, KH, KW), no autograd.

    Computed transposed, (groups, C/groups*KH*KW, Co/groups), then permuted (run_wgrad: the
    reduction runs over (image, pixel) of the whole batch in one launch, more only where the
    images' offsets overflow the int32 pixel table); float16 accumulates in a float32 buffer
    and is rounded once at the end.
    """
    N, C, H, W = x.shape
    Co, Cg, KH, KW = w_shape
    OH, OW = g.shape[2], g.shape[3]
    device = x.device
    dt = x.dtype.name
    acc_dt = _dt.float32 if dt == "float16" else x.dtype
    L, K, Og = OH * OW, Cg * KH * KW, Co // groups
    gwt = Tensor.empty((groups, K, Og), acc_dt, device)
    if gwt.size and (N == 0 or L == 0):
        fill_(gwt, 0)
    elif gwt.size:
        xp = _padded(x, padding)
        gt = contiguous(_manip.permute_dims(g, (0, 2, 3, 1)))
        kofs = _row_offsets(device, Cg, KH, KW, xp.shape[2], xp.shape[3], dilation[0], dilation[1])
        idx64 = max(xp._storage.nbytes, gt._storage.nbytes, gwt._storage.nbytes) > INDEX32_LIMIT
        config = tuned_config(device, "conv", (dt, dt, acc_dt.name), "wgrad", (K, Og, N * L)).config
        run_wgrad(device, config, gwt, xp, gt, kofs, stride, groups, idx64)
    gw = _manip.permute_dims(gwt, (0, 2, 1))
    gw = astype(gw, x.dtype) if acc_dt is not x.dtype else contiguous(gw)
    return _manip.reshape(gw, tuple(w_shape))


def _phases(out_len: int, k: int, s: int, p: int, d: int) -> list[tuple[int, int, int, int, int]]:
    """Per output phase r < s of one spatial dim of the transposed convolution: (r, first tap, taps, offset, rows).

    Output row y = r + s*Y is reached from grad_out row i through kernel tap t when
    y = i*s - p + t*d: only the taps t = t0, t0 + q, ... (q = s / gcd(s, d)) with
    (r + p - t*d) divisible by s, and then i = Y + off + u*e over the reversed taps u
    (e = d / gcd(s, d)): a stride-1 correlation with dilation e, starting at g row off.
    Phases that no tap reaches have taps = 0 (those output rows are zero).
    """
    out = []
    for r in range(s):
        rows = len(range(r, out_len, s))
        t0 = next((t for t in range(k) if (r + p - t * d) % s == 0), k)
        taps = len(range(t0, k, s // math.gcd(s, d)))
        c0 = (r + p - t0 * d) // s
        out.append((r, t0, taps, c0 - (taps - 1) * (d // math.gcd(s, d)), rows))
    return out


def conv2d_grad_input(g: Tensor, w: Tensor, x_shape: tuple[int, ...], stride: tuple[int, int],
                      padding: tuple[int, int], dilation: tuple[int, int], groups: int) -> Tensor:
    """d(loss)/d(input) of conv2d from grad_out g and the weight: (N, C, H, W), no autograd.

    The transposed convolution by phases (sub-pixel): the output splits into
    stride[0] * stride[1] interleaved grids, each a stride-1 correlation of grad_out
    (zero-padded once, no zeros inserted between its pixels) with the taps of the
    flipped, group-transposed weight that reach it (_phases), run by the forward
    kernel and written into its grid. Stride 1 is one phase written in place.
    """
    N, C, H, W = x_shape
    Co, Cg, KH, KW = w.shape
    Og = Co // groups
    device = g.device
    OH, OW = g.shape[2], g.shape[3]
    eh, ew = (dd // math.gcd(ss, dd) for ss, dd in zip(stride, dilation, strict=True))
    ph_h = _phases(H, KH, stride[0], padding[0], dilation[0])
    ph_w = _phases(W, KW, stride[1], padding[1], dilation[1])
    live = [(a, b) for a in ph_h for b in ph_w if a[2] and b[2] and a[4] and b[4]]
    if not live or g.size == 0:
        return fill_(Tensor.empty((N, C, H, W), g.dtype, device), 0)
    # g rows [lo, hi) cover every phase's window; one padded copy serves them all
    lo_h = min(a[3] for a, _ in live)
    hi_h = max(a[3] + a[4] - 1 + (a[2] - 1) * eh for a, _ in live) + 1
    lo_w = min(b[3] for _, b in live)
    hi_w = max(b[3] + b[4] - 1 + (b[2] - 1) * ew for _, b in live) + 1
    gp = Tensor.empty((N, Co, hi_h - lo_h, hi_w - lo_w), g.dtype, device)
    src_h, src_w = slice(max(0, lo_h), min(OH, hi_h)), slice(max(0, lo_w), min(OW, hi_w))
    whole = src_h.start == lo_h and src_h.stop == hi_h and src_w.start == lo_w and src_w.stop == hi_w
    if not whole:
        fill_(gp, 0)
    if src_h.stop > src_h.start and src_w.stop > src_w.start:
        setitem(gp, (slice(None), slice(None), slice(src_h.start - lo_h, src_h.stop - lo_h),
                     slice(src_w.start - lo_w, src_w.stop - lo_w)), g[:, :, src_h, src_w])
    wg = _manip.reshape(w, (groups, Og, Cg, KH, KW))
    # stride 1 is one phase whose window is the whole gradient: no gx to scatter into
    gx = None if stride == (1, 1) else Tensor.empty((N, C, H, W), g.dtype, device)
    if gx is not None and len(live) != len(ph_h) * len(ph_w):
        fill_(gx, 0)
    for (rh, th, nh, offh, rows), (rw, tw, nw, offw, cols) in live:
        taps = wg[:, :, :, th::stride[0] // math.gcd(stride[0], dilation[0]),
                  tw::stride[1] // math.gcd(stride[1], dilation[1])]
        wt = _manip.flip(_manip.permute_dims(taps, (0, 2, 1, 3, 4)), axis=(3, 4))
        wt = _manip.reshape(contiguous(wt), (C, Og, nh, nw))
        part = conv2d_forward(gp, wt, (1, 1), (0, 0), (eh, ew), groups)
        window = part[:, :, offh - lo_h:offh - lo_h + rows, offw - lo_w:offw - lo_w + cols]
        if gx is None:
            return window if window.is_contiguous() else contiguous(window)
        setitem(gx, (slice(None), slice(None), slice(rh, None, stride[0]), slice(rw, None, stride[1])), window)
    return gx
