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
from ..autograd.function import Function
from ..codegen import KernelSpec
from ..ops import elementwise as _ew
from ..ops import reduce as _reduce
from ..runtime.launch import launch
from ..tensor import Tensor
from . import init
from .modules import Module, Parameter, _empty


def _pair(v: Any, name: str) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _kernel(device: Any, entry: str, dtype: _dt.DType) -> Any:
    return device.kernel(KernelSpec.make("conv", entry, (dtype.name,), rank=1))


def _out_size(n: int, k: int, s: int, p: int, d: int) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


class _Im2Col(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, geom: tuple[int, ...], padval: float) -> Tensor:
        N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW = geom
        xc = _ew.contiguous(x)
        out = Tensor.empty((N, C * KH * KW, OH * OW), x.dtype, x.device)
        if out.size:
            launch(x.device, _kernel(x.device, "im2col", x.dtype), (out.size,), None,
                   [out._storage.buf, xc._storage.buf, xc.offset, *geom, float(padval)])
        ctx.geom = geom
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        N, C, H, W = ctx.geom[:4]
        gc = _ew.contiguous(g)
        gx = Tensor.empty((N, C, H, W), g.dtype, g.device)
        if gx.size:
            launch(g.device, _kernel(g.device, "col2im", g.dtype), (gx.size,), None,
                   [gx._storage.buf, gc._storage.buf, gc.offset, *ctx.geom])
        return gx, None, None


