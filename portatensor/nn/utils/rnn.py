"""nn.utils.rnn: padding and packing variable-length sequences (PyTorch's names and layouts).

A PackedSequence holds PyTorch's layout: ``data`` is the time steps of the
batch sorted by decreasing length, concatenated (step t keeps the first
``batch_sizes[t]`` sequences). RNN, LSTM and GRU take one and return one;
padded steps never update a sequence's state, so ``h_n`` is each sequence's
state after its own last element. Every step is made of recorded ops
(indexing, concatenation), so gradients flow through packing and padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ...autograd import function as F
from ...autograd.indexing import index_select
from ...ops.creation import asarray, full
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """PyTorch's packed batch: data (sum of lengths, *), batch_sizes (int64, on the host side in PyTorch),
    and the permutations between the caller's batch order and the sorted one."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))


def _host_lengths(lengths: Any) -> np.ndarray:
    host = lengths.numpy() if isinstance(lengths, Tensor) else np.asarray(lengths)
    host = host.astype(np.int64).reshape(-1)
    if host.size and host.min() <= 0:
        raise ValueError(f"sequence lengths must be positive, got {host.tolist()}")
    return host


def _pad_to(t: Tensor, n: int, value: float, front: bool = False) -> Tensor:
    """t with rows of value appended (or prepended) along dim 0 up to n rows."""
    if t.shape[0] == n:
        return t
    pad = full((n - t.shape[0],) + t.shape[1:], value, dtype=t.dtype, device=t.device)
    return F.cat([pad, t] if front else [t, pad], 0)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shape (L_i, *) into (max L, B, *) (or (B, max L, *) with batch_first), padding with value."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = [F.getitem(sequences, i) for i in range(sequences.shape[0])]
    if not sequences:
        raise ValueError("pad_sequence needs at least one sequence")
    n = max(s.shape[0] for s in sequences)
    out = F.stack([_pad_to(s, n, padding_value, padding_side == "left") for s in sequences], 0)  # (B, L, *)
    return out if batch_first else F.transpose(out, 0, 1)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002 - PyTorch's names
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) (or batch_first (B, T, *)) batch whose sequences have the given lengths."""
    host = _host_lengths(lengths)
    x = F.transpose(input, 0, 1) if batch_first else input
    if host.size != x.shape[1]:
        raise ValueError(f"{host.size} lengths for a batch of {x.shape[1]} sequences")
    if host.max() > x.shape[0]:
        raise ValueError(f"a length of {host.max()} exceeds the padded length {x.shape[0]}")
    if enforce_sorted:
        if np.any(np.diff(host) > 0):
            raise RuntimeError("lengths must be sorted in decreasing order when enforce_sorted=True "
                               "(pass enforce_sorted=False to sort them here)")
        order, sorted_idx, unsorted_idx = np.arange(host.size), None, None
    else:
        order = np.argsort(-host, kind="stable")
        sorted_idx = asarray(order, device=x.device)
        unsorted_idx = asarray(np.argsort(order, kind="stable"), device=x.device)
        x = index_select(x, 1, sorted_idx)
    sizes = [int((host > t).sum()) for t in range(int(host.max()))]
    data = F.cat([F.getitem(x, (t, slice(0, b))) for t, b in enumerate(sizes)], 0)
    return PackedSequence(data, asarray(np.array(sizes, np.int64)), sorted_idx, unsorted_idx)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The padded (T, B, *) (or (B, T, *)) batch and the lengths (int64) of a PackedSequence, in the caller's order."""
    padded, lengths = _unpack_sorted(sequence, padding_value, total_length)
    if sequence.unsorted_indices is not None:
        padded = index_select(padded, 1, sequence.unsorted_indices)
        lengths = lengths[np.argsort(sequence.sorted_indices.numpy(), kind="stable")]
    return (F.transpose(padded, 0, 1) if batch_first else padded), asarray(lengths)


def _unpack_sorted(sequence: PackedSequence, padding_value: float = 0.0,
                   total_length: int | None = None) -> tuple[Tensor, np.ndarray]:
    """(T, B, *) in the sorted batch order and the host lengths in that order."""
    sizes = sequence.batch_sizes.numpy().astype(np.int64).tolist()
    b = sizes[0]
    steps, start = [], 0
    for k in sizes:
        steps.append(_pad_to(F.getitem(sequence.data, slice(start, start + k)), b, padding_value))
        start += k
    t_max = len(sizes)
    if total_length is not None:
        if total_length < t_max:
            raise ValueError(f"total_length {total_length} is shorter than the longest sequence ({t_max})")
        pad = full((b,) + sequence.data.shape[1:], padding_value, dtype=sequence.data.dtype,
                   device=sequence.data.device)
        steps += [pad] * (total_length - t_max)
    lengths = np.array([sum(1 for k in sizes if k > i) for i in range(b)], np.int64)
    return F.stack(steps, 0), lengths


def _pack_sorted(x: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack a (T, B, *) batch already in like's sorted order with like's batch sizes."""
    sizes = like.batch_sizes.numpy().tolist()
    data = F.cat([F.getitem(x, (t, slice(0, int(b)))) for t, b in enumerate(sizes)], 0)
    return like._replace(data=data)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The inverse of pad_sequence: the list of (L_i, *) tensors."""
    x = padded_sequences if batch_first else F.transpose(padded_sequences, 0, 1)
    return [F.getitem(x, (i, slice(0, int(n)))) for i, n in enumerate(_host_lengths(lengths))]


__all__ = ["PackedSequence", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence"]
