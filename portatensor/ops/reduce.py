"""Reductions over any axes: one kernel family, one or two stages."""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..views import collapse_dims, normalize_axes
from .creation import fill_
from .elementwise import INDEX32_LIMIT, astype
from .table import REDUCE, ReduceOp

# Below this many reduced elements per output, one work-item per output is enough.
MIN_CHUNK = 4096


def _sum_dtype(d: _dt.DType) -> tuple[_dt.DType, _dt.DType]:
    """(accumulator, result) dtypes of sum per the standard: integers widen to 64 bits."""
    if d.kind == "b" or d.kind == "i":
        return _dt.int64, _dt.int64
    if d.kind == "u":
        return _dt.uint64, _dt.uint64
    if d in (_dt.float16, _dt.bfloat16):
        return _dt.float32, d
    return d, d


def _target_items(device: Any) -> int:
    """How many work-items keep the device busy."""
    cu = device.info.compute_units
    return cu * (64 if device.info.type == "cpu" else 2048)


def _plan(device: Any, op: ReduceOp, inp: _dt.DType, acc: _dt.DType, out: _dt.DType,
          kshape: tuple, krank: int, rrank: int, idx64: bool) -> Any:
    layout = "chunked" if device.info.type == "cpu" else "interleaved"
    spec = KernelSpec.make("reduce", "reduce", (inp.name,), rank=rrank, krank=krank, inp=inp.name, acc=acc.name,
                           out=out.name, init=op.init, combine=op.combine, final=op.final, layout=layout, idx64=idx64)
    return device.kernel(spec)


def _launch(device: Any, op: ReduceOp, src: Tensor, dst: Any, inp: _dt.DType, acc: _dt.DType, out: _dt.DType,
            kshape: tuple, kst: tuple, rshape: tuple, rst: tuple, nchunks: int, offset: int) -> None:
    nout = 1
    for n in kshape:
        nout *= n
    R = 1
    for n in rshape:
        R *= n
    idx64 = src._storage.nbytes > INDEX32_LIMIT or nout * nchunks > INDEX32_LIMIT
    krank = 0 if kshape == (1,) and kst == (0,) else len(kshape)
    kernel = _plan(device, op, inp, acc, out, kshape, krank, len(rshape), idx64)
    chunk = -(-R // nchunks)
    args = [dst.buf, src._storage.buf, offset, nout, R, nchunks, chunk]
    if krank:
        args += [*kshape, *kst]
    args += [*rshape, *rst]
    launch(device, kernel, (nout * nchunks,), None, args)


def reduce(name: str, x: Tensor, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Reduce x over axis with the table's op ``name``."""
    op = REDUCE[name]
    acc, res = _sum_dtype(x.dtype)
    if dtype is not None:
        res = _dt.as_dtype(dtype)
        acc = res if res not in (_dt.float16, _dt.bfloat16) else _dt.float32
    if x.dtype.kind == "c" or res.kind == "c":
        raise TypeError(f"{name}: complex reductions are not supported yet")
    device = x.device
    device.check_dtype(res)
    axes = normalize_axes(axis, x.ndim)
    kept = [i for i in range(x.ndim) if i not in axes]
    out_shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape)) if keepdims else \
        tuple(x.shape[i] for i in kept)
    if not axes:
        return astype(x, res, copy=True)
    out = Tensor.empty(out_shape, res, device)
    nout = out.size
    R = 1
    for a in axes:
        R *= x.shape[a]
    if nout == 0:
        return out
    if R == 0:
        return fill_(out, 0)
    kshape, (kst,) = collapse_dims(tuple(x.shape[i] for i in kept), tuple(x.strides[i] for i in kept))
    rshape, (rst,) = collapse_dims(tuple(x.shape[a] for a in axes), tuple(x.strides[a] for a in axes))
    nchunks = 1
    if R >= 2 * MIN_CHUNK and nout < _target_items(device):
        nchunks = max(1, min(R // MIN_CHUNK, -(-_target_items(device) // nout)))
    if nchunks == 1:
        _launch(device, op, x, out._storage, x.dtype, acc, res, kshape, kst, rshape, rst, 1, x.offset)
        return out
    part = Tensor.empty((nout, nchunks), acc, device)
    _launch(device, op, x, part._storage, x.dtype, acc, acc, kshape, kst, rshape, rst, nchunks, x.offset)
    pshape, (pst,) = collapse_dims((nout,), (nchunks,))
    _launch(device, op, part, out._storage, acc, acc, res, pshape, pst, (nchunks,), (1,), 1, 0)
    return out


def sum(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of elements over the given axes (all by default)."""
    return reduce("sum", x, axis, keepdims, dtype)

