"""Random numbers generated on the device by Philox4x32-10 (kernels_cl/philox.h).

One global generator: ``manual_seed(s)`` fixes the key; every call draws from
a fresh stream number, so the same seed and the same sequence of calls give
the same numbers on every device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .codegen import KernelSpec
from .runtime.device import get_device
from .runtime.launch import launch
from .tensor import Tensor

_DEFAULT_SEED = 67280421310721  # PyTorch's default, so "no seed" is reproducible too


class Generator:
    """Philox key (the seed) and the next stream number."""

    def __init__(self, seed: int = _DEFAULT_SEED) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> Generator:
        self.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self.stream = 0
        return self

    def initial_seed(self) -> int:
        return self.seed

    def next_stream(self) -> tuple[int, int, int, int]:
        s = self.stream
        self.stream += 1
        return self.seed & 0xFFFFFFFF, self.seed >> 32, s & 0xFFFFFFFF, (s >> 32) & 0xFFFFFFFF

    def get_state(self) -> tuple[int, int]:
        return (self.seed, self.stream)

    def set_state(self, state: tuple[int, int]) -> None:
        self.seed, self.stream = int(state[0]), int(state[1])


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the generator every portatensor random function uses."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    import os

    s = int.from_bytes(os.urandom(8), "little")
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int:
    return default_generator.seed


def _shape(size: Any) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(n) for n in size)


def _fill(out: Tensor, dist: str, a: Any, b: Any, generator: Generator | None = None) -> Tensor:
    n = out.size
    if n == 0:
        return out
    g = generator or default_generator
    k0, k1, s0, s1 = g.next_stream()
    spec = KernelSpec.make("random", "fill", (out.dtype.name,), rank=1, dist=dist)
    kernel = out.device.kernel(spec)
    launch(out.device, kernel, (n,), None, [out._storage.buf, n, k0, k1, s0, s1, a, b])
    out._storage.version += 1
    return out


def _float_dtype(dtype: Any) -> _dt.DType:
    dt = _dt.default_float if dtype is None else _dt.as_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"expected a floating-point dtype, got {dt.name}")
    return dt


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_()
    return t


def rand(*size: Any, dtype: Any = None, device: Any = None, generator: Generator | None = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform numbers in [0, 1)."""
    dev = get_device(device)
    out = Tensor.empty(_shape(size), _float_dtype(dtype), dev)
    return _finish(_fill(out, "uniform", 0.0, 1.0, generator), requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None, generator: Generator | None = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal numbers (Box-Muller on two Philox words)."""
    dev = get_device(device)
    out = Tensor.empty(_shape(size), _float_dtype(dtype), dev)
    return _finish(_fill(out, "normal", 0.0, 1.0, generator), requires_grad)


def randint(low: int, high: Any = None, size: Any = None, *, dtype: Any = None, device: Any = None,
            generator: Generator | None = None) -> Tensor:
    """Integers uniform in [low, high) (``randint(high, size)`` also works)."""
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint(low, high, size) needs high")
    if size is None:
        raise TypeError("randint needs a size")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = (size,) if isinstance(size, int) else tuple(size)
    dt = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    out = Tensor.empty(size, dt, get_device(device))
    return _fill(out, "randint", int(low), int(high) - int(low), generator)


def randperm(n: int, *, dtype: Any = None, device: Any = None, generator: Generator | None = None) -> Tensor:
    """A random permutation of 0..n-1.

    NOTE: the keys are Philox numbers drawn on the device; the argsort of n
    keys happens on the host until the array layer has a device sort.
    """
    dev = get_device(device)
    keys = Tensor.empty((n,), _dt.int64, dev)
    _fill(keys, "randint", 0, 2**62, generator)
    perm = np.argsort(keys.numpy(), kind="stable")
    return Tensor.from_numpy(perm, _dt.int64 if dtype is None else _dt.as_dtype(dtype), dev)


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill the contiguous tensor t in place with uniform numbers in [a, b)."""
    return _fill(_contig(t), "uniform", float(a), float(b), generator)


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill the contiguous tensor t in place with normal numbers."""
    return _fill(_contig(t), "normal", float(mean), float(std), generator)


def dropout_mask(shape: tuple[int, ...], p: float, dtype: _dt.DType, device: Any,
                 generator: Generator | None = None) -> Tensor:
    """0 with probability p, else 1 / (1 - p)."""
    out = Tensor.empty(shape, dtype, device)
    return _fill(out, "dropout", float(p), 1.0 / (1.0 - p), generator)


def _contig(t: Tensor) -> Tensor:
    if not t.is_contiguous():
        raise ValueError("in-place random fill needs a contiguous tensor")
    return t


__all__ = ["Generator", "default_generator", "initial_seed", "manual_seed", "normal_", "rand", "randint",
           "randn", "randperm", "seed", "uniform_"]
