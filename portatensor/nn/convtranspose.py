"""Transposed convolution (conv_transpose1d/2d, ConvTranspose1d/2d) and fold/unfold (Fold, Unfold), with PyTorch's
names, weight layout and sizes.

The forward of a transposed convolution is the input-gradient of a
convolution. For float32/64/16 outside autocast it runs as that, by implicit
GEMM (ops/conv.py: conv2d_grad_input forward; conv2d_forward and
conv2d_grad_weight backward, no im2col buffer). Other dtypes and autocast
take columns W^T x (a recorded matmul) folded back into the image by col2im,
whose backward unfolds with im2col. Unfold and fold are those two kernels on
their own.
"""

from __future__ import annotations

from typing import Any

from ..autograd import function as F
from ..autograd.amp import AUTOCAST
from ..autograd.function import Function
from ..ops import conv as _conv
from ..tensor import Tensor
from .conv import _check, _col2im_raw, _ConvNd, _im2col, _im2col_raw, _one, _out_size, _pair, save_conv
from .modules import Module


class _Col2Im(Function):
    @staticmethod
    def forward(ctx: Any, cols: Tensor, geom: tuple[int, ...]) -> Tensor:
        ctx.geom = geom
        return _col2im_raw(cols, geom)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        return _im2col_raw(g, ctx.geom), None


class _ConvTranspose2d(Function):
    """conv_transpose2d by implicit GEMM: the forward is conv2d's input gradient, the backward conv2d's forward
    (for x) and weight gradient with the roles of input and grad_out swapped (for w). Not itself recorded."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w: Tensor, s: tuple[int, int], p: tuple[int, int], d: tuple[int, int],
                groups: int, out_shape: tuple[int, int, int, int]) -> Tensor:
        save_conv(ctx, x, w, s, p, d, groups)
        return _conv.conv2d_grad_input(x, w, out_shape, s, p, d, groups)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, w = ctx.saved_tensors
        s, p, d, G, x_grad, w_grad = ctx.conf
        gx = _conv.conv2d_forward(g, w, s, p, d, G) if x_grad else None
        gw = _conv.conv2d_grad_weight(g, x, w.shape, s, p, d, G) if w_grad else None
        return gx, gw, None, None, None, None, None


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-d convolution of (N, C_in, H, W) with weight (C_in, C_out / groups, KH, KW)."""
    _check(input, 3, "conv_transpose2d")
    unbatched = input.ndim == 3
    x = F.unsqueeze(input, 0) if unbatched else input
    N, C, H, W = x.shape
    if weight.ndim != 4:
        raise ValueError(f"conv_transpose2d: weight must be 4-d (in, out/groups, kh, kw), got shape {weight.shape}")
    Ci, OCg, KH, KW = weight.shape
    G = groups
    if Ci != C or C % G:
        raise ValueError(f"conv_transpose2d: input with {C} channels, weight of shape {weight.shape} and "
                         f"groups={G} do not agree")
    s, p, op, d = (_pair(v, n) for v, n in ((stride, "stride"), (padding, "padding"),
                                            (output_padding, "output_padding"), (dilation, "dilation")))
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(op) < 0:
        raise ValueError(f"conv_transpose2d: stride {s} and dilation {d} must be positive, padding {p} and "
                         f"output_padding {op} non-negative")
    if op[0] >= max(s[0], d[0]) or op[1] >= max(s[1], d[1]):
        raise ValueError(f"conv_transpose2d: output_padding {op} must be smaller than stride {s} or dilation {d}")
    OH = (H - 1) * s[0] - 2 * p[0] + d[0] * (KH - 1) + op[0] + 1
    OW = (W - 1) * s[1] - 2 * p[1] + d[1] * (KW - 1) + op[1] + 1
    if OH <= 0 or OW <= 0:
        raise ValueError(f"conv_transpose2d: output size {(OH, OW)} is not positive")
    OC = OCg * G
    if AUTOCAST.dtype is None and x.dtype is weight.dtype and x.dtype.name in _conv.CONV_DTYPES:
        out = _ConvTranspose2d.apply(x, weight, s, p, d, G, (N, OC, OH, OW))
    else:
        wt = F.transpose(F.reshape(weight, (G, C // G, OCg * KH * KW)), -1, -2)
        cols = F.reshape(F.matmul(wt, F.reshape(x, (N, G, C // G, H * W))), (N, OC * KH * KW, H * W))
        out = _Col2Im.apply(cols, (N, OC, OH, OW, KH, KW, s[0], s[1], p[0], p[1], d[0], d[1], H, W))
    if bias is not None:
        out = out + F.reshape(bias, (1, OC, 1, 1))
    return F.squeeze(out, 0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-d convolution of (N, C_in, L) with weight (C_in, C_out / groups, K), through 2-d."""
    _check(input, 2, "conv_transpose1d")
    y = conv_transpose2d(F.unsqueeze(input, -2), F.unsqueeze(weight, -2), bias, _one(stride, 1), _one(padding, 0),
                         _one(output_padding, 0), groups, _one(dilation, 1))
    return F.squeeze(y, -2)


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """Sliding windows of (N, C, H, W) as columns (N, C * KH * KW, L) (im2col)."""
    _check(input, 3, "unfold")
    unbatched = input.ndim == 3
    x = F.unsqueeze(input, 0) if unbatched else input
    cols, _, _ = _im2col(x, _pair(kernel_size, "kernel_size"), _pair(stride, "stride"), _pair(padding, "padding"),
                         _pair(dilation, "dilation"))
    return F.squeeze(cols, 0) if unbatched else cols


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """Columns (N, C * KH * KW, L) summed back into (N, C, H, W) (col2im): the adjoint of unfold."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise ValueError(f"fold expects a (N, C * KH * KW, L) or (C * KH * KW, L) tensor, got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    unbatched = input.ndim == 2
    cols = F.unsqueeze(input, 0) if unbatched else input
    (H, W), k, d, p, s = (_pair(v, n) for v, n in ((output_size, "output_size"), (kernel_size, "kernel_size"),
                                                   (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    N, CK, L = cols.shape
    OH, OW = _out_size(H, k[0], s[0], p[0], d[0]), _out_size(W, k[1], s[1], p[1], d[1])
    if CK % (k[0] * k[1]) or L != OH * OW:
        raise ValueError(f"fold: input of shape {input.shape} does not match kernel {k} and output size {(H, W)} "
                         f"({OH * OW} blocks)")
    out = _Col2Im.apply(cols, (N, CK // (k[0] * k[1]), H, W, *k, *s, *p, *d, OH, OW))
    return F.squeeze(out, 0) if unbatched else out


class Unfold(Module):
    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, " \
               f"stride={self.stride}"


class Fold(Unfold):
    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__(kernel_size, dilation, padding, stride)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, " + super().extra_repr()


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros" or isinstance(padding, str):
            raise ValueError(f"{type(self).__name__} supports only padding_mode='zeros' and numeric padding")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        nd = self._nd
        self.output_padding = tuple(output_padding) if isinstance(output_padding, (tuple, list)) \
            else (int(output_padding),) * nd

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                              self.groups, self.dilation)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        return s


class ConvTranspose2d(_ConvTransposeNd):
    _nd = 2
    _fn = staticmethod(conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    _nd = 1
    _fn = staticmethod(conv_transpose1d)


__all__ = ["ConvTranspose1d", "ConvTranspose2d", "Fold", "Unfold", "conv_transpose1d", "conv_transpose2d", "fold",
           "unfold"]
