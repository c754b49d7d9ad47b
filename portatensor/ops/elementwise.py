"""Elementwise ops: one generic path from operands to a launched kernel.

The first call with a given (op, dtypes, shapes, strides) builds a launch
plan: broadcasting, dims collapsed, the KernelSpec and its compiled kernel,
and the launch arguments that do not change. Later calls look the plan up
and only fill in buffers and offsets, which keeps a small op a few
microseconds from Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..runtime.pool import Storage
from ..tensor import Tensor
from ..tune import elementwise as _tuned
from ..tune.lookup import recheck, tuned_config
from ..views import basic_index, broadcast_shapes, broadcast_strides, collapse_dims, contiguous_strides
from .table import ELEMENTWISE, ElementwiseOp

# Offsets and sizes above this need 64-bit index arithmetic in kernels.
INDEX32_LIMIT = 2**31 - 1
#: the shortest inner dim that runs the strided kernel as (inner, rows): below it a row is too short a vector.
ROWS_MIN = 8
#: the most rows a rows kernel's range takes on a GPU (NVIDIA's grid limit, with the driver's own
#: work-group); CPUs have none. NOTE: the range is exact and the group the driver's pick: on PoCL a
#: bounds test or a chosen 2-D/3-D group made these kernels 2-10x slower (measured 2026-11-26).
ROWS_GRID = 65535
_EMPTY = Storage(None, 0, None)


class Plan:
    """Everything about one elementwise launch that does not change between calls."""

    __slots__ = ("kernel", "gsize", "lsize", "shape", "strides", "dtype", "nbytes", "tail", "tensor_pos")

    def __init__(self, kernel: Any, gsize: tuple[int, ...], shape: tuple[int, ...], strides: tuple[int, ...],
                 dtype: _dt.DType, nbytes: int, tail: tuple[int, ...], tensor_pos: tuple[int, ...],
                 lsize: tuple[int, ...] | None = None) -> None:
        self.kernel = kernel
        self.gsize = gsize
        self.lsize = lsize
        self.shape = shape
        self.strides = strides
        self.dtype = dtype
        self.nbytes = nbytes
        self.tail = tail
        self.tensor_pos = tensor_pos


def result_dtypes(op: ElementwiseOp, operands: Sequence[Any]) -> tuple[_dt.DType, _dt.DType, list[_dt.DType]]:
    """(out dtype, compute dtype, per-operand dtype) by the op's rule and the promotion table."""
    tdt = [o.dtype for o in operands if isinstance(o, Tensor)]
    if not tdt:
        raise TypeError(f"{op.name} needs at least one array operand")
    common = tdt[0]
    for d in tdt[1:]:
        common = _dt.result_type(common, d)
    if len(tdt) != len(operands):
        # 2024.12: a Python complex with a real floating array gives its complex dtype.
        for o in operands:
            if o.__class__ is complex and common.kind == "f":
                common = _dt.complex_dtype(common)
    per = [o.dtype if isinstance(o, Tensor) else _dt.scalar_result_type(common, o) for o in operands]
    for d in per:
        if d.kind not in op.kinds:
            raise TypeError(f"{op.name} does not support {d.name} operands")
    if op.rule == "divide" and common.kind in "iu":
        return _dt.default_float, _dt.default_float, per
    if op.rule == "compare":
        return _dt.bool_, common, per
    if op.rule == "real" and common.kind == "c":
        return _dt.real_dtype(common), common, per
    return common, common, per


def _layout(strides: tuple[int, ...]) -> str:
    return "z" if all(s == 0 for s in strides) else "t"


