"""Creating tensors: from host data, filled, and ranges."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..runtime import opencl
from ..runtime.device import get_device
from ..tensor import Tensor
from ..codegen import KernelSpec
from ..runtime.launch import launch
from .elementwise import INDEX32_LIMIT, ElementwiseOp, astype


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        out = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in out):
        raise ValueError(f"negative dimension in shape {out}")
    return out


def _infer_host_dtype(obj: Any, host: np.ndarray) -> _dt.DType:
    """The dtype of host data with Python-scalar defaults (floats are float32)."""
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        return _dt.from_numpy(host.dtype)
    kind = host.dtype.kind
    if kind == "b":
        return _dt.bool_
    if kind in "iu":
        if host.size and (host.max() > np.iinfo(np.int64).max or host.min() < np.iinfo(np.int64).min):
            raise OverflowError("Python int out of the int64 range")
        return _dt.default_int if kind == "i" or host.dtype == np.int64 else _dt.from_numpy(host.dtype)
    if kind == "f":
        return _dt.default_float
    if kind == "c":
        return _dt.default_complex
    raise TypeError(f"cannot make a tensor from {type(obj).__name__} data of NumPy kind {host.dtype}")


def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor from a tensor, NumPy array, nested sequence or Python scalar."""
    dev = get_device(device)
    want = None if dtype is None else _dt.as_dtype(dtype)
    if isinstance(obj, Tensor):
        if obj.device is not dev and device is not None:
            if copy is False:
                raise ValueError("copy=False is impossible: the data is on another device")
            obj = Tensor.from_numpy(obj.numpy(), obj.dtype, dev)
            copy = False
        if want is None or want is obj.dtype:
            return astype(obj, obj.dtype, copy=True) if copy else obj
        if copy is False:
            raise ValueError(f"copy=False is impossible: converting {obj.dtype.name} to {want.name} copies")
        return astype(obj, want)
    if copy is False:
        raise ValueError("copy=False is impossible: host data is always copied to the device")
    if want is _dt.bfloat16:
        host = np.asarray(obj, dtype=np.float32)
    else:
        try:
            host = np.asarray(obj) if want is None else np.asarray(obj, dtype=want.np)
        except OverflowError as exc:
            raise OverflowError(str(exc)) from None
        if host.dtype == object:
            raise TypeError(f"cannot make a tensor from {type(obj).__name__}: ragged or non-numeric data")
    dt = want or _infer_host_dtype(obj, host)
    dev.check_dtype(dt)
    return Tensor.from_numpy(host, dt, dev)


def _fill_pattern(value: Any, dtype: _dt.DType) -> bytes:
    if dtype is _dt.bfloat16:
        from ..tensor import _f32_to_bf16_bits

        return _f32_to_bf16_bits(np.array([value], dtype=np.float32)).tobytes()
    with np.errstate(invalid="ignore"):
        return np.array(value, dtype=dtype.np).tobytes()


def fill_(t: Tensor, value: Any) -> Tensor:
    """Set every element of the contiguous tensor t to value (in place)."""
    if t.size:
        if not t.is_contiguous():
            raise ValueError("fill_ needs a contiguous tensor")
        item = t.dtype.itemsize
        opencl.fill(t.device.queue, t._storage.buf, _fill_pattern(value, t.dtype), t.offset * item, t.size * item)
        t._storage.version += 1
    return t


def _default_dtype_of(value: Any) -> _dt.DType:
    if isinstance(value, bool):
        return _dt.bool_
    if isinstance(value, int):
        return _dt.default_int
    if isinstance(value, float):
        return _dt.default_float
    if isinstance(value, complex):
        return _dt.default_complex
    if isinstance(value, Tensor):
        return value.dtype
    raise TypeError(f"fill value must be a Python scalar, got {type(value).__name__}")


def empty(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """An uninitialised tensor."""
    dev = get_device(device)
    dt = _dt.default_float if dtype is None else _dt.as_dtype(dtype)
    dev.check_dtype(dt)
    return Tensor.empty(_shape(shape), dt, dev)


def full(shape: Any, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of shape filled with fill_value."""
    dt = _default_dtype_of(fill_value) if dtype is None else _dt.as_dtype(dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dt.kind in "iu" and isinstance(fill_value, int) and not isinstance(fill_value, bool):
        _dt.scalar_result_type(dt, fill_value)
    return fill_(empty(shape, dtype=dt, device=device), fill_value)


def zeros(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of zeros."""
    return fill_(empty(shape, dtype=dtype, device=device), 0)


def ones(shape: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of ones."""
    return fill_(empty(shape, dtype=dtype, device=device), 1)


_IOTA = ElementwiseOp("iota", 2, "numeric", "a + (b * i)", "iuf")


def arange(start: Any, /, stop: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop) with the given step."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    n = max(0, math.ceil((stop - start) / step))
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, stop, step))
        dt = _dt.default_float if floats else _dt.default_int
    else:
        dt = _dt.as_dtype(dtype)
    out = empty((n,), dtype=dt, device=device)
    if n:
        cast = float if dt.kind == "f" else int
        spec = KernelSpec.make("elementwise", "ew", (dt.name,), rank=1, expr=_IOTA.expr,
                               ins=((dt.name, "s"), (dt.name, "s")), out=dt.name, compute=dt.name, flat=True,
                               idx64=n > INDEX32_LIMIT)
        launch(out.device, out.device.kernel(spec), (n,), None, [out._storage.buf, 0, cast(start), cast(step), n])
    return out


def to_device(x: Tensor, device: Any) -> Tensor:
    """A copy of x on another device (through the host)."""
    dev = get_device(device)
    if dev is x.device:
        return x
    return Tensor.from_numpy(x.numpy(), x.dtype, dev)


__all__ = ["arange", "asarray", "empty", "fill_", "full", "ones", "to_device", "zeros"]