def _im2col(x: Tensor, k: tuple[int, int], s: tuple[int, int], p: tuple[int, int], d: tuple[int, int],
            padval: float = 0.0) -> tuple[Tensor, int, int]:
    N, C, H, W = x.shape
    OH, OW = _out_size(H, k[0], s[0], p[0], d[0]), _out_size(W, k[1], s[1], p[1], d[1])
    if OH <= 0 or OW <= 0:
        raise ValueError(f"input of spatial size {(H, W)} is too small for kernel {k}, stride {s}, padding {p}, "
                         f"dilation {d}")
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(k) < 1:
        raise ValueError(f"kernel {k}, stride {s} and dilation {d} must be positive, padding {p} non-negative")
    geom = (N, C, H, W, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], OH, OW)
    return _Im2Col.apply(x, geom, padval), OH, OW


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
    O, Cg, KH, KW = weight.shape
    if C % groups or O % groups or Cg * groups != C:
        raise ValueError(f"conv2d: input with {C} channels, weight of shape {weight.shape} and groups={groups} "
                         "do not agree")
    s, d = _pair(stride, "stride"), _pair(dilation, "dilation")
    if padding == "valid":
        p = (0, 0)
    elif padding == "same":
        if s != (1, 1):
            raise ValueError("conv2d: padding='same' needs stride 1")
        tot = (d[0] * (KH - 1), d[1] * (KW - 1))
        if tot[0] % 2 or tot[1] % 2:
            raise NotImplementedError("conv2d: padding='same' with an even kernel extent is not supported")
        p = (tot[0] // 2, tot[1] // 2)
    else:
        p = _pair(padding, "padding")
    cols, OH, OW = _im2col(x, (KH, KW), s, p, d)
    L = OH * OW
    G = groups
    cols = F.reshape(cols, (N, G, Cg * KH * KW, L))
    w = F.reshape(weight, (G, O // G, Cg * KH * KW))
    out = F.reshape(F.matmul(w, cols), (N, O, OH, OW))
    if bias is not None:
        out = out + F.reshape(bias, (1, O, 1, 1))
    return F.squeeze(out, 0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d cross-correlation of (N, C, L) with weight (O, C / groups, K), through conv2d."""
    _check(input, 2, "conv1d")
    one = lambda v: v if isinstance(v, str) else (1, int(v[0] if isinstance(v, (tuple, list)) else v))  # noqa: E731
    y = conv2d(F.unsqueeze(input, -2), F.unsqueeze(weight, -2), bias, one(stride),
               (0, padding[0] if isinstance(padding, (tuple, list)) else padding) if not isinstance(padding, str)
               else padding, one(dilation), groups)
    return F.squeeze(y, -2)


# -- pooling --------------------------------------------------------------------------
def _pool(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, op: str, what: str) -> Tensor:
    _check(x, 3, what)
    unbatched = x.ndim == 3
    if unbatched:
        x = F.unsqueeze(x, 0)
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _pair(stride, "stride")
    p = _pair(padding, "padding")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{what}: padding {p} should be at most half of kernel size {k}")
    N, C, H, W = x.shape
    x1 = F.reshape(x, (N * C, 1, H, W))
    cols, OH, OW = _im2col(x1, k, s, p, _pair(dilation, "dilation"), -math.inf if op == "max" else 0.0)
    y = _reduce.reduce(op, cols, 1, False, None)
    y = F.reshape(y, (N, C, OH, OW))
    return F.squeeze(y, 0) if unbatched else y


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """Window maxima (padding counts as -inf); the gradient goes to the maximum (split evenly on ties)."""
    if ceil_mode or return_indices:
        raise NotImplementedError("max_pool2d: ceil_mode and return_indices are not supported")
    return _pool(input, kernel_size, stride, padding, dilation, "max", "max_pool2d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
    """Window means (padding counts as zeros, as PyTorch's default count_include_pad=True)."""
    if ceil_mode or not count_include_pad or divisor_override is not None:
        raise NotImplementedError("avg_pool2d: ceil_mode, count_include_pad=False and divisor_override are not "
                                  "supported")
    return _pool(input, kernel_size, stride, padding, 1, "mean", "avg_pool2d")


_POOL_MATS: dict[Any, Tensor] = {}


def _adaptive_matrix(n: int, m: int, dtype: _dt.DType, device: Any) -> Tensor:
    """(m, n) averaging matrix of PyTorch's adaptive windows [floor(i n / m), ceil((i + 1) n / m))."""
    key = (n, m, dtype, device)
    t = _POOL_MATS.get(key)
    if t is None:
        a = np.zeros((m, n), dtype=np.float64)
        for i in range(m):
            lo, hi = (i * n) // m, -((-(i + 1) * n) // m)
            a[i, lo:hi] = 1.0 / (hi - lo)
        t = _POOL_MATS[key] = Tensor.from_numpy(a, dtype, device)
    return t


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over PyTorch's adaptive windows: A_h @ x @ A_w^T with constant averaging matrices."""
    _check(input, 3, "adaptive_avg_pool2d")
    H, W = input.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh, ow = H if oh is None else int(oh), W if ow is None else int(ow)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    if H % oh == 0 and W % ow == 0:
        return avg_pool2d(input, (H // oh, W // ow))
    ah = _adaptive_matrix(H, oh, input.dtype, input.device)
    aw = _adaptive_matrix(W, ow, input.dtype, input.device)
    return F.matmul(F.matmul(ah, input), F.transpose(aw, 0, 1))


# -- modules --------------------------------------------------------------------------
class _ConvNd(Module):
    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_mode != "zeros":
            raise NotImplementedError(f"padding_mode={padding_mode!r}: only 'zeros' is supported")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels {in_channels} and out_channels {out_channels} must be divisible by "
                             f"groups {groups}")
        nd = self._nd
        tup = (lambda v: tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * nd)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.dilation = tup(kernel_size), tup(stride), tup(dilation)
        self.padding = padding if isinstance(padding, str) else tup(padding)
        self.padding_mode = padding_mode
        self.weight = Parameter(_empty((out_channels, in_channels // groups) + self.kernel_size, device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_channels,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = (self.in_channels // self.groups) * math.prod(self.kernel_size)
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
        return s


class Conv2d(_ConvNd):
    _nd = 2

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    _nd = 1

    def forward(self, x: Tensor) -> Tensor:
        return conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class MaxPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride or kernel_size, padding, \
            dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, " \
               f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Any = None) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "Conv1d", "Conv2d", "MaxPool2d", "adaptive_avg_pool2d", "avg_pool2d",
           "conv1d", "conv2d", "max_pool2d"]
