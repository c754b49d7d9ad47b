"""batch_norm, group_norm, MultiheadAttention and TransformerEncoderLayer (PyTorch's names and parameters).

All composed from recorded ops (reductions, elementwise, matmul, the fused
layer-norm row kernel and softmax), so their gradients come from rules that
already exist.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import function as F
from ..autograd.engine import GRAD, no_grad
from ..autograd.function import Function
from ..dtypes import int64
from ..ops import elementwise as _ew
from ..ops.creation import zeros
from ..runtime.device import get_device
from ..runtime.launch import launch
from ..tensor import Tensor
from . import functional as nnf
from . import init
from .modules import Dropout, LayerNorm, Linear, Module, ModuleList, Parameter, _empty


# -- functional -----------------------------------------------------------------------
def _chan(t: Tensor, ndim: int) -> Tensor:
    """A per-channel vector (C,) shaped (1, C, 1, ...) to broadcast over (N, C, *)."""
    return F.reshape(t, (1, t.shape[0]) + (1,) * (ndim - 2))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) per channel: batch statistics when training (updating the running ones in place
    with the unbiased variance), else the running statistics."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C, *), got {input.shape}")
    nd, C = input.ndim, input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"batch_norm: {name} of shape {t.shape} does not match {C} channels")
    axes = (0,) + tuple(range(2, nd))
    if training:
        n = input.size // max(C, 1)
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of "
                             f"shape {input.shape}")
        if _fusable(input, running_mean, running_var, weight, bias):
            ones = nnf._const(("ones", C), lambda: np.ones(C), input.dtype, input.device)
            zeros = nnf._const(("zeros", C), lambda: np.zeros(C), input.dtype, input.device)
            return _BatchNormTrain.apply(input, ones if weight is None else weight, zeros if bias is None else bias,
                                         running_mean, running_var, 0.1 if momentum is None else float(momentum),
                                         float(eps))
        mean = input.mean(dim=axes, keepdim=True)
        xc = input - mean
        var = (xc * xc).mean(dim=axes, keepdim=True)
        y = xc * (var + eps) ** -0.5
        if running_mean is not None or running_var is not None:
            prev = GRAD.enabled
            GRAD.enabled = False
            try:
                m = 0.1 if momentum is None else float(momentum)
                if running_mean is not None:
                    running_mean.copy_(running_mean * (1.0 - m) + F.reshape(F.detach(mean), (C,)) * m)
                if running_var is not None:
                    uv = F.reshape(F.detach(var), (C,)) * (n / (n - 1))
                    running_var.copy_(running_var * (1.0 - m) + uv * m)
            finally:
                GRAD.enabled = prev
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        y = (input - _chan(running_mean, nd)) * _chan((running_var + eps) ** -0.5, nd)
    if weight is not None:
        y = y * _chan(weight, nd)
    if bias is not None:
        y = y + _chan(bias, nd)
    return y


def _fusable(x: Tensor, *others: Tensor | None) -> bool:
    """Whether the fused training kernels take these: one float dtype, per-channel tensors dense from offset 0,
    running statistics both given or both absent."""
    if x.dtype.kind != "f" or x.size == 0 or (others[0] is None) != (others[1] is None):
        return False
    return all(t is None or (t.dtype is x.dtype and t.offset == 0 and t.is_contiguous()) for t in others)


#: work-items per channel of the batch-norm statistics kernels (one work-group each).
_BN_WG = 64


class _BatchNormTrain(Function):
    """Training batch norm in fused kernels (templates/nn.cl.mako bn_*): per-channel statistics (and the running
    ones' update) by one work-group per channel, the normalisation and its gradient one element per work-item on
    an (S, C, N) grid."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor, running_mean: Tensor | None,
                running_var: Tensor | None, momentum: float, eps: float) -> Tensor:
        xc = _ew.contiguous(x)
        N, C = x.shape[:2]
        S = x.size // (N * C)
        ct = nnf._compute_dtype(x.dtype)
        mean, rstd = Tensor.empty((C,), ct, x.device), Tensor.empty((C,), ct, x.device)
        update = running_mean is not None
        rm, rv = (running_mean, running_var) if update else (xc, xc)
        dev = x.device
        launch(dev, nnf._kernel(dev, "bn_stats", x.dtype, WG=_BN_WG), (_BN_WG, C), (_BN_WG, 1),
               [mean._storage.buf, rstd._storage.buf, rm._storage.buf, rv._storage.buf, xc._storage.buf, xc.offset,
                N, C, S, eps, momentum, int(update)])
        y = Tensor.empty(x.shape, x.dtype, dev)
        launch(dev, nnf._kernel(dev, "bn_apply", x.dtype), (S, C, N), None,
               [y._storage.buf, xc._storage.buf, xc.offset, mean._storage.buf, rstd._storage.buf,
                weight._storage.buf, bias._storage.buf, N, C, S])
        ctx.save_for_backward(xc, mean, rstd, weight)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        xc, mean, rstd, weight = ctx.saved_tensors
        N, C = xc.shape[:2]
        S = xc.size // (N * C)
        gc = _ew.contiguous(g)
        dev, ct = xc.device, mean.dtype
        gw, gb = Tensor.empty((C,), ct, dev), Tensor.empty((C,), ct, dev)
        launch(dev, nnf._kernel(dev, "bn_bw_stats", xc.dtype, WG=_BN_WG), (_BN_WG, C), (_BN_WG, 1),
               [gw._storage.buf, gb._storage.buf, gc._storage.buf, gc.offset, xc._storage.buf, xc.offset,
                mean._storage.buf, rstd._storage.buf, N, C, S])
        gx = None
        if ctx.needs_input_grad[0]:
            gx = Tensor.empty(xc.shape, xc.dtype, dev)
            launch(dev, nnf._kernel(dev, "bn_bw_apply", xc.dtype), (S, C, N), None,
                   [gx._storage.buf, gc._storage.buf, gc.offset, xc._storage.buf, xc.offset, mean._storage.buf,
                    rstd._storage.buf, weight._storage.buf, gw._storage.buf, gb._storage.buf, N, C, S])
        dt = xc.dtype
        return gx, _ew.astype(gw, dt, copy=False), _ew.astype(gb, dt, copy=False), None, None, None, None


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over each group of C / num_groups channels (the fused layer-norm row kernel)."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {input.shape} cannot be split into {num_groups} groups")
    N, nd = input.shape[0], input.ndim
    cols = input.size // max(N * num_groups, 1)
    y = F.reshape(nnf._Normalize.apply(F.reshape(input, (N, num_groups, cols)), cols, float(eps)), input.shape)
    if weight is not None:
        y = y * _chan(weight, nd)
    if bias is not None:
        y = y + _chan(bias, nd)
    return y


