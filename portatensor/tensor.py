"""Tensor: a typed, strided view of a device buffer.

A Tensor is (storage, shape, strides, offset, dtype, device); strides and
offset are in elements. Views share storage. Nothing here launches kernels:
operators are installed by ``portatensor.ops``, which owns every computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as _dt
from .runtime import opencl
from .runtime.device import Device
from .runtime.pool import Storage
from .views import basic_index, contiguous_strides, is_contiguous, span


class Tensor:
    """An n-dimensional array on an OpenCL device."""

    __slots__ = ("_storage", "shape", "strides", "offset", "dtype", "device", "_ag", "__weakref__")

    def __init__(self, storage: Storage, shape: tuple[int, ...], strides: tuple[int, ...], offset: int,
                 dtype: _dt.DType, device: Device) -> None:
        self._storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        self.device = device
        self._ag = None  # autograd metadata, owned by portatensor.autograd

    # -- construction ----------------------------------------------------------
    @classmethod
    def empty(cls, shape: tuple[int, ...], dtype: _dt.DType, device: Device) -> Tensor:
        """A new contiguous tensor with uninitialised contents."""
        size = 1
        for n in shape:
            if n < 0:
                raise ValueError(f"negative dimension in shape {shape}")
            size *= n
        storage = device.alloc(size * dtype.itemsize) if size else Storage(None, 0, None)
        return cls(storage, shape, contiguous_strides(shape), 0, dtype, device)

    @classmethod
    def from_numpy(cls, array: np.ndarray, dtype: _dt.DType, device: Device) -> Tensor:
        """Upload a host array (converted to dtype) to device."""
        device.check_dtype(dtype)
        if dtype is _dt.bfloat16:
            host = _f32_to_bf16_bits(np.asarray(array, dtype=np.float32))
        else:
            # NOTE: always a private copy: the upload is asynchronous and must
            # not see later writes to the caller's array.
            host = np.array(array, dtype=dtype.np, order="C", copy=True)
        t = cls.empty(host.shape, dtype, device)
        if t._storage.buf is not None:
            opencl.write(device.queue, t._storage.buf, host)
        return t

    def _view(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> Tensor:
        return Tensor(self._storage, shape, strides, offset, self.dtype, self.device)

    # -- attributes --------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def is_contiguous(self) -> bool:
        return is_contiguous(self.shape, self.strides)

    @property
    def mT(self) -> Tensor:  # noqa: N802 - the standard's name
        """The view with the last two axes swapped."""
        if self.ndim < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {self.shape}")
        s, st = list(self.shape), list(self.strides)
        s[-1], s[-2] = s[-2], s[-1]
        st[-1], st[-2] = st[-2], st[-1]
        return self._view(tuple(s), tuple(st), self.offset)

    @property
    def T(self) -> Tensor:  # noqa: N802 - the standard's name
        """The transpose of a matrix (0-, 1- or 2-d)."""
        if self.ndim > 2:
            raise ValueError(f"T is for matrices; use mT or permute_dims for shape {self.shape}")
        return self._view(self.shape[::-1], self.strides[::-1], self.offset)

    # -- basic indexing ------------------------------------------------------------
    def __getitem__(self, key: Any, /) -> Tensor:
        if key.__class__ is Tensor or (key.__class__ is tuple and _holds_tensor(key)):
            # NOTE: an integer array of one element must not pass as an int
            # (__index__): NumPy keeps its dimension. 0-d ones give the same shape.
            from .ops import index as _index

            return _index.getitem(self, key)
        try:
            shape, strides, offset = basic_index(self.shape, self.strides, self.offset, key)
        except IndexError:
            # NOTE: the basic path stays first and free; only a key it rejects is
            # looked at again for integer arrays and boolean masks (a copy, not a view).
            from .ops import index as _index

            if not _index.is_advanced(key):
                raise
            return _index.getitem(self, key)
        return self._view(shape, strides, offset)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Any:
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # -- to the host ---------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """A NumPy copy of the data (waits for the device). bfloat16 comes back as float32."""
        np_dtype = np.uint16 if self.dtype is _dt.bfloat16 else self.dtype.np
        if self.size == 0:
            out = np.empty(self.shape, dtype=np_dtype)
        else:
            lo, hi = span(self.shape, self.strides, self.offset)
            flat = np.empty(hi - lo, dtype=np_dtype)
            dev = self.device
            opencl.read(dev.queue, flat, self._storage.buf, lo * self.dtype.itemsize)
            if dev._pending:
                dev.flush_binaries()
            item = flat.itemsize
            view = np.lib.stride_tricks.as_strided(
                flat[self.offset - lo:], self.shape, tuple(s * item for s in self.strides), writeable=False)
            whole = len(flat) == self.size and self.is_contiguous()
            out = flat.reshape(self.shape) if whole else np.ascontiguousarray(view)
        if self.dtype is _dt.bfloat16:
            return (out.astype(np.uint32) << 16).view(np.float32)
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def item(self) -> Any:
        """The single element as a Python scalar."""
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def _scalar(self, kind: type) -> Any:
        if self.ndim != 0 and self.size != 1:
            raise TypeError(f"only a one-element tensor converts to a Python {kind.__name__}, got shape {self.shape}")
        return kind(self.item())

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype.name}")
        return self._scalar(int)

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extra = "" if self.dtype in (_dt.float32, _dt.int64, _dt.bool_) else f", dtype={self.dtype.name}"
        return f"tensor({body}{extra}, device='{self.device.info.short_platform}:{self.device.info.selector}')"

    def __hash__(self) -> int:
        return id(self)

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The Array API namespace (``portatensor``) for api_version None or a published version."""
        if api_version is not None and api_version not in ("2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}; portatensor implements 2024.12")
        import portatensor

        return portatensor


def _holds_tensor(key: tuple) -> bool:
    for k in key:
        if k.__class__ is Tensor:
            return True
    return False


def _f32_to_bf16_bits(a: np.ndarray) -> np.ndarray:
    """Round float32 to bfloat16 bits (nearest even), as the device does."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(nan, ((u >> 16) | 0x40).astype(np.uint16), r)
