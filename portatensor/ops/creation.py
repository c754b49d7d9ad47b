"""Creating tensors: from host data, filled, and ranges."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime import opencl
from ..runtime.device import get_device
from ..runtime.launch import launch
from ..tensor import Tensor
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
    if dt.kind == "c":  # the range in the real component dtype, widened (the iota kernel is real)
        return astype(arange(start, stop, step, dtype=_dt.real_dtype(dt), device=device), dt)
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


# -- the rest of the creation chapter ------------------------------------------


def _like(x: Tensor, dtype: Any, device: Any) -> tuple[_dt.DType, Any]:
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return (x.dtype if dtype is None else _dt.as_dtype(dtype)), (x.device if device is None else device)


def empty_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """An uninitialised tensor with x's shape (and dtype and device unless given)."""
    dt, dev = _like(x, dtype, device)
    return empty(x.shape, dtype=dt, device=dev)


def zeros_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Zeros with x's shape (and dtype and device unless given)."""
    dt, dev = _like(x, dtype, device)
    return zeros(x.shape, dtype=dt, device=dev)


def ones_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """Ones with x's shape (and dtype and device unless given)."""
    dt, dev = _like(x, dtype, device)
    return ones(x.shape, dtype=dt, device=dev)


def full_like(x: Tensor, /, fill_value: Any, *, dtype: Any = None, device: Any = None) -> Tensor:
    """fill_value everywhere, with x's shape (and dtype and device unless given)."""
    dt, dev = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dt, device=dev)


def _tri(mode: str, out: Tensor, src: Tensor | None, n: int, m: int, k: int) -> Tensor:
    total = out.size
    if total == 0:
        return out
    spec = KernelSpec.make("index", "tri", (out.dtype.name,), dt=out.dtype.name, mode=mode,
                           idx64=total > INDEX32_LIMIT)
    k = max(-n, min(m, int(k)))  # any |k| past the matrix selects the same elements and fits the kernel's int
    args = [out._storage.buf] + ([src._storage.buf] if src is not None else []) + [total, n, m, k]
    launch(out.device, out.device.kernel(spec), (total,), None, args)
    return out


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None, device: Any = None) -> Tensor:
    """A 2-d tensor with ones on the k-th diagonal and zeros elsewhere."""
    n = operator.index(n_rows)
    m = n if n_cols is None else operator.index(n_cols)
    out = empty((n, m), dtype=dtype, device=device)
    return _tri("eye", out, None, n, m, operator.index(k))


def _tri_of(mode: str, x: Tensor, k: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{mode}: expected a Tensor, got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"{mode} needs at least 2 dimensions, got shape {x.shape}")
    from .elementwise import contiguous

    src = contiguous(x)
    out = Tensor.empty(x.shape, x.dtype, x.device)
    if src.offset:
        src = astype(src, src.dtype, copy=True)
    return _tri(mode, out, src, x.shape[-2], x.shape[-1], operator.index(k))


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    """x with the elements above the k-th diagonal zeroed (batched over leading dims)."""
    return _tri_of("tril", x, k)


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    """x with the elements below the k-th diagonal zeroed (batched over leading dims)."""
    return _tri_of("triu", x, k)


