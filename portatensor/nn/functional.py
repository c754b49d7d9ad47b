"""nn.functional: activations, fused row ops, losses, embedding, dropout (PyTorch's names).

Fused kernels live in templates/nn.cl.mako; each Function here keeps its
forward and backward side by side.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..autograd import ewops as _ewops
from ..autograd import function as F
from ..autograd.function import Function
from ..autograd.tensor_methods import mean as _mean
from ..codegen import KernelSpec
from ..ops import elementwise as _ew
from ..ops import reduce as _reduce
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import normalize_axis


def _kernel(device: Any, entry: str, dtype: _dt.DType, **flags: Any) -> Any:
    return device.kernel(KernelSpec.make("nn", entry, (dtype.name,), rank=1, **flags))


def _compute_dtype(dt: _dt.DType) -> _dt.DType:
    return _dt.float32 if dt in (_dt.float16, _dt.bfloat16) else dt


def _to_rows(x: Tensor, dim: int) -> tuple[Tensor, int]:
    """x with ``dim`` moved last, contiguous; returns (view, dim)."""
    d = normalize_axis(dim, x.ndim) if x.ndim else 0
    if x.ndim and d != x.ndim - 1:
        axes = [i for i in range(x.ndim) if i != d] + [d]
        x = x._view(tuple(x.shape[a] for a in axes), tuple(x.strides[a] for a in axes), x.offset)
    return _ew.contiguous(x), d


def _from_rows(y: Tensor, d: int, ndim: int) -> Tensor:
    if ndim and d != ndim - 1:
        axes = [i for i in range(ndim) if i != d] + [d]
        inv = [0] * ndim
        for i, a in enumerate(axes):
            inv[a] = i
        y = y._view(tuple(y.shape[a] for a in inv), tuple(y.strides[a] for a in inv), y.offset)
    return y


_CONSTS: dict[Any, Tensor] = {}


def _const(key: tuple[Any, ...], build: Callable[[], np.ndarray], dtype: _dt.DType, device: Any) -> Tensor:
    """A small constant tensor (masks, class weights, pooling divisors) built on the host once per key."""
    full = (*key, dtype, device)
    t = _CONSTS.get(full)
    if t is None:
        t = _CONSTS[full] = Tensor.from_numpy(np.asarray(build()), dtype, device)
    return t


def _check_float(x: Tensor, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} expects a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point tensor, got {x.dtype.name}")


# -- softmax / log_softmax ------------------------------------------------------------
class _Softmax(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, log: bool) -> Tensor:
        xr, d = _to_rows(x, dim)
        cols = xr.shape[-1] if xr.ndim else 1
        rows = xr.size // max(cols, 1)
        y = Tensor.empty(xr.shape, x.dtype, x.device)
        if xr.size:
            launch(x.device, _kernel(x.device, "softmax", x.dtype, log=log), (rows,), None,
                   [y._storage.buf, xr._storage.buf, xr.offset, rows, cols])
        ctx.save_for_backward(y)
        ctx.d, ctx.log, ctx.ndim = d, log, x.ndim
        return _from_rows(y, d, x.ndim)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        (y,) = ctx.saved_tensors
        gr, _ = _to_rows(g, ctx.d)
        cols = y.shape[-1] if y.ndim else 1
        rows = y.size // max(cols, 1)
        gx = Tensor.empty(y.shape, y.dtype, y.device)
        if y.size:
            launch(y.device, _kernel(y.device, "softmax_bw", y.dtype, log=ctx.log), (rows,), None,
                   [gx._storage.buf, gr._storage.buf, gr.offset, y._storage.buf, rows, cols])
        return _from_rows(gx, ctx.d, ctx.ndim), None, None


def softmax(input: Tensor, dim: int = -1, dtype: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """exp(x) / sum(exp(x)) along dim, in one fused pass per row."""
    _check_float(input, "softmax")
    if dtype is not None:
        input = F.cast(input, _dt.as_dtype(dtype))
    return _Softmax.apply(input, dim, False)


def log_softmax(input: Tensor, dim: int = -1, dtype: Any = None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along dim, in one fused pass per row."""
    _check_float(input, "log_softmax")
    if dtype is not None:
        input = F.cast(input, _dt.as_dtype(dtype))
    return _Softmax.apply(input, dim, True)


