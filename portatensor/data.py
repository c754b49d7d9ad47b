"""Datasets and a DataLoader (PyTorch's names): batches are gathered on the device.

A TensorDataset batch is one row gather per tensor (nn.functional.index_select),
so an epoch costs one small index upload per batch and no host copies of data.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor


class Dataset:
    def __getitem__(self, index: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (all the same length along dim 0)."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].ndim else None
        for t in tensors:
            if not isinstance(t, Tensor) or not t.ndim or t.shape[0] != n:
                raise ValueError(f"TensorDataset: tensors must share their first dimension, got "
                                 f"{[getattr(x, 'shape', None) for x in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack samples: tuples collate per field, tensors stack, numbers become a tensor."""
    from .autograd.function import stack
    from .ops.creation import asarray

    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch), 0)
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate([b[i] for b in batch]) for i in range(len(first))) \
            if isinstance(first, tuple) else [default_collate([b[i] for b in batch]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, (int, float, bool, np.number, np.ndarray)):
        return asarray(np.asarray(batch))
    return list(batch)


class DataLoader:
    """Iterate a dataset in batches: ``DataLoader(ds, batch_size=64, shuffle=True, seed=0)``."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, generator: Any = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.dataset = dataset
        self.batch_size = batch_size or 1
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.sampler = sampler
        if seed is None:
            from .random import default_generator

            g = generator or default_generator
            seed = g.initial_seed() + g.stream
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.sampler is not None:
            return np.asarray(list(iter(self.sampler)), dtype=np.int64)
        # NOTE: the permutation is index metadata drawn on the host; the data never leaves the device.
        return self._rng.permutation(n).astype(np.int64) if self.shuffle else np.arange(n, dtype=np.int64)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        bs = self.batch_size
        nb = len(self)
        base, rows = _tensor_rows(self.dataset) if self.collate_fn is None else (None, None)
        if base is not None:
            yield from self._gather(order if rows is None else rows[order], nb, base.tensors, rows is None)
            return
        for b in range(nb):
            batch = [self.dataset[int(i)] for i in order[b * bs:(b + 1) * bs]]
            yield (self.collate_fn or default_collate)(batch)

    def _gather(self, order: np.ndarray, nb: int, ts: tuple[Tensor, ...],
                whole: bool = True) -> Iterator[tuple[Tensor, ...]]:
        """TensorDataset batches: slices when in order, else row gathers by one index upload per epoch.

        ``order`` holds rows of the tensors ``ts``; ``whole`` is False when they are composed through Subsets.
        """
        from .nn.functional import index_select

        bs = self.batch_size
        if whole and not self.shuffle and self.sampler is None:
            for b in range(nb):
                yield tuple(t[b * bs:(b + 1) * bs] for t in ts)
            return
        it = Tensor.from_numpy(order, _dt.int64, ts[0].device)
        for b in range(nb):
            idx = it[b * bs:(b + 1) * bs]
            yield tuple(index_select(t, 0, idx) for t in ts)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[int(i)]] for i in index]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after another."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {n}")
        index %= n
        k = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths (or fractions summing to 1).

    Fractions round down and the remainder goes one by one to the first splits, as in PyTorch; the
    permutation comes from portatensor's generator (the default one unless ``generator`` is given).
    """
    from .random import randperm

    n = len(dataset)
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1.0:
        if any(not 0.0 <= f <= 1.0 for f in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {list(lengths)}")
        sizes = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        sizes = [int(x) for x in lengths]
    if sum(sizes) != n or any(x < 0 for x in sizes):
        raise ValueError(f"random_split: the lengths {list(lengths)} do not add up to the dataset's length {n}")
    perm = randperm(n, generator=generator).numpy()
    return [Subset(dataset, perm[o - k:o]) for o, k in zip(itertools.accumulate(sizes), sizes, strict=True)]


def _tensor_rows(dataset: Any) -> tuple[TensorDataset | None, np.ndarray | None]:
    """The TensorDataset under ``dataset`` (itself or through Subsets) and the rows its samples are, or None."""
    rows = None
    while isinstance(dataset, Subset):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        rows = idx if rows is None else idx[rows]
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset):
        return None, None
    if rows is not None:
        n = len(dataset)
        if rows.size and (rows.min() < -n or rows.max() >= n):
            raise IndexError(f"Subset index out of range for a TensorDataset of length {n}")
        rows = rows % n
    return dataset, rows


__all__ = ["ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
