"""nn.functional: activations, fused row ops, losses, embedding, dropout (PyTorch's names).

Fused kernels live in templates/nn.cl.mako; each Function here keeps its
forward and backward side by side.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
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


def softplus(input: Tensor) -> Tensor:  # noqa: A002
    return F._ewr("softplus", input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    return F._ewr("leaky_relu", input, float(negative_slope))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """input @ weight.T + bias."""
    if input.shape[-1:] != weight.shape[-1:]:
        raise ValueError(f"linear: input of shape {input.shape} does not match weight of shape {weight.shape}")
    out = F.matmul(input, F.transpose(weight, 0, 1))
    return out if bias is None else out + bias


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
    def forward(ctx: Any, x: Tensor, target: Tensor, ignore_index: int, eps: float, reduction: str) -> Tensor:
        rows, cols = x.shape
        ct = _compute_dtype(x.dtype)
        loss = Tensor.empty((rows,), ct, x.device)
        valid = Tensor.empty((rows,), ct, x.device)
        if rows:
            launch(x.device, _kernel(x.device, "xent", x.dtype), (rows,), None,
                   [loss._storage.buf, valid._storage.buf, x._storage.buf, x.offset, target._storage.buf,
                    target.offset, rows, cols, ignore_index, eps])
        ctx.save_for_backward(x, target)
        ctx.args = (ignore_index, eps, reduction)
        if reduction == "none":
            return _ew.astype(loss, x.dtype, copy=False)
        total = F.RAW_REDUCE("sum", loss, None, False, None)
        if reduction == "sum":
            ctx.count = None
            return _ew.astype(total, x.dtype, copy=False)
        ctx.count = F.RAW_REDUCE("sum", valid, None, False, None)
        return _ew.astype(F.RAW_RUN(_ew.ELEMENTWISE["divide"], (total, ctx.count)), x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, target = ctx.saved_tensors
        ignore_index, eps, reduction = ctx.args
        rows, cols = x.shape
        ct = _compute_dtype(x.dtype)
        g = _ew.astype(g, ct, copy=False)
        if reduction == "mean":
            g = g / ctx.count
        g = _ew.contiguous(g)
        gx = Tensor.empty(x.shape, x.dtype, x.device)
        if rows:
            launch(x.device, _kernel(x.device, "xent_bw", x.dtype), (rows,), None,
                   [gx._storage.buf, x._storage.buf, x.offset, target._storage.buf, target.offset,
                    g._storage.buf, g.offset, 1 if reduction == "none" else 0, rows, cols, ignore_index, eps])
        return gx, None, None, None, None


def cross_entropy(input: Tensor, target: Tensor, weight: Any = None, size_average: Any = None,  # noqa: A002
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices, fused per row."""
    _check_float(input, "cross_entropy")
    if weight is not None:
        raise NotImplementedError("cross_entropy: class weights are not supported yet")
    if not isinstance(target, Tensor) or target.dtype.kind not in "iu":
        raise TypeError("cross_entropy: target must be a tensor of class indices (int64); probability targets "
                        "are not supported yet")
    if input.ndim == 1:
        input, target = F.unsqueeze(input, 0), F.reshape(target, (1,))
    if input.ndim > 2:
        # (N, C, d...) -> (N * d..., C)
        c = input.shape[1]
        perm = (0, *range(2, input.ndim), 1)
        input = F.reshape(F.permute(input, perm), (-1, c))
        target = F.reshape(target, (-1,))
    if target.shape != (input.shape[0],):
        raise ValueError(f"cross_entropy: target of shape {target.shape} does not match input of shape "
                         f"{input.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    x = _ew.contiguous(input) if input._ag is None else input.contiguous()
    t = _ew.contiguous(target)
    if t.dtype is not _dt.int64:
        t = _ew.astype(t, _dt.int64)
    return _CrossEntropy.apply(x, t, int(ignore_index), float(label_smoothing), reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Any = None, size_average: Any = None,  # noqa: A002
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) at class indices."""
    if weight is not None:
        raise NotImplementedError("nll_loss: class weights are not supported yet")
    # NOTE: cross_entropy(logp) == nll(logp) when logp rows are log-probabilities (logsumexp = 0);
    # compute it exactly as -logp[t] via a one-hot product so arbitrary inputs match PyTorch too.
    n, c = input.shape[0], input.shape[1]
    onehot = one_hot(target, c).astype(input.dtype)
    keep = F.RAW_RUN(_ne_op(), (target, ignore_index))
    keep_f = _ew.astype(keep, input.dtype)
    picked = -(input * onehot).sum(dim=1) * keep_f
    if reduction == "mean":
        return picked.sum() / keep_f.sum()
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


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Any = None,  # noqa: A002
                                     size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Stable BCE on logits: max(x, 0) - x t + log(1 + exp(-|x|))."""
    if pos_weight is not None:
        raise NotImplementedError("binary_cross_entropy_with_logits: pos_weight is not supported yet")
    v = F._ewr("relu", input) - input * target + F._ewr("softplus", -F._ewr("abs", input))
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
    @staticmethod
    def forward(ctx: Any, x: Tensor, idx: Tensor) -> Tensor:
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
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        (idx,) = ctx.saved_tensors
        return scatter_add_rows(g, idx, ctx.shape), None


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
    """weight[input]: rows of the embedding table for integer indices of any shape."""
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {input.dtype.name}")
    idx = F.reshape(_ew.astype(input, _dt.int64, copy=False), (-1,))
    rows = _IndexSelect0.apply(weight, idx)
    return F.reshape(rows, input.shape + weight.shape[1:])


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None
                                 ) -> Tensor:
    """softmax(q k^T * scale + mask) v; is_causal masks future positions."""
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    s = 1.0 / math.sqrt(E) if scale is None else scale
    att = F.matmul(query, F.transpose(key, -1, -2)) * s
    if is_causal:
        att = att + _causal_mask(L, S, att.dtype, att.device)
    if attn_mask is not None:
        if attn_mask.dtype.kind == "b":
            raise NotImplementedError("boolean attn_mask: pass an additive float mask (0 / -inf)")
        att = att + attn_mask
    p = softmax(att, -1)
    if dropout_p > 0:
        p = dropout(p, dropout_p, True)
    return F.matmul(p, value)


_MASKS: dict[Any, Tensor] = {}


def _causal_mask(L: int, S: int, dtype: _dt.DType, device: Any) -> Tensor:
    key = (L, S, dtype, device)
    m = _MASKS.get(key)
    if m is None:
        import numpy as np

        host = np.triu(np.full((L, S), -np.inf, dtype=np.float64), 1)
        m = Tensor.from_numpy(host, dtype, device)
        _MASKS[key] = m
    return m


__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "embedding", "gelu",
    "index_select", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "mse_loss", "nll_loss",
    "one_hot", "relu", "scaled_dot_product_attention", "sigmoid", "silu", "softmax", "softplus", "tanh",
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
from .normattn import batch_norm, group_norm  # noqa: E402

__all__ += ["batch_norm", "group_norm"]