# -- activations ----------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return F._ewr("relu", input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return F._ewr("gelu" if approximate == "none" else "gelu_tanh", input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return F._ewr("silu", input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return F._ewr("sigmoid", input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return F._ewr("tanh", input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's linear tail)."""
    if beta == 1.0 and threshold == 20.0:
        return F._ewr("softplus", input)
    bx = input * float(beta)
    return _where(bx > float(threshold), input, F._ewr("softplus", bx) * (1.0 / beta))


class _Hardtanh(Function):
    """clamp(x, lo, hi) whose gradient passes only strictly inside (lo, hi), like PyTorch's hardtanh."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, lo: float, hi: float) -> Tensor:
        ctx.save_for_backward(x)
        ctx.lims = (lo, hi)
        return _ewops.ew("clamp", x, lo, hi)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        (x,) = ctx.saved_tensors
        lo, hi = ctx.lims
        return F._ewr("mask_lt", F._ewr("mask_gt", g, x, lo), x, hi), None, None


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x clamped to [min_val, max_val]."""
    _check_float(input, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    return _Hardtanh.apply(input, float(min_val), float(max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """0 below -3, 1 above 3, x / 6 + 1 / 2 between."""
    return hardtanh(input * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return input * hardsigmoid(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x above 0, alpha (exp(x) - 1) below (exp of min(x, 0), so no overflow in either branch)."""
    return F._ewr("relu", input) + _expm1(F._ewr("minimum", input, 0.0)) * float(alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return elu(input, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    return F._ewr("relu", input) + _expm1(F._ewr("minimum", input, 0.0) * (1.0 / alpha)) * float(alpha)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x tanh(softplus(x))."""
    return input * F._ewr("tanh", F._ewr("softplus", input))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -F._ewr("softplus", -input)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    return input / (F._ewr("abs", input) + 1.0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x where x > 0, else weight * x, weight of 1 or C (the channel dim 1) elements."""
    w = weight
    if weight.size != 1:
        if input.ndim < 2 or input.shape[1] != weight.size:
            raise ValueError(f"prelu: weight of {weight.size} elements does not match the channels of input "
                             f"of shape {input.shape}")
        w = F.reshape(weight, (1, weight.size) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        w = F.reshape(weight, ())
    return _where(input > 0.0, input, input * w)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > threshold, else value."""
    return _where(input > float(threshold), input, float(value))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    return _where(F._ewr("abs", input) > float(lambd), input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    return F._ewr("relu", input - float(lambd)) - F._ewr("relu", -input - float(lambd))


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    return input - F._ewr("tanh", input)


def softmin(input: Tensor, dim: int = -1, dtype: Any = None) -> Tensor:  # noqa: A002
    """softmax(-x) along dim."""
    return softmax(-input, dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b) for the two halves a, b of input along dim."""
    d = normalize_axis(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise ValueError(f"glu: dimension {dim} of input shape {input.shape} must have an even size")
    head = (slice(None),) * d
    return input[head + (slice(0, n // 2),)] * F._ewr("sigmoid", input[head + (slice(n // 2, n),)])


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    d = F._ewr("abs", x1 - x2 + float(eps))
    if p == 2.0:
        return F._ewr("sqrt", (d * d).sum(dim=-1, keepdim=keepdim))
    return (d ** float(p)).sum(dim=-1, keepdim=keepdim) ** (1.0 / p)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = int(upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: {c} channels are not divisible by upscale_factor^2 = {r * r}")
    k = len(lead)
    x = F.reshape(input, (*lead, c // (r * r), r, r, h, w))
    x = F.permute(x, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return F.reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = int(downscale_factor)
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: spatial size {(h, w)} is not divisible by downscale_factor {r}")
    k = len(lead)
    x = F.reshape(input, (*lead, c, h // r, r, w // r, r))
    x = F.permute(x, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return F.reshape(x, (*lead, c * r * r, h // r, w // r))


def _expm1(x: Tensor) -> Tensor:
    return _ew.apply("expm1", x)


def _where(cond: Tensor, a: Any, b: Any) -> Tensor:
    from ..autograd.indexing import where

    return where(cond, a, b)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    return F._ewr("leaky_relu", input, float(negative_slope))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:  # noqa: A002
    """x / max(||x||_p along dim, eps)."""
    _check_float(input, "normalize")
    if p == 2.0:
        n = F._ewr("sqrt", (input * input).sum(dim=dim, keepdim=True))
    else:
        n = (F._ewr("abs", input) ** float(p)).sum(dim=dim, keepdim=True) ** (1.0 / p)
    return input / F._ewr("maximum", n, float(eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along dim (each norm clamped below at eps)."""
    return (normalize(x1, 2.0, dim, eps) * normalize(x2, 2.0, dim, eps)).sum(dim=dim)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """input @ weight.T + bias."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(f"linear: input of shape {input.shape} does not match weight of shape {weight.shape}")
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-d (out_features, in_features), got shape {weight.shape}")
    if bias is not None and bias.shape not in ((weight.shape[0],), ()):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}")
    return F.linear(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero elements with probability p and scale the rest by 1 / (1 - p) (Philox mask)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    from ..random import dropout_mask

    return input * dropout_mask(input.shape, p, input.dtype, input.device)


def _feature_dropout(input: Tensor, p: float, training: bool, nfeat: int) -> Tensor:  # noqa: A002
    """Dropout of whole feature maps: one mask value per leading (batch, channel) index of the first nfeat dims."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    from ..random import dropout_mask

    shape = input.shape[:nfeat] + (1,) * (input.ndim - nfeat)
    return input * dropout_mask(shape, p, input.dtype, input.device)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scaling the rest by 1 / (1 - p)."""
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d expects a 2-d or 3-d input, got shape {input.shape}")
    return _feature_dropout(input, p, training, input.ndim - 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of (N, C, H, W) (or (N, C, L), as PyTorch reads a 3-d input) with probability p."""
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expects a 3-d or 4-d input, got shape {input.shape}")
    return _feature_dropout(input, p, training, 2)


# -- padding --------------------------------------------------------------------------
def _pad_index(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    """Source positions along one axis of length n for PyTorch's reflect / replicate / circular padding."""
    j = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    j = np.abs(j)
    return np.where(j > n - 1, 2 * (n - 1) - j, j)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the trailing dims: pad = (last_lo, last_hi, second_last_lo, ...); negative amounts crop.

    mode 'constant' (value, default 0), 'reflect' (mirror without the edge), 'replicate' (repeat the edge),
    'circular' (wrap around); all differentiable.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad expects a Tensor, got {type(input).__name__}")
    pad = tuple(int(v) for v in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2 * ndim ({2 * input.ndim})")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"pad: value is only used with mode='constant', got mode={mode!r}")
    x = input
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if lo == 0 and hi == 0:
            continue
        n = x.shape[d]
        if mode == "constant":
            x = _pad_constant(x, d, lo, hi, 0.0 if value is None else value)
            continue
        if (mode == "reflect" and max(lo, hi) >= n) or (mode == "circular" and max(lo, hi) > n) or n == 0:
            raise ValueError(f"pad: {mode} padding ({lo}, {hi}) is too large for dimension {d} of size {n}")
        build = functools.partial(_pad_index, mode, n, lo, hi)
        idx = _const(("pad", mode, n, lo, hi), build, _dt.int64, x.device)
        x = index_select(x, d, idx)
    return x


def _pad_constant(x: Tensor, d: int, lo: int, hi: int, value: Any) -> Tensor:
    from ..ops.creation import full

    if lo < 0 or hi < 0:
        n = x.shape[d]
        x = x[(slice(None),) * d + (slice(max(-lo, 0), n - max(-hi, 0)),)]
        lo, hi = max(lo, 0), max(hi, 0)
    blocks = [full(x.shape[:d] + (k,) + x.shape[d + 1:], value, dtype=x.dtype, device=x.device) if k else None
              for k in (lo, hi)]
    parts = [t for t in (blocks[0], x, blocks[1]) if t is not None]
    return F.cat(parts, d) if len(parts) > 1 else x


# -- losses ---------------------------------------------------------------------------
def _reduce_loss(v: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return _mean(v)
    if reduction == "sum":
        return _reduce.reduce("sum", v, None, False, None)
    if reduction == "none":
        return v
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


class _CrossEntropy(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, target: Tensor, weight: Tensor, ignore_index: int, eps: float,
                reduction: str) -> Tensor:
        rows, cols = x.shape
        ct = _compute_dtype(x.dtype)
        loss = Tensor.empty((rows,), ct, x.device)
        valid = Tensor.empty((rows,), ct, x.device)
        if rows:
            launch(x.device, _kernel(x.device, "xent", x.dtype), (rows,), None,
                   [loss._storage.buf, valid._storage.buf, x._storage.buf, x.offset, target._storage.buf,
                    target.offset, weight._storage.buf, rows, cols, ignore_index, eps])
        ctx.save_for_backward(x, target, weight)
        ctx.args = (ignore_index, eps, reduction)
        if reduction == "none":
            ctx.count = weight  # unread: 'none' scales by g alone
            return _ew.astype(loss, x.dtype, copy=False)
        out = Tensor.empty((), x.dtype, x.device)
        ctx.count = Tensor.empty((1,), ct, x.device)
        launch(x.device, _kernel(x.device, "xent_reduce", x.dtype), (1,), None,
               [out._storage.buf, ctx.count._storage.buf, loss._storage.buf, valid._storage.buf, rows,
                int(reduction == "mean")])
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, target, weight = ctx.saved_tensors
        ignore_index, eps, reduction = ctx.args
        rows, cols = x.shape
        g = _ew.contiguous(_ew.astype(g, x.dtype, copy=False))
        gx = Tensor.empty(x.shape, x.dtype, x.device)
        if rows:
            launch(x.device, _kernel(x.device, "xent_bw", x.dtype), (rows,), None,
                   [gx._storage.buf, x._storage.buf, x.offset, target._storage.buf, target.offset,
                    weight._storage.buf, g._storage.buf, g.offset, 1 if reduction == "none" else 0,
                    ctx.count._storage.buf, int(reduction == "mean"), rows, cols, ignore_index, eps])
        return gx, None, None, None, None, None


def _class_rows(input: Tensor, target: Tensor, what: str) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Scores (C,), (N, C) or (N, C, d1, ...) and class indices as rows (M, C) and targets (M,) of int64."""
    if not isinstance(target, Tensor) or target.dtype.kind not in "iu":
        raise TypeError(f"{what}: target must be a tensor of class indices (int64)"
                        + (" or of class probabilities (float)" if what == "cross_entropy" else ""))
    if input.ndim == 1:
        input, target = F.unsqueeze(input, 0), F.reshape(target, (1,))
    if input.ndim > 2:
        # (N, C, d...) -> (N * d..., C)
        c = input.shape[1]
        if target.shape != (input.shape[0],) + input.shape[2:]:
            raise ValueError(f"{what}: target of shape {target.shape} does not match input of shape {input.shape}")
        input = F.reshape(F.permute(input, (0, *range(2, input.ndim), 1)), (-1, c))
        target = F.reshape(target, (-1,))
    if target.shape != (input.shape[0],):
        raise ValueError(f"{what}: target of shape {target.shape} does not match input of shape {input.shape}")
    return input, _ew.astype(target, _dt.int64, copy=False)


def _class_weights(weight: Any, c: int, dtype: _dt.DType, device: Any, what: str) -> Tensor:
    """Class weights (C,) in the compute type, contiguous; ones when weight is None."""
    if weight is None:
        return _const(("ones", c), lambda: np.ones(c), dtype, device)
    if not isinstance(weight, Tensor) or weight.shape != (c,):
        raise ValueError(f"{what}: weight must be a tensor of shape ({c},), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    w = _ew.astype(F.detach(weight), dtype, copy=False)
    # NOTE: the kernels read the weights from element 0 of their buffer: views get a fresh copy.
    return w if w.offset == 0 and w.is_contiguous() else _ew.astype(w, dtype, copy=True)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices, fused per row.

    With class weights, 'mean' divides by the summed weights of the non-ignored targets (PyTorch's rule),
    label smoothing included.
    """
    _check_float(input, "cross_entropy")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        return _cross_entropy_probs(input, target, weight, reduction, float(label_smoothing))
    shape = input.shape
    input, target = _class_rows(input, target, "cross_entropy")
    w = _class_weights(weight, input.shape[1], _compute_dtype(input.dtype), input.device, "cross_entropy")
    x = _ew.contiguous(input) if input._ag is None else input.contiguous()
    out = _CrossEntropy.apply(x, _ew.contiguous(target), w, int(ignore_index), float(label_smoothing), reduction)
    if reduction == "none" and len(shape) != 2:
        out = F.reshape(out, (shape[0],) + shape[2:] if len(shape) > 2 else ())
    return out


def _cross_entropy_probs(x: Tensor, target: Tensor, weight: Tensor | None, reduction: str, eps: float) -> Tensor:
    """Cross-entropy against class probabilities (same shape as x, classes on dim 1 or the only dim), PyTorch's
    rule: -sum_c w_c t_c log_softmax(x)_c, 'mean' over the non-class positions (not over weights)."""
    if target.shape != x.shape:
        raise ValueError(f"cross_entropy: probability target of shape {target.shape} does not match input of shape "
                         f"{x.shape}")
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    t = target * (1.0 - eps) + eps / c if eps else target
    v = log_softmax(x, cdim) * t
    if weight is not None:
        v = v * F.reshape(weight, (c,) + (1,) * (x.ndim - cdim - 1))
    return _reduce_loss(-v.sum(dim=cdim), reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,  # noqa: A002
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) or (N, C, d1, ...) at class indices.

    With class weights, 'mean' divides by the summed weights of the non-ignored targets, like PyTorch.
    """
    _check_float(input, "nll_loss")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    shape = input.shape
    x, t = _class_rows(input, target, "nll_loss")
    c = x.shape[1]
    # NOTE: -x[t] as a one-hot product so every input (not only log-probabilities) matches PyTorch;
    # ignored rows get weight 0.
    onehot = one_hot(t, c).astype(x.dtype)
    keep = _ew.astype(F.RAW_RUN(_ne_op(), (t, ignore_index)), x.dtype)
    wt = keep if weight is None else keep * F.matmul(onehot, _class_weights(weight, c, x.dtype, x.device, "nll_loss"))
    picked = -(x * onehot).sum(dim=1) * wt
    if reduction == "mean":
        return picked.sum() / wt.sum()
    if reduction == "none" and len(shape) != 2:
        picked = F.reshape(picked, (shape[0],) + shape[2:] if len(shape) > 2 else ())
    return _reduce_loss(picked, reduction)


def _ne_op() -> Any:
    from ..ops.elementwise import ElementwiseOp

    return ElementwiseOp("_nn_not_equal", 2, "compare", "a != b", "iu")


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices (last axis num_classes)."""
    from ..ops.creation import arange
    from ..ops.elementwise import ElementwiseOp

    if num_classes < 0:
        num_classes = int(tensor.numpy().max()) + 1
    cls = arange(num_classes, device=tensor.device)
    eq = ElementwiseOp("_nn_eq_int", 2, "numeric", "(a == b ? 1 : 0)", "iu")
    t = _ew.astype(tensor, _dt.int64, copy=False)
    return F.RAW_RUN(eq, (F.unsqueeze(t, -1), cls))


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    d = input - target
    return _reduce_loss(d * d, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
            reduction: str = "mean") -> Tensor:
    return _reduce_loss(F._ewr("abs", input - target), reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Any = None, size_average: Any = None,  # noqa: A002
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100 like PyTorch."""
    lx = F._ewr("maximum", F._ewr("log", input), -100.0)
    l1x = F._ewr("maximum", F._ewr("log", 1.0 - input), -100.0)
    v = -(target * lx + (1.0 - target) * l1x)
    if weight is not None:
        v = v * weight
    return _reduce_loss(v, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits, PyTorch's formula: (1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x)).

    NOTE: softplus is the stable log1p(exp(.)) with a smooth derivative, so a logit of exactly 0 (a
    zero-initialised head) gets sigmoid(0) - t like PyTorch, not the one-sided slope of |x|.
    """
    sp = F._ewr("softplus", -input)
    if pos_weight is None:
        v = (1.0 - target) * input + sp
    else:
        v = (1.0 - target) * input + ((pos_weight - 1.0) * target + 1.0) * sp
    if weight is not None:
        v = v * weight
    return _reduce_loss(v, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL divergence t (log t - x) of log-probabilities x (0 where t = 0); 'batchmean' divides the sum
    by the batch size (the true KL divergence per sample)."""
    if log_target:
        v = F._ewr("exp", target) * (target - input)
    else:
        v = _where(target > 0.0, target * F._ewr("log", F._ewr("maximum", target, 1e-38)), 0.0) - target * input
    if reduction == "batchmean":
        return _reduce_loss(v, "sum") * (1.0 / (input.shape[0] if input.ndim else 1))
    return _reduce_loss(v, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is l1_loss."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    a = F._ewr("abs", input - target)
    if beta == 0:
        return _reduce_loss(a, reduction)
    q = F._ewr("minimum", a, float(beta))
    return _reduce_loss(q * q * (0.5 / beta) + (a - q), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    a = F._ewr("abs", input - target)
    q = F._ewr("minimum", a, float(delta))
    v = q * q * 0.5 + (a - q) * float(delta)
    if weight is not None:
        v = v * weight
    return _reduce_loss(v, reduction)


# -- layer norm -----------------------------------------------------------------------
class _Normalize(Function):
    """(x - mean) * rstd over the trailing ``cols`` elements of each row."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, cols: int, eps: float) -> Tensor:
        xc = _ew.contiguous(x)
        rows = xc.size // max(cols, 1)
        ct = _compute_dtype(x.dtype)
        y = Tensor.empty(x.shape, x.dtype, x.device)
        mean = Tensor.empty((rows,), ct, x.device)
        rstd = Tensor.empty((rows,), ct, x.device)
        if rows:
            launch(x.device, _kernel(x.device, "layernorm", x.dtype), (rows,), None,
                   [y._storage.buf, mean._storage.buf, rstd._storage.buf, xc._storage.buf, xc.offset, rows, cols,
                    eps])
        ctx.save_for_backward(y, rstd)
        ctx.cols = cols
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        y, rstd = ctx.saved_tensors
        gc = _ew.contiguous(g)
        rows = y.size // max(ctx.cols, 1)
        gx = Tensor.empty(y.shape, y.dtype, y.device)
        if rows:
            launch(y.device, _kernel(y.device, "layernorm_bw", y.dtype), (rows,), None,
                   [gx._storage.buf, gc._storage.buf, gc.offset, y._storage.buf, rstd._storage.buf, rows, ctx.cols])
        return gx, None, None


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing normalized_shape dims, then scale and shift."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(ns):]) != ns:
        raise ValueError(f"layer_norm: normalized_shape {ns} does not match the end of input shape {input.shape}")
    y = _Normalize.apply(input, math.prod(ns), float(eps))
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


# -- embedding and row gathers --------------------------------------------------------
class _IndexSelect0(Function):
    """Rows x[idx]; backward scatter-adds into the rows, except rows equal to ``skip`` (embedding's padding_idx)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, idx: Tensor, skip: int | None = None) -> Tensor:
        xc = _ew.contiguous(x)
        n = idx.size
        cols = math.prod(x.shape[1:])
        out = Tensor.empty((n,) + x.shape[1:], x.dtype, x.device)
        if n and cols:
            ic = _ew.contiguous(idx)
            launch(x.device, _kernel(x.device, "gather_rows", x.dtype if x.dtype.itemsize != 2 else _dt.float16),
                   (n * cols,), None,
                   [out._storage.buf, xc._storage.buf, xc.offset, ic._storage.buf, ic.offset, n, cols, x.shape[0]])
        ctx.save_for_backward(idx)
        ctx.shape, ctx.skip = x.shape, skip
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        (idx,) = ctx.saved_tensors
        if ctx.skip is not None:
            # NOTE: index nrows matches no row of the scatter, so the padding row gets no gradient.
            idx = _where(_ew.apply("equal", idx, ctx.skip), ctx.shape[0], idx)
        return scatter_add_rows(g, idx, ctx.shape), None, None


def scatter_add_rows(g: Tensor, idx: Tensor, shape: tuple[int, ...]) -> Tensor:
    """out = zeros(shape); out[idx[i]] += g[i] (deterministic, no atomics)."""
    gc = _ew.contiguous(g)
    ic = _ew.contiguous(idx)
    cols = math.prod(shape[1:])
    out = Tensor.empty(shape, g.dtype, g.device)
    if out.size:
        launch(g.device, _kernel(g.device, "scatter_add_rows", g.dtype), (out.size,), None,
               [out._storage.buf, gc._storage.buf, gc.offset, ic._storage.buf, ic.offset, ic.size, cols, shape[0]])
    return out


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Rows (dim 0) or slices along dim picked by an integer index tensor."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"index_select: index must be an integer tensor, got {index.dtype.name}")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {index.shape}")
    d = normalize_axis(dim, input.ndim)
    idx = F.reshape(_ew.astype(index, _dt.int64, copy=False), (-1,))
    if d == 0:
        return _IndexSelect0.apply(input, idx)
    moved = F.transpose(input, 0, d)
    return F.transpose(_IndexSelect0.apply(moved, idx), 0, d)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, *args: Any,  # noqa: A002
              **kwargs: Any) -> Tensor:
    """weight[input]: rows of the embedding table for integer indices of any shape.

    The row padding_idx (if given) receives no gradient, like PyTorch.
    """
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {input.dtype.name}")
    idx = F.reshape(_ew.astype(input, _dt.int64, copy=False), (-1,))
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {n} rows")
        padding_idx %= n
    rows = _IndexSelect0.apply(weight, idx, padding_idx)
    return F.reshape(rows, input.shape + weight.shape[1:])


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v over (..., L, E) queries and (..., S, E) keys.

    A boolean attn_mask marks the pairs that take part (True = attend, PyTorch's SDPA convention; the opposite
    of MultiheadAttention's); a float one is added. is_causal lets query i see keys 0..i. enable_gqa shares
    each key/value head among query heads (dim -3).
    """
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    if key.shape[-1] != E or value.shape[-2] != S:
        raise ValueError(f"scaled_dot_product_attention: query {query.shape}, key {key.shape} and value "
                         f"{value.shape} do not agree")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal, not both")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    s = 1.0 / math.sqrt(E) if scale is None else scale
    att = F.matmul(query, F.transpose(key, -1, -2)) * s
    if is_causal:
        att = att + _causal_mask(L, S, att.dtype, att.device)
    if attn_mask is not None:
        if attn_mask.dtype.kind == "b":
            attn_mask = _where(attn_mask, 0.0, -math.inf)
        att = att + attn_mask
    p = softmax(att, -1)
    if dropout_p > 0:
        p = dropout(p, dropout_p, True)
    return F.matmul(p, value)


def _repeat_heads(t: Tensor, heads: int) -> Tensor:
    """(..., Hkv, S, E) -> (..., heads, S, E), each key/value head repeated heads / Hkv times in a row."""
    hkv = t.shape[-3]
    if heads % hkv:
        raise ValueError(f"scaled_dot_product_attention: {heads} query heads are not a multiple of {hkv} key heads")
    lead = t.shape[:-3]
    e = F.expand(F.unsqueeze(t, -3), lead + (hkv, heads // hkv) + t.shape[-2:])
    return F.reshape(e, lead + (heads,) + t.shape[-2:])


def _causal_mask(L: int, S: int, dtype: _dt.DType, device: Any) -> Tensor:
    """Additive (L, S) mask: -inf above the diagonal (query i sees keys 0..i)."""
    return _const(("causal", L, S), lambda: np.triu(np.full((L, S), -np.inf), 1), dtype, device)


__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "cosine_similarity", "cross_entropy",
    "dropout", "dropout1d", "dropout2d", "elu", "embedding", "gelu", "glu", "hardshrink", "hardsigmoid", "hardswish",
    "hardtanh", "huber_loss", "index_select", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "log_softmax", "logsigmoid", "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance",
    "pixel_shuffle", "pixel_unshuffle", "prelu", "relu", "relu6", "scaled_dot_product_attention", "selu", "sigmoid",
    "silu", "smooth_l1_loss", "softmax", "softmin", "softplus", "softshrink", "softsign", "tanh", "tanhshrink",
    "threshold",
]

# -- convolution and pooling (nn/conv.py) ---------------------------------------------
from .conv import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    max_pool1d,
    max_pool2d,
)

__all__ += ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
            "avg_pool2d", "conv1d", "conv2d", "max_pool1d", "max_pool2d"]

# -- batch / group norm (nn/normattn.py) ----------------------------------------------
from .normattn import batch_norm, group_norm, instance_norm  # noqa: E402

__all__ += ["batch_norm", "group_norm", "instance_norm"]

# -- resizing (nn/upsample.py) --------------------------------------------------------
from .upsample import interpolate  # noqa: E402

__all__ += ["interpolate"]

# -- transposed convolution (nn/convtranspose.py) -------------------------------------
from .convtranspose import conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: E402

__all__ += ["conv_transpose1d", "conv_transpose2d", "fold", "unfold"]