def linspace(start: Any, stop: Any, /, num: int, *, dtype: Any = None, device: Any = None,
             endpoint: bool = True) -> Tensor:
    """num evenly spaced values from start to stop (stop included when endpoint)."""
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, got {num}")
    is_complex = isinstance(start, complex) or isinstance(stop, complex)
    dt = (_dt.default_complex if is_complex else _dt.default_float) if dtype is None else _dt.as_dtype(dtype)
    if dt.kind == "c":
        # the real and imaginary parts are two real ranges: re + im * 1j
        from .elementwise import apply

        get_device(device).check_dtype(dt)  # name complex128, not the float64 parts, on a device without fp64
        start, stop = complex(start), complex(stop)
        part = _dt.real_dtype(dt)
        re, im = (linspace(a, b, num, dtype=part, device=device, endpoint=endpoint)
                  for a, b in ((start.real, stop.real), (start.imag, stop.imag)))
        return apply("add", astype(re, dt), apply("multiply", astype(im, dt), 1j))
    if is_complex:
        raise TypeError(f"linspace: a complex range needs a complex dtype, got {dt.name}")
    if dt.kind != "f":
        raise TypeError(f"linspace: dtype must be a real floating-point dtype, got {dt.name}")
    out = empty((num,), dtype=dt, device=device)
    if num == 0:
        return out
    div = (num - 1) if endpoint else num
    step = (float(stop) - float(start)) / div if div else 0.0
    spec = KernelSpec.make("elementwise", "ew", (dt.name,), rank=1, expr=_IOTA.expr,
                           ins=((dt.name, "s"), (dt.name, "s")), out=dt.name, compute=dt.name, flat=True,
                           idx64=num > INDEX32_LIMIT)
    launch(out.device, out.device.kernel(spec), (num,), None, [out._storage.buf, 0, float(start), step, num])
    if endpoint and num > 1:
        fill_(out[num - 1:], float(stop))  # NOTE: exactly stop, as NumPy, whatever the rounding of start + i*step
    return out


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list[Tensor]:
    """Coordinate matrices from 1-d coordinate vectors ('xy' Cartesian or 'ij' matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    for a in arrays:
        if not isinstance(a, Tensor) or a.ndim != 1:
            raise ValueError("meshgrid: every input must be a 1-d Tensor")
    if not arrays:
        return []
    dt = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype is not dt:
            raise TypeError(f"meshgrid: all inputs need one dtype, got {dt.name} and {a.dtype.name}")
    shape = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, a in enumerate(arrays):
        pos = i
        if indexing == "xy" and len(arrays) > 1 and i < 2:
            pos = 1 - i
        strides = [0] * len(shape)
        strides[pos] = a.strides[0]
        view = a._view(tuple(shape), tuple(strides), a.offset)
        out.append(astype(view, dt, copy=True))
    return out


# DLPack device types (dlpack.h).
_KDLCPU = 1
_KDLOPENCL = 4


def dlpack_device(x: Tensor) -> tuple[int, int]:
    """(device type, id) as DLPack spells it: kDLCPU for a CPU OpenCL device, kDLOpenCL otherwise."""
    return (_KDLCPU, 0) if x.device.info.type == "cpu" else (_KDLOPENCL, x.device.info.index)


def to_dlpack(x: Tensor, /, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
              copy: bool | None = None) -> Any:
    """A DLPack capsule of a host copy of x.

    NOTE: OpenCL buffers cannot be exported zero-copy, so this always copies
    to the host. That is a faithful kDLCPU export only for a CPU device (or
    when the consumer asks for dl_device=(kDLCPU, 0) and allows a copy); a
    GPU tensor otherwise raises BufferError naming the limitation.
    """
    if copy is False:
        raise BufferError("portatensor cannot export DLPack without a copy: OpenCL buffers are copied to the host")
    if x.dtype is _dt.bfloat16:
        raise BufferError("portatensor cannot export bfloat16 through DLPack (NumPy has no bfloat16)")
    want_cpu = dl_device is not None and tuple(dl_device)[0] == _KDLCPU
    if dl_device is not None and not want_cpu:
        raise BufferError(f"portatensor can export DLPack only to kDLCPU, not device {tuple(dl_device)}")
    if x.device.info.type != "cpu" and not want_cpu:
        raise BufferError(f"portatensor cannot export a tensor on the {x.device.info.type} device "
                          f"{x.device.info.name!r} through DLPack: OpenCL memory has no DLPack device type "
                          "consumers can map; use .numpy() or dl_device=(1, 0)")
    host = x.numpy()
    if not host.flags.writeable:
        host = host.copy()
    if max_version is None:
        return host.__dlpack__()
    return host.__dlpack__(max_version=max_version)


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor from any object with __dlpack__ (through a host copy)."""
    if isinstance(x, Tensor):
        return asarray(x, device=device, copy=copy)
    if copy is False:
        raise BufferError("from_dlpack: copy=False is impossible, host data is always copied to the device")
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(x).__name__} does not implement __dlpack__")
    host = np.from_dlpack(x)
    return Tensor.from_numpy(host, _dt.from_numpy(host.dtype), get_device(device))


__all__ = ["arange", "asarray", "dlpack_device", "empty", "empty_like", "eye", "fill_", "from_dlpack", "full",
           "full_like", "linspace", "meshgrid", "ones", "ones_like", "to_device", "to_dlpack", "tril", "triu", "zeros",
           "zeros_like"]
