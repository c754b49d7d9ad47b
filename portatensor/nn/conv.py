"""Convolution and pooling: conv1d/conv2d as im2col + matmul, max/avg pooling, adaptive average pooling.

``_Im2Col`` is the one new differentiable op (forward im2col, backward col2im,
both in templates/conv.cl.mako); conv is im2col followed by the recorded
matmul, pooling is im2col followed by a recorded max/mean reduction over the
window axis, so every gradient comes from rules that already exist.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import function as F
from ..autograd.amp import AUTOCAST
from ..autograd.function import Function
from ..codegen import KernelSpec
from ..ops import conv as _conv
from ..ops import elementwise as _ew
from ..ops import reduce as _reduce
from ..runtime.launch import launch
from ..tensor import Tensor
from . import functional as nnf
from . import init
from .functional import _const
from .modules import Module, Parameter, _empty


def _pair(v: Any, name: str) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


#: windows up to this many elements take the unrolled maxpool_inside kernel (one build per window shape).
MAXPOOL_UNROLL = 25


def _kernel(device: Any, entry: str, dtype: _dt.DType) -> Any:
    return device.kernel(KernelSpec.make("conv", entry, (dtype.name,), rank=1))


def _out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _im2col_raw(x: Tensor, geom: tuple[int, ...]) -> Tensor:
    """(N, C*KH*KW, OH*OW) columns of x for this geometry (no autograd)."""
    N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW = geom
    xc = _ew.contiguous(x)
    out = Tensor.empty((N, C * KH * KW, OH * OW), x.dtype, x.device)
    if out.size:
        launch(x.device, _kernel(x.device, "im2col", x.dtype), (out.size,), None,
               [out._storage.buf, xc._storage.buf, xc.offset, *geom])
    return out


def _col2im_raw(cols: Tensor, geom: tuple[int, ...]) -> Tensor:
    """The (N, C, H, W) image whose im2col is summed from cols (no autograd)."""
    N, C, H, W = geom[:4]
    gc = _ew.contiguous(cols)
    gx = Tensor.empty((N, C, H, W), cols.dtype, cols.device)
    if gx.size:
        launch(cols.device, _kernel(cols.device, "col2im", cols.dtype), (gx.size,), None,
               [gx._storage.buf, gc._storage.buf, gc.offset, *geom])
    return gx


class _Im2Col(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, geom: tuple[int, ...]) -> Tensor:
        ctx.geom = geom
        return _im2col_raw(x, geom)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        return _col2im_raw(g, ctx.geom), None


def save_conv(ctx: Any, x: Tensor, w: Tensor, s: tuple[int, int], p: tuple[int, int], d: tuple[int, int],
              groups: int) -> None:
    """What an implicit-GEMM conv node keeps for backward: x, w, the geometry and which gradients are wanted."""
    ctx.save_for_backward(x, w)
    ctx.conf = (s, p, d, groups, getattr(x, "requires_grad", False), getattr(w, "requires_grad", False))


class _Conv2d(Function):
    """conv2d by implicit GEMM, forward and backward (ops/conv.py: no im2col buffer anywhere).

    Backward: grad_weight by the weight-gradient GEMM over the padded input
    and grad_input as the transposed convolution on the forward kernel, each
    only when it is needed. conv2d takes this path for float32/64/16 outside
    autocast; other dtypes and autocast run im2col + the recorded matmul.
    The gradients are not themselves recorded (no double backward).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, w: Tensor, s: tuple[int, int], p: tuple[int, int], d: tuple[int, int],
                groups: int) -> Tensor:
        save_conv(ctx, x, w, s, p, d, groups)
        return _conv.conv2d_forward(x, w, s, p, d, groups)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, w = ctx.saved_tensors
        s, p, d, G, x_grad, w_grad = ctx.conf
        gw = _conv.conv2d_grad_weight(x, g, w.shape, s, p, d, G) if w_grad else None
        gx = _conv.conv2d_grad_input(g, w, x.shape, s, p, d, G) if x_grad else None
        return gx, gw, None, None, None, None


