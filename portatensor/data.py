"""Datasets and a DataLoader (PyTorch's names): batches are gathered on the device.

A TensorDataset batch is one row gather per tensor (nn.functional.index_select),
so an epoch costs one small index upload per batch and no host copies of data.
"""

from __future__ import annotations

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
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
            yield from self._gather(order, nb)
            return
        for b in range(nb):
            batch = [self.dataset[int(i)] for i in order[b * bs:(b + 1) * bs]]
            yield (self.collate_fn or default_collate)(batch)

    def _gather(self, order: np.ndarray, nb: int) -> Iterator[tuple[Tensor, ...]]:
        """TensorDataset batches: slices when in order, else row gathers by one index upload per epoch."""
        from .nn.functional import index_select

        ts, bs = self.dataset.tensors, self.batch_size
        if not self.shuffle and self.sampler is None:
            for b in range(nb):
                yield tuple(t[b * bs:(b + 1) * bs] for t in ts)
            return
        it = Tensor.from_numpy(order, _dt.int64, ts[0].device)
        for b in range(nb):
            idx = it[b * bs:(b + 1) * bs]
            yield tuple(index_select(t, 0, idx) for t in ts)


__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]