def make_plan(op: ElementwiseOp, operands: Sequence[Any], out_shape: tuple[int, ...] | None = None,
              out_strides: tuple[int, ...] | None = None, idx64: bool = False,
              dtypes: tuple[_dt.DType, _dt.DType, list[_dt.DType]] | None = None, out_device: Any = None,
              config: Any = None) -> Plan:
    """Broadcast, collapse dims, choose the kernel variant and precompute its arguments.

    ``config`` (tune/elementwise.py) overrides the device's tuned one (the tuner's worker uses it).
    """
    out_dtype, compute, per = dtypes or result_dtypes(op, operands)
    tensors = [o for o in operands if isinstance(o, Tensor)]
    device = tensors[0].device if tensors else out_device
    for t in tensors[1:]:
        if t.device is not device:
            raise ValueError(f"{op.name}: operands are on different devices ({device} and {t.device}); use to_device")
    for d in (*per, out_dtype):
        device.check_dtype(d)
    shape = broadcast_shapes(*(t.shape for t in tensors)) if tensors else (out_shape or ())
    if out_shape is not None and out_shape != shape:
        # NOTE: operands broadcast to a given output (x[0] = 0-d value, x[:] = row), never the output to them.
        try:
            fits = broadcast_shapes(shape, out_shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{op.name}: result of shape {shape} cannot be written into an array of shape {out_shape}")
        shape = out_shape
    size = 1
    for n in shape:
        size *= n
    ostrides = out_strides if out_strides is not None else contiguous_strides(shape)
    if size == 0:
        return Plan(None, (0,), shape, ostrides, out_dtype, 0, (), ())
    tstrides = [broadcast_strides(t.shape, t.strides, shape) for t in tensors]
    cshape, (cout, *cins) = collapse_dims(shape, ostrides, *tstrides)
    rank = len(cshape)
    lays = [_layout(s) for s in cins]
    flat = rank == 1 and cout[0] == 1 and all(s[0] in (0, 1) for s in cins)
    ins, ti = [], 0
    for o, d in zip(operands, per, strict=True):
        if isinstance(o, Tensor):
            ins.append((d.name, lays[ti]))
            ti += 1
        else:
            ins.append((d.name, "s"))
    idx64 = idx64 or size > INDEX32_LIMIT
    if op.name == "copy" and config is None and len(tensors) == len(operands) == 1 and per[0] is out_dtype:
        # NOTE: a same-dtype copy that transposes (output and input unit strides on different axes: contiguous()
        # of x.T, NCHW <-> NHWC) runs the tiled transpose kernel; the strided kernel below would read or write
        # with a large stride. The returned plan takes the same arguments as this one.
        from .transpose import plan as _transpose_plan

        tplan = _transpose_plan(device, out_dtype, shape, ostrides, cshape, cout, cins[0], idx64)
        if tplan is not None:
            return tplan
    rows = (config is None and not flat and rank >= 2 and cout[-1] == 1 and cshape[-1] >= ROWS_MIN
            and all(s[-1] in (0, 1) for s in cins) and (size // cshape[-1] <= ROWS_GRID or device.info.type == "cpu"))
    if rows:
        # unit or zero inner strides everywhere: a (inner, rows) range, see templates/elementwise.cl.mako
        inner = iter([st[-1] for st in cins])  # the tensor operands' inner strides, in operand order
        ins = [(dt, lay) if lay == "s" else (dt, "b" if next(inner) == 0 and lay == "t" else lay) for dt, lay in ins]
        gsize, lsize, tunables = (cshape[-1], size // cshape[-1]), None, {"rows": True}
    else:
        if config is None:
            config = tuned_config(device, _tuned.FAMILY, (out_dtype.name,), "flat" if flat else "strided",
                                  (size,)).config
        gsize, lsize = _tuned.geometry(config, size)
        ipt = int(config["items_per_thread"])
        # NOTE: one item per work-item keeps the spec (and cache key) of an untuned kernel; its range is
        # exactly one work-item per element when no work-group size is given (no bounds test then).
        tunables = {"IPT": ipt, "STRIDED": bool(config["strided"])} if ipt > 1 else {"exact": lsize is None}
    spec = KernelSpec.make("elementwise", "ew", (out_dtype.name,), rank=1 if flat else rank,
                           expr=op.expr_for(compute.kind), ins=tuple(ins), out=out_dtype.name,
                           compute=compute.name, flat=flat, idx64=idx64, **tunables)
    kernel = device.kernel(spec)
    tail: list[int] = [size]
    if not flat:
        tail += [*cshape, *cout]
        for s, lay in zip(cins, lays, strict=True):
            if lay == "t":  # "b" (rows) is a "t" operand with inner stride 0: its strides are passed too
                tail += s
        if not idx64:
            for d in cshape[1:]:
                tail += fast_divisor(d)
    tensor_pos = tuple(i for i, o in enumerate(operands) if isinstance(o, Tensor))
    return Plan(kernel, gsize, shape, ostrides, out_dtype, size * out_dtype.itemsize, tuple(tail), tensor_pos,
                lsize)


def fast_divisor(d: int) -> tuple[int, int]:
    """(magic, shift) with n // d == (mul_hi(n, magic) + n) >> shift for 0 <= n < 2**31, as 32-bit unsigned.

    Granlund and Montgomery's round-up method (PLDI 1994, fig. 4.1); t1 + n cannot
    overflow 32 bits because n < 2**31 and mul_hi(n, magic) <= n.
    """
    if d < 1:
        raise ValueError(f"fast_divisor needs a positive divisor, got {d}")
    shift = (d - 1).bit_length()
    return ((1 << 32) * ((1 << shift) - d)) // d + 1, shift


def _needs_idx64(operands: Sequence[Any]) -> bool:
    return any(isinstance(o, Tensor) and o._storage.nbytes > INDEX32_LIMIT for o in operands)


def _key(op: ElementwiseOp, operands: Sequence[Any]) -> tuple:
    key: list[Any] = [op.name]
    for o in operands:
        if isinstance(o, Tensor):
            key += (o.dtype, o.shape, o.strides)
        else:
            key.append(type(o))
    return tuple(key)


def run(op: ElementwiseOp, operands: Sequence[Any]) -> Tensor:
    """Apply op to operands (tensors and Python scalars) into a new contiguous tensor."""
    first = operands[0] if isinstance(operands[0], Tensor) else operands[-1]
    if not isinstance(first, Tensor):
        first = next((o for o in operands if isinstance(o, Tensor)), None)
        if first is None:
            raise TypeError(f"{op.name} needs at least one array operand")
    device = first.device
    recheck(device)  # NOTE: a new tuning drops the plans; binary() below reaches here on a miss
    key = _key(op, operands)
    big = _needs_idx64(operands)
    if big:
        key = (*key, "idx64")
    plan = device.plans.get(key)
    if plan is None:
        plan = make_plan(op, operands, idx64=big)
        device.plans[key] = plan
    else:
        for o in operands:
            if not isinstance(o, Tensor) and o.__class__ is int and plan.dtype.kind in "iu":
                _dt.scalar_result_type(plan.dtype, o)  # NOTE: range check: the plan only knows the type
    if plan.kernel is None:
        return Tensor(_EMPTY, plan.shape, plan.strides, 0, plan.dtype, device)
    storage = device.pool.allocate(plan.nbytes)
    args: list[Any] = [storage.buf, 0]
    for o in operands:
        if isinstance(o, Tensor):
            args += (o._storage.buf, o.offset)
        else:
            args.append(o)
    args += plan.tail
    launch(device, plan.kernel, plan.gsize, plan.lsize, args)
    return Tensor(storage, plan.shape, plan.strides, 0, plan.dtype, device)


def binary(op: ElementwiseOp, x: Tensor, y: Any) -> Tensor:
    """x op y: the hot path of Tensor operators, a dict lookup away from launch().

    NOTE: this duplicates the steady-state part of run() on purpose: the
    per-op budget is ~6 us and the raw enqueue alone costs ~3.5 us on PoCL.
    """
    if y.__class__ is Tensor:
        xs, ys = x._storage, y._storage
        if xs.nbytes <= INDEX32_LIMIT and ys.nbytes <= INDEX32_LIMIT:
            device = x.device
            plan = device.plans.get((op.name, x.dtype, x.shape, x.strides, y.dtype, y.shape, y.strides))
            if plan is not None and plan.kernel is not None and y.device is device:
                storage = device.pool.allocate(plan.nbytes)
                launch(device, plan.kernel, plan.gsize, plan.lsize,
                       (storage.buf, 0, xs.buf, x.offset, ys.buf, y.offset, *plan.tail))
                return Tensor(storage, plan.shape, plan.strides, 0, plan.dtype, device)
    elif y.__class__ is float or (y.__class__ is int and x.dtype.kind == "f"):
        xs = x._storage
        if xs.nbytes <= INDEX32_LIMIT:
            device = x.device
            plan = device.plans.get((op.name, x.dtype, x.shape, x.strides, y.__class__))
            if plan is not None and plan.kernel is not None:
                storage = device.pool.allocate(plan.nbytes)
                launch(device, plan.kernel, plan.gsize, plan.lsize, (storage.buf, 0, xs.buf, x.offset, y, *plan.tail))
                return Tensor(storage, plan.shape, plan.strides, 0, plan.dtype, device)
    return run(op, (x, y))


def run_into(op: ElementwiseOp, operands: Sequence[Any], out: Tensor) -> Tensor:
    """Apply op writing into the existing view ``out`` (in-place ops, setitem)."""
    if not any(isinstance(o, Tensor) for o in operands):
        per = [_dt.scalar_result_type(out.dtype, o) for o in operands]
        dtypes = (out.dtype, out.dtype, per)
    else:
        dtypes = result_dtypes(op, operands)
    if dtypes[0] is not out.dtype and op.name != "copy":
        raise TypeError(f"in-place {op.name} would change the dtype of a {out.dtype.name} array to {dtypes[0].name}")
    if op.name == "copy":
        dtypes = (out.dtype, out.dtype if out.dtype.kind != "b" else dtypes[1], dtypes[2])
    for o in operands:
        if isinstance(o, Tensor) and o._storage is out._storage and o.size and \
                (o.offset, o.strides, o.shape) != (out.offset, out.strides, out.shape):
            # NOTE: a partially overlapping read would race with the writes;
            # compute into a fresh tensor first, as NumPy buffers overlaps.
            operands = [run(ELEMENTWISE["copy"], [x]) if isinstance(x, Tensor) and x._storage is out._storage
                        else x for x in operands]
            break
    plan = make_plan(op, operands, out.shape, out.strides, _needs_idx64([*operands, out]), dtypes, out.device)
    out._storage.version += 1
    if plan.kernel is None:
        return out
    args: list[Any] = [out._storage.buf, out.offset]
    for o in operands:
        args += (o._storage.buf, o.offset) if isinstance(o, Tensor) else (o,)
    args += plan.tail
    launch(out.device, plan.kernel, plan.gsize, plan.lsize, args)
    return out


def setitem(x: Tensor, key: Any, value: Any, /) -> None:
    """x[key] = value; value is a tensor or Python scalar, broadcast. Advanced keys scatter (ops.index)."""
    try:
        if key.__class__ is Tensor or (key.__class__ is tuple and any(k.__class__ is Tensor for k in key)):
            raise IndexError("advanced")  # NOTE: a one-element index array is not an int here
        shape, strides, offset = basic_index(x.shape, x.strides, x.offset, key)
    except IndexError:
        from . import index as _index

        if not _index.is_advanced(key):
            raise
        _index.setitem(x, key, value)
        return
    view = x._view(shape, strides, offset)
    if isinstance(value, Tensor):
        if value.device is not x.device:
            raise ValueError(f"cannot assign an array on {value.device} into one on {x.device}")
        if value.dtype is not x.dtype and _dt.PROMOTION.get((value.dtype, x.dtype)) is not x.dtype:
            raise TypeError(f"cannot assign {value.dtype.name} values into a {x.dtype.name} array without a cast")
    elif not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"cannot assign {type(value).__name__} into an array; use asarray first")
    run_into(ELEMENTWISE["copy"], [value], view)


def apply(name: str, *operands: Any) -> Tensor:
    """Run the table's op ``name``: ``apply("add", x, 1.0)``."""
    return run(ELEMENTWISE[name], operands)


def astype(x: Tensor, dtype: _dt.DType, copy: bool = True) -> Tensor:
    """x converted to dtype in a new contiguous tensor (or x itself when allowed)."""
    if dtype is x.dtype and not copy:
        return x
    x.device.check_dtype(dtype)
    if x.dtype.kind == "c" and dtype.kind != "c":
        # NOTE: the standard forbids dropping the imaginary part silently.
        raise TypeError(f"cannot cast {x.dtype.name} to {dtype.name}: take real(x) or abs(x) first")
    out = Tensor.empty(x.shape, dtype, x.device)
    return run_into(ELEMENTWISE["copy"], [x], out)


def contiguous(x: Tensor) -> Tensor:
    """x itself if C-contiguous, else a contiguous copy."""
    return x if x.is_contiguous() else run(ELEMENTWISE["copy"], [x])