def _im2col(x: Tensor, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], d: tuple[int, int],
            out: tuple[int, int] | None = None) -> tuple[Tensor, int, int]:
    """Windows of x (N, C, H, W) as columns (N, C * KH * KW, OH * OW); out overrides the (OH, OW) of conv."""
    N, C, H, W = x.shape
    OH, OW = out or (_out_size(H, k[0], s[0], p[0], d[0]), _out_size(W, k[1], s[1], p[1], d[1]))
    if OH <= 0 or OW <= 0:
        raise ValueError(f"input of spatial size {(H, W)} is too small for kernel {k}, stride {s}, padding {p}, "
                         f"dilation {d}")
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(k) < 1:
        raise ValueError(f"kernel {k}, stride {s} and dilation {d} must be positive, padding {p} non-negative")
    geom = (N, C, H, W, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], OH, OW)
    return _Im2Col.apply(x, geom), OH, OW


def _check(x: Any, nd: int, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} expects a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point tensor, got {x.dtype.name}")
    if x.ndim not in (nd, nd + 1):
        raise ValueError(f"{what} expects a {nd + 1}-d (batched) or {nd}-d input, got shape {x.shape}")


# -- convolution ----------------------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d cross-correlation of (N, C, H, W) with weight (O, C / groups, KH, KW)."""
    _check(input, 3, "conv2d")
    unbatched = input.ndim == 3
    x = F.unsqueeze(input, 0) if unbatched else input
    N, C, H, W = x.shape
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-d (out, in/groups, kh, kw), got shape {weight.shape}")
    OC, Cg, KH, KW = weight.shape
    if C % groups or OC % groups or Cg * groups != C:
        raise ValueError(f"conv2d: input with {C} channels, weight of shape {weight.shape} and groups={groups} "
                         "do not agree")
    s, d = _pair(stride, "stride"), _pair(dilation, "dilation")
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"conv2d: padding must be 'valid', 'same', an int or a pair, got {padding!r}")
        if padding == "same" and s != (1, 1):
            raise ValueError("conv2d: padding='same' needs stride 1")
        lo_hi = _string_padding(padding, (KH, KW), d)
        p = (lo_hi[0][0], lo_hi[1][0])
        extra = (lo_hi[1][1] - lo_hi[1][0], lo_hi[0][1] - lo_hi[0][0])
        if any(extra):
            # NOTE: an even kernel extent pads one more on the right / bottom, as PyTorch does.
            x = nnf.pad(x, (0, extra[0], 0, extra[1]))
    else:
        p = _pair(padding, "padding")
    if AUTOCAST.dtype is None and x.dtype is weight.dtype and x.dtype.name in _conv.CONV_DTYPES:
        _conv.conv_geometry(x.shape, weight.shape, s, p, d, groups)
        out = _Conv2d.apply(x, weight, s, p, d, groups)
        if bias is not None:
            out = out + F.reshape(bias, (1, OC, 1, 1))
        return F.squeeze(out, 0) if unbatched else out
    cols, OH, OW = _im2col(x, (KH, KW), s, p, d)
    L = OH * OW
    G = groups
    cols = F.reshape(cols, (N, G, Cg * KH * KW, L))
    w = F.reshape(weight, (G, OC // G, Cg * KH * KW))
    out = F.reshape(F.matmul(w, cols), (N, OC, OH, OW))
    if bias is not None:
        out = out + F.reshape(bias, (1, OC, 1, 1))
    return F.squeeze(out, 0) if unbatched else out


def _string_padding(padding: str, kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """(before, after) per spatial dim for padding 'valid' or 'same' (the odd one of an even extent after)."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=True)]


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d cross-correlation of (N, C, L) with weight (O, C / groups, K), through conv2d."""
    _check(input, 2, "conv1d")
    y = conv2d(F.unsqueeze(input, -2), F.unsqueeze(weight, -2), bias, _one(stride, 1),
               padding if isinstance(padding, str) else _one(padding, 0), _one(dilation, 1), groups)
    return F.squeeze(y, -2)


# -- pooling --------------------------------------------------------------------------
def _pool_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; with ceil_mode the last window must start inside the input or left padding."""
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def _batched(x: Tensor, what: str) -> tuple[Tensor, bool]:
    _check(x, 3, what)
    return (F.unsqueeze(x, 0), True) if x.ndim == 3 else (x, False)


def _pool_geom(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
               what: str) -> tuple[tuple[int, int], ...]:
    """(k, s, p, d, (OH, OW)) of a pooling window over x (N, C, H, W), checked like PyTorch."""
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _pair(stride, "stride")
    p, d = _pair(padding, "padding"), _pair(dilation, "dilation")
    if min(k) < 1 or min(s) < 1 or min(d) < 1 or min(p) < 0:
        raise ValueError(f"{what}: kernel_size {k}, stride {s} and dilation {d} must be positive, padding {p} "
                         "non-negative")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{what}: padding {p} should be at most half of kernel size {k}")
    H, W = x.shape[-2:]
    o = (_pool_size(H, k[0], s[0], p[0], d[0], ceil_mode), _pool_size(W, k[1], s[1], p[1], d[1], ceil_mode))
    if min(o) <= 0:
        raise ValueError(f"{what}: input of spatial size {(H, W)} is too small for kernel {k}, stride {s}, "
                         f"padding {p}, dilation {d}")
    return k, s, p, d, o


class _MaxPool(Function):
    """Window maxima with their flat per-plane indices; backward adds each gradient at its index.

    ``idx`` is an int64 output buffer the caller allocates (and may return, like PyTorch's return_indices).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, geom: tuple[int, ...], idx: Tensor) -> Tensor:
        xc = _ew.contiguous(x)
        OH, OW = geom[-3:-1]
        y = Tensor.empty(x.shape[:2] + (OH, OW), x.dtype, x.device)
        NCp, H, W, KH, KW, SH, SW, PH, PW, DH, DW = geom[:11]
        inside = (not geom[-1] and PH == PW == 0 and (OH - 1) * SH + (KH - 1) * DH < H
                  and (OW - 1) * SW + (KW - 1) * DW < W and KH * KW <= MAXPOOL_UNROLL and H * W < 2**31)
        if y.size and inside:
            spec = KernelSpec.make("conv", "maxpool_inside", (x.dtype.name,), rank=1, KH=KH, KW=KW)
            launch(x.device, x.device.kernel(spec), (OW, OH, NCp), None,
                   [y._storage.buf, idx._storage.buf, xc._storage.buf, xc.offset, H, W, SH, SW, DH, DW, OH, OW])
        elif y.size:
            launch(x.device, _kernel(x.device, "maxpool", x.dtype), (OW, OH, y.shape[0] * y.shape[1]), None,
                   [y._storage.buf, idx._storage.buf, xc._storage.buf, xc.offset, *geom])
        ctx.save_for_backward(idx)
        ctx.shape = x.shape
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        (idx,) = ctx.saved_tensors
        N, C, H, W = ctx.shape
        gc = _ew.contiguous(g)
        gx = Tensor.empty(ctx.shape, g.dtype, g.device)
        if gx.size:
            launch(g.device, _kernel(g.device, "maxpool_bw", g.dtype), (N * C,), None,
                   [gx._storage.buf, gc._storage.buf, gc.offset, idx._storage.buf, N * C, H * W,
                    idx.size // max(N * C, 1)])
        return gx, None, None


def _max_pool(x: Tensor, unbatched: bool, geom: tuple[int, ...], return_indices: bool) -> Any:
    N, C = x.shape[:2]
    idx = Tensor.empty((N, C) + tuple(geom[-3:-1]), _dt.int64, x.device)
    y = _MaxPool.apply(x, (N * C, *x.shape[2:], *geom), idx)
    if unbatched:
        y, idx = F.squeeze(y, 0), F.squeeze(idx, 0)
    return (y, idx) if return_indices else y


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Window maxima (padding never wins); the gradient goes to the first maximum of each window, like PyTorch.

    With return_indices, also the int64 flat index h * W + w of each maximum in its (H, W) plane.
    """
    x, unbatched = _batched(input, "max_pool2d")
    k, s, p, d, o = _pool_geom(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    return _max_pool(x, unbatched, (*k, *s, *p, *d, *o, 0), return_indices)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Maxima over PyTorch's adaptive windows [floor(i H / OH), ceil((i + 1) H / OH)) (and their indices)."""
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    o = _adaptive_size(x, output_size, "adaptive_max_pool2d")
    return _max_pool(x, unbatched, (0,) * 8 + (*o, 1), return_indices)


def _window_counts(n: int, o: int, k: int, s: int, p: int, include_pad: bool) -> np.ndarray:
    """Per output position, how many of the window's k positions PyTorch's avg_pool divides by along one axis."""
    start = np.arange(o) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
    """Window means, divided like PyTorch: by the window clipped to the padded input (count_include_pad), to the
    input (count_include_pad=False), or by divisor_override."""
    x, unbatched = _batched(input, "avg_pool2d")
    k, s, p, _, (OH, OW) = _pool_geom(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    if divisor_override is not None and int(divisor_override) <= 0:
        raise ValueError(f"avg_pool2d: divisor_override must be positive, got {divisor_override!r}")
    N, C, H, W = x.shape
    cols, _, _ = _im2col(F.reshape(x, (N * C, 1, H, W)), k, s, p, (1, 1), (OH, OW))
    ch = _window_counts(H, OH, k[0], s[0], p[0], count_include_pad)
    cw = _window_counts(W, OW, k[1], s[1], p[1], count_include_pad)
    if divisor_override is None and (ch == k[0]).all() and (cw == k[1]).all():
        y = _reduce.reduce("mean", cols, 1, False, None)
    else:
        key = ("avgdiv", H, W, k, s, p, ceil_mode, count_include_pad, divisor_override)
        build = (lambda: np.full(OH * OW, 1.0 / int(divisor_override))) if divisor_override is not None else \
            (lambda: 1.0 / np.outer(ch, cw).reshape(-1))
        y = _reduce.reduce("sum", cols, 1, False, None) * _const(key, build, x.dtype, x.device)
    y = F.reshape(y, (N, C, OH, OW))
    return F.squeeze(y, 0) if unbatched else y


def _adaptive_size(x: Tensor, output_size: Any, what: str) -> tuple[int, int]:
    H, W = x.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh, ow = H if oh is None else int(oh), W if ow is None else int(ow)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{what}: output_size must be positive, got {output_size!r}")
    return oh, ow


def _adaptive_matrix(n: int, m: int) -> np.ndarray:
    """(m, n) averaging matrix of PyTorch's adaptive windows [floor(i n / m), ceil((i + 1) n / m))."""
    a = np.zeros((m, n), dtype=np.float64)
    for i in range(m):
        lo, hi = (i * n) // m, -((-(i + 1) * n) // m)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over PyTorch's adaptive windows: A_h @ x @ A_w^T with constant averaging matrices."""
    _check(input, 3, "adaptive_avg_pool2d")
    H, W = input.shape[-2:]
    oh, ow = _adaptive_size(input, output_size, "adaptive_avg_pool2d")
    if H % oh == 0 and W % ow == 0:
        return avg_pool2d(input, (H // oh, W // ow))
    ah = _const(("adaptive", H, oh), lambda: _adaptive_matrix(H, oh), input.dtype, input.device)
    aw = _const(("adaptive", W, ow), lambda: _adaptive_matrix(W, ow), input.dtype, input.device)
    return F.matmul(F.matmul(ah, input), F.transpose(aw, 0, 1))


# -- 1-d pooling: the 2-d ops on (N, C, 1, L) -------------------------------------------
def _one(v: Any, fill: int) -> tuple[int, int]:
    """A 1-d size (an int or a 1-tuple) as the 2-d pair (fill, v)."""
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"expected an int or a 1-tuple, got {v!r}")
        v = v[0]
    return fill, int(v)


def _squeeze_h(r: Any) -> Any:
    return tuple(F.squeeze(t, -2) for t in r) if isinstance(r, tuple) else F.squeeze(r, -2)


def _lift(input: Tensor, what: str) -> Tensor:  # noqa: A002
    _check(input, 2, what)
    return F.unsqueeze(input, -2)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-d window maxima of (N, C, L) (and their int64 indices along L)."""
    st = None if stride is None or stride == () or stride == [] else _one(stride, 1)
    return _squeeze_h(max_pool2d(_lift(input, "max_pool1d"), _one(kernel_size, 1), st, _one(padding, 0),
                                 _one(dilation, 1), ceil_mode, return_indices))


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-d window means of (N, C, L)."""
    st = None if stride is None or stride == () or stride == [] else _one(stride, 1)
    return _squeeze_h(avg_pool2d(_lift(input, "avg_pool1d"), _one(kernel_size, 1), st, _one(padding, 0), ceil_mode,
                                 count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average of (N, C, L) over PyTorch's adaptive windows."""
    return _squeeze_h(adaptive_avg_pool2d(_lift(input, "adaptive_avg_pool1d"), _one(output_size, 1)))


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    """Maxima of (N, C, L) over PyTorch's adaptive windows (and their indices along L)."""
    return _squeeze_h(adaptive_max_pool2d(_lift(input, "adaptive_max_pool1d"), _one(output_size, 1),
                                          return_indices))


# -- modules --------------------------------------------------------------------------
class _ConvNd(Module):
    _nd = 2
    _fn: Any = None
    _transposed = False  # ConvTranspose*d: weight (in, out / groups, *k)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular', got "
                             f"{padding_mode!r}")
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid', 'same' or sizes, got {padding!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels {in_channels} and out_channels {out_channels} must be divisible by "
                             f"groups {groups}")
        nd = self._nd

        def tup(v: Any) -> tuple[int, ...]:
            return tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * nd

        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = tup(kernel_size), tup(stride), tup(dilation)
        self.padding = padding if isinstance(padding, str) else tup(padding)
        self.padding_mode = padding_mode
        wshape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(_empty(wshape + self.kernel_size, device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_channels,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0,) * self._nd, "valid"):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, x: Tensor) -> tuple[Tensor, Any]:
        """x and the conv padding: padding_mode other than 'zeros' pads x itself (nn.functional.pad)."""
        if self.padding_mode == "zeros":
            return x, self.padding
        per_dim = _string_padding(self.padding, self.kernel_size, self.dilation) if isinstance(self.padding, str) \
            else [(p, p) for p in self.padding]
        return nnf.pad(x, [v for lo_hi in reversed(per_dim) for v in lo_hi], self.padding_mode), 0

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._padded(x)
        return type(self)._fn(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    _nd = 2
    _fn = staticmethod(conv2d)


class Conv1d(_ConvNd):
    _nd = 1
    _fn = staticmethod(conv1d)


class _MaxPoolNd(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if (stride is not None) else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                              self.return_indices)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, " \
               f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxPool2d(_MaxPoolNd):
    _fn = staticmethod(max_pool2d)


class MaxPool1d(_MaxPoolNd):
    _fn = staticmethod(max_pool1d)


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Any = None) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if (stride is not None) else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePool(Module):
    _fn: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    _fn = staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool1d(_AdaptivePool):
    _fn = staticmethod(adaptive_avg_pool1d)


class _AdaptiveMaxPool(_AdaptivePool):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor) -> Any:
        return type(self)._fn(x, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    _fn = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    _fn = staticmethod(adaptive_max_pool1d)


__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d",
           "AvgPool2d", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d",
           "max_pool1d", "max_pool2d"]