# -- normalisation modules ------------------------------------------------------------
def _affine_params(m: Module, affine: bool, bias: bool, n: int, device: Any, dtype: Any) -> None:
    """weight (ones) and bias (zeros) of n channels when affine (bias only if bias), else None."""
    m.register_parameter("weight", Parameter(init.ones_(_empty((n,), device, dtype))) if affine else None)
    m.register_parameter("bias", Parameter(init.zeros_(_empty((n,), device, dtype))) if affine and bias else None)



class _BatchNorm(Module):
    _dims: tuple[int, ...] = (2, 3)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_params(self, affine, bias, num_features, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", init.zeros_(_empty((num_features,), device, dtype)))
            self.register_buffer("running_var", init.ones_(_empty((num_features,), device, dtype)))
            self.register_buffer("num_batches_tracked", zeros((), dtype=int64, device=get_device(device)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._dims:
            raise ValueError(f"{type(self).__name__} expects a {' or '.join(map(str, self._dims))}-d input, "
                             f"got shape {x.shape}")
        momentum = self.momentum
        if self.training and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked += 1
            if momentum is None:  # cumulative moving average, PyTorch's rule (reads the counter: one sync)
                momentum = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch, momentum,
                          self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, " \
               f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"


class BatchNorm1d(_BatchNorm):
    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    _dims = (4,)


class GroupNorm(Module):
    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels {num_channels} must be divisible by num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine_params(self, affine, bias, num_channels, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, " \
               f"bias={self.bias is not None}"


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,  # noqa: A002
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over each sample's channel separately (group_norm with one channel per group)."""
    if not use_input_stats or running_mean is not None or running_var is not None:
        raise NotImplementedError("instance_norm: running statistics (track_running_stats) are not supported")
    if input.ndim < 3:
        raise ValueError(f"instance_norm expects input of shape (N, C, *), got {input.shape}")
    return group_norm(input, input.shape[1], weight, bias, eps)


class _InstanceNorm(Module):
    _dims: tuple[int, ...] = (3,)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if track_running_stats:
            raise NotImplementedError(f"{type(self).__name__}: track_running_stats=True is not supported")
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.track_running_stats = False
        _affine_params(self, affine, bias, num_features, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == self._dims[0] - 1:  # unbatched (C, *)
            return F.squeeze(self.forward(F.unsqueeze(x, 0)), 0)
        if x.ndim not in self._dims:
            raise ValueError(f"{type(self).__name__} expects a {self._dims[0]}-d input, got shape {x.shape}")
        return instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, " \
               f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"


class InstanceNorm1d(_InstanceNorm):
    _dims = (3,)


class InstanceNorm2d(_InstanceNorm):
    _dims = (4,)


# -- attention ------------------------------------------------------------------------
def _additive(mask: Tensor | None, dtype: Any) -> Tensor | None:
    """A boolean mask (True = not allowed) as an additive float mask; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype.kind == "b":
        return mask.astype(dtype) * -1e30 if dtype.itemsize >= 4 else mask.astype(dtype) * -6e4
    return mask


class MultiheadAttention(Module):
    """PyTorch's MultiheadAttention (packed in_proj_weight/in_proj_bias, out_proj; same embed dim for q/k/v)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_empty((3 * embed_dim, embed_dim), device, dtype))
            init.xavier_uniform_(self.in_proj_weight)
        else:
            # NOTE: PyTorch's names and order when key/value dims differ: separate projections, no in_proj_weight.
            for name, n_in in (("q_proj_weight", embed_dim), ("k_proj_weight", self.kdim),
                               ("v_proj_weight", self.vdim)):
                self.register_parameter(name, Parameter(init.xavier_uniform_(_empty((embed_dim, n_in), device,
                                                                                    dtype))))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_empty((3 * embed_dim,), device, dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (F.unsqueeze(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = F.unsqueeze(key_padding_mask, 0)
        elif self.batch_first:
            query, key, value = (F.transpose(t, 0, 1) for t in (query, key, value))
        # (L, N, E) from here
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim:
            raise ValueError(f"MultiheadAttention: query embedding {E} != embed_dim {self.embed_dim}")
        h, hd = self.num_heads, self.head_dim
        w, b = self.in_proj_weight, self.in_proj_bias
        ws = [w[i * E:(i + 1) * E] for i in range(3)] if self._qkv_same_embed_dim else \
            [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]
        bs = [None if b is None else b[i * E:(i + 1) * E] for i in range(3)]
        q, k, v = (nnf.linear(t, ws[i], bs[i]) for i, t in enumerate((query, key, value)))

        def heads(t: Tensor, n: int) -> Tensor:  # (n, N, E) -> (N, h, n, hd)
            return F.permute(F.reshape(t, (n, N, h, hd)), (1, 2, 0, 3))

        q, k, v = heads(q, L), heads(k, S), heads(v, S)
        att = F.matmul(q, F.transpose(k, -1, -2)) * (1.0 / math.sqrt(hd))
        mask = _additive(attn_mask, att.dtype)
        if mask is not None:
            att = att + (F.reshape(mask, (N, h, L, S)) if mask.ndim == 3 else mask)
        elif is_causal:
            att = att + nnf._causal_mask(L, S, att.dtype, att.device)
        kpm = _additive(key_padding_mask, att.dtype)
        if kpm is not None:
            att = att + F.reshape(kpm, (N, 1, 1, S))
        p = nnf.softmax(att, -1)
        pd = nnf.dropout(p, self.dropout, self.training) if self.dropout > 0 else p
        o = F.matmul(pd, v)  # (N, h, L, hd)
        o = F.reshape(F.permute(o, (2, 0, 1, 3)), (L, N, E))
        o = self.out_proj(o)
        if unbatched:
            o = F.squeeze(o, 1)
        elif self.batch_first:
            o = F.transpose(o, 0, 1)
        weights = None
        if need_weights:
            weights = p.mean(dim=1) if average_attn_weights else p
            if unbatched:
                weights = F.squeeze(weights, 0)
        return o, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"


_ACTS: dict[str, Callable[[Tensor], Tensor]] = {"relu": nnf.relu, "gelu": nnf.gelu}


def _activation(activation: Any) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation not in _ACTS:
            raise ValueError(f"activation should be relu/gelu, not {activation}")
        return _ACTS[activation]
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual and LayerNorm (post- or pre-norm)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        y = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(y)

    def _ff(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff(self.norm2(x))
        else:
            x = self.norm1(x + self._sa(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff(x))
        return x


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn, then an optional final norm (PyTorch's keys)."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return self.norm(x) if self.norm is not None else x


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's memory and a feed-forward block, each with a residual and
    LayerNorm (post- or pre-norm); PyTorch's parameter names."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                                 **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1, self.norm2, self.norm3 = (LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
                                              for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = Dropout(dropout), Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)

    def _sa(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        y = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(y)

    def _mha(self, x: Tensor, mem: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        y = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=kpm, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(y)

    def _ff(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff(self.norm3(x))
        else:
            x = self.norm1(x + self._sa(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff(x))
        return x


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer applied in turn, then an optional final norm."""

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                      bool(tgt_is_causal), memory_is_causal)
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """PyTorch's encoder-decoder Transformer (final LayerNorms on both stacks, xavier-initialised matrices)."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: Any = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        kw = dict(activation=activation, layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                  norm_first=norm_first, bias=bias, device=device, dtype=dtype)
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, **kw), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, **kw), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, device=device, dtype=dtype))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                            tgt_is_causal, memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """(sz, sz) additive causal mask: 0 on and below the diagonal, -inf above."""
        from .. import dtypes as _dt

        dt = _dt.default_float if dtype is None else _dt.as_dtype(dtype)
        return Tensor.from_numpy(np.triu(np.full((sz, sz), -np.inf), 1), dt, get_device(device))


__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "MultiheadAttention",
           "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer", "batch_norm", "group_norm", "instance_norm"]
