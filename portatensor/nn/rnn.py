"""Recurrent layers: RNN, LSTM, GRU and their cells, with PyTorch's parameter names, gate order and shapes.

The input projections of all time steps are one matmul per layer and
direction; the recurrence is a Python loop over time of recorded ops (one
matmul and a few elementwise kernels per step), so every gradient comes from
rules that already exist. A PackedSequence input (nn.utils.rnn) runs padded
with a per-step mask that keeps finished sequences' states.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import function as F
from ..autograd.indexing import where
from ..ops.creation import asarray
from ..tensor import Tensor
from . import functional as nnf
from . import init
from .modules import Module, Parameter, _empty

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell(mode: str, xp: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor | None
          ) -> tuple[Tensor, Tensor | None]:
    """One time step from the input projection xp = x W_ih^T + b_ih: the new (h, c) (c only for LSTM)."""
    gh = nnf.linear(h, w_hh, b_hh)
    H = h.shape[-1]
    if mode == "LSTM":
        g = xp + gh
        i, f, u, o = (g[:, k * H:(k + 1) * H] for k in range(4))
        c = nnf.sigmoid(f) * c + nnf.sigmoid(i) * nnf.tanh(u)
        return nnf.sigmoid(o) * nnf.tanh(c), c
    if mode == "GRU":
        r = nnf.sigmoid(xp[:, :H] + gh[:, :H])
        z = nnf.sigmoid(xp[:, H:2 * H] + gh[:, H:2 * H])
        n = nnf.tanh(xp[:, 2 * H:] + r * gh[:, 2 * H:])
        return n + z * (h - n), None
    pre = xp + gh
    return (nnf.tanh(pre) if mode == "RNN_TANH" else nnf.relu(pre)), None


class RNNBase(Module):
    """Multi-layer, optionally bidirectional recurrence over (T, N, input_size) (or batch_first (N, T, ...))."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if proj_size:
            raise NotImplementedError(f"{type(self).__name__}: proj_size is not supported")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be in [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"hidden_size ({hidden_size}) and num_layers ({num_layers}) must be positive")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, float(dropout), bidirectional
        self.proj_size = 0
        gh = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            for sfx in ("", "_reverse")[:dirs]:
                n_in = input_size if layer == 0 else hidden_size * dirs
                self.register_parameter(f"weight_ih_l{layer}{sfx}", Parameter(_empty((gh, n_in), device, dtype)))
                self.register_parameter(f"weight_hh_l{layer}{sfx}", Parameter(_empty((gh, hidden_size), device,
                                                                                      dtype)))
                if bias:
                    self.register_parameter(f"bias_ih_l{layer}{sfx}", Parameter(_empty((gh,), device, dtype)))
                    self.register_parameter(f"bias_hh_l{layer}{sfx}", Parameter(_empty((gh,), device, dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def flatten_parameters(self) -> None:
        """A no-op (PyTorch packs cuDNN weights here)."""

    def _params(self, layer: int, reverse: bool) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        sfx = f"l{layer}{'_reverse' if reverse else ''}"
        p = self._parameters
        return p[f"weight_ih_{sfx}"], p[f"weight_hh_{sfx}"], p.get(f"bias_ih_{sfx}"), p.get(f"bias_hh_{sfx}")

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:  # noqa: A002
        from .utils.rnn import PackedSequence

        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        return self._forward(input, hx, None)

    def _forward_packed(self, packed: Any, hx: Any) -> tuple[Any, Any]:
        """Run on a PackedSequence: padded steps keep each sequence's state; hx and h_n are in the caller's order."""
        from ..autograd.indexing import index_select
        from .utils.rnn import _pack_sorted, _unpack_sorted

        x, lengths = _unpack_sorted(packed)
        reorder = (lambda t, idx: t) if packed.sorted_indices is None else (lambda t, idx: index_select(t, 1, idx))
        if hx is not None:
            hx = tuple(reorder(h, packed.sorted_indices) for h in hx) if isinstance(hx, tuple) else \
                reorder(hx, packed.sorted_indices)
        batch_first, self.batch_first = self.batch_first, False
        try:
            out, state = self._forward(x, hx, lengths)
        finally:
            self.batch_first = batch_first
        if isinstance(state, tuple):
            state = tuple(reorder(h, packed.unsorted_indices) for h in state)
        else:
            state = reorder(state, packed.unsorted_indices)
        return _pack_sorted(out, packed), state

    def _forward(self, input: Tensor, hx: Any, lengths: Any) -> tuple[Tensor, Any]:  # noqa: A002
        lstm = self.mode == "LSTM"
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__} expects a 2-d (unbatched) or 3-d input, got shape {input.shape}")
        unbatched = input.ndim == 2
        x = F.unsqueeze(input, 1) if unbatched else (F.transpose(input, 0, 1) if self.batch_first else input)
        T, N, _ = x.shape
        if x.shape[2] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input of shape {input.shape} does not have input_size "
                             f"{self.input_size} features")
        dirs = 2 if self.bidirectional else 1
        h0, c0 = self._initial(hx, unbatched, N, dirs, x)
        live = None if lengths is None else [asarray((lengths > t)[:, None], device=x.device) for t in range(T)]
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w_ih, w_hh, b_ih, b_hh = self._params(layer, d == 1)
                xp = nnf.linear(x, w_ih, b_ih)  # (T, N, gates * H), every step at once
                h, c = h0[layer * dirs + d], (c0[layer * dirs + d] if lstm else None)
                seq: list[Tensor] = [h] * T
                for t in (range(T - 1, -1, -1) if d else range(T)):
                    if live is None:
                        h, c = _cell(self.mode, xp[t], h, c, w_hh, b_hh)
                    else:  # a packed batch: padded steps leave the state as it was
                        h_new, c_new = _cell(self.mode, xp[t], h, c, w_hh, b_hh)
                        h = where(live[t], h_new, h)
                        c = where(live[t], c_new, c) if lstm else None
                    seq[t] = h
                outs.append(F.stack(seq, 0))
                hs.append(h)
                cs.append(c)
            x = outs[0] if dirs == 1 else F.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = nnf.dropout(x, self.dropout, True)
        h_n = F.stack(hs, 0)
        c_n = F.stack(cs, 0) if lstm else None
        if unbatched:
            x, h_n = F.squeeze(x, 1), F.squeeze(h_n, 1)
            c_n = F.squeeze(c_n, 1) if lstm else None
        elif self.batch_first:
            x = F.transpose(x, 0, 1)
        return x, ((h_n, c_n) if lstm else h_n)

    def _initial(self, hx: Any, unbatched: bool, N: int, dirs: int, x: Tensor) -> tuple[Tensor, Any]:
        """(h0, c0) as (layers * dirs, N, H) tensors; zeros where hx does not give them."""
        from ..ops.creation import zeros

        shape = (self.num_layers * dirs, N, self.hidden_size)
        if hx is None:
            z = zeros(shape, dtype=x.dtype, device=x.device)
            return z, z
        parts = list(hx) if self.mode == "LSTM" else [hx]
        if self.mode == "LSTM" and len(parts) != 2:
            raise ValueError("LSTM: hx must be a tuple (h_0, c_0)")
        parts = [F.unsqueeze(p, 1) if unbatched else p for p in parts]
        for p in parts:
            if tuple(p.shape) != shape:
                raise ValueError(f"{type(self).__name__}: initial state of shape {p.shape}, expected {shape}")
        return parts[0], (parts[1] if len(parts) > 1 else None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)


class _CellBase(Module):
    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gh = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(_empty((gh, input_size), device, dtype))
        self.weight_hh = Parameter(_empty((gh, hidden_size), device, dtype))
        if bias:
            self.bias_ih = Parameter(_empty((gh,), device, dtype))
            self.bias_hh = Parameter(_empty((gh,), device, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        k = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def _step(self, x: Tensor, h: Tensor | None, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        from ..ops.creation import zeros

        unbatched = x.ndim == 1
        if unbatched:
            x = F.unsqueeze(x, 0)
        shape = (x.shape[0], self.hidden_size)
        h = zeros(shape, dtype=x.dtype, device=x.device) if h is None else (F.unsqueeze(h, 0) if unbatched else h)
        if self._mode == "LSTM":
            c = zeros(shape, dtype=x.dtype, device=x.device) if c is None else (F.unsqueeze(c, 0) if unbatched else c)
        h, c = _cell(self._mode, nnf.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh)
        if unbatched:
            h, c = F.squeeze(h, 0), (F.squeeze(c, 0) if c is not None else None)
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        return s + (", nonlinearity=relu" if self._mode == "RNN_RELU" else "")


class RNNCell(_CellBase):
    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, hx, None)[0]


class LSTMCell(_CellBase):
    _mode = "LSTM"

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        h, c = (None, None) if hx is None else hx
        return self._step(input, h, c)  # type: ignore[return-value]


class GRUCell(_CellBase):
    _mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, hx, None)[0]


__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell"]
