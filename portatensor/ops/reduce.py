"""Reductions and scans over any axes: one kernel family, one or two stages."""

from __future__ import annotations

import builtins
import weakref
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tensor import Tensor
from ..tune import reduce as _tuned
from ..tune.lookup import recheck, tuned_config
from ..tune.space import Config
from ..views import collapse_dims, contiguous_strides, normalize_axes, normalize_axis
from .creation import fill_
from .elementwise import INDEX32_LIMIT, ElementwiseOp, apply, astype, run
from .table import ELEMENTWISE, REDUCE, ReduceOp

# Ops whose combine is lane-wise arithmetic, so the vector loop applies.
_VEC_OPS = frozenset({"sum", "prod", "mean"})
_VEC_DTYPES = frozenset({"float32", "float64", "int32", "int64", "uint32", "uint64"})
#: column reductions (reduce_cols): outputs per work-item (the widest that keeps COLS_ITEMS_PER_CU work-items
#: per compute unit busy; 16 took 4096x1024 axis 0 from 25 ms to 1.4 ms on PoCL), else the general kernel.
COLS_VECS, COLS_ITEMS_PER_CU = (16, 8, 4), 4
#: at most this many work-items (outputs x chunks) reduce in one fused launch (see _plan); past it the two
#: stages run as two launches, the second a kernel of its own rather than a serial tail on one work-item.
FUSE_MAX = 1024
# Combine steps that differ for a complex accumulator (see _combine).
_COMPLEX_COMBINE = {"prod": "cmul(acc, v)"}
# Reductions the standard defines only for real values: complex has no order.
_ORDERED = frozenset({"max", "min"})


def _sum_dtype(d: _dt.DType) -> tuple[_dt.DType, _dt.DType]:
    """(accumulator, result) dtypes of sum per the standard: integers widen to 64 bits."""
    if d.kind == "b" or d.kind == "i":
        return _dt.int64, _dt.int64
    if d.kind == "u":
        return _dt.uint64, _dt.uint64
    if d in (_dt.float16, _dt.bfloat16):
        return _dt.float32, d
    return d, d


def _compute_dtype(d: _dt.DType) -> _dt.DType:
    return _dt.float32 if d in (_dt.float16, _dt.bfloat16) else d


def _extreme(d: _dt.DType, low: bool) -> str:
    """An OpenCL literal of the lowest/highest value of d's compute type."""
    if d.kind == "f":
        return "-INFINITY" if low else "INFINITY"
    if d.kind == "b":
        return "0" if low else "1"
    info = np.iinfo(d.np)
    v = info.min if low else info.max
    if d is _dt.int64 and low:
        return "(-9223372036854775807L - 1)"
    return f"{v}{'UL' if d.kind == 'u' and d.bits == 64 else ('L' if d.bits == 64 else '')}"


def _combine(op: ReduceOp, acc: _dt.DType, merge: bool = False) -> str:
    """op's combine step for accumulator dtype acc (merge: of two partial accumulators).

    NOTE: ``*`` on float2/double2 is lane-wise, so a complex product needs the
    complex multiply of kernels_cl/complex.h; ``+`` is already right.
    """
    expr = op.merge_expr if merge else op.combine
    return _COMPLEX_COMBINE.get(op.name, expr) if acc.kind == "c" else expr


def _check_complex_dtype(name: str, x: Tensor, res: _dt.DType) -> None:
    """A complex input cannot accumulate into a real dtype (the standard forbids complex -> real casts)."""
    if x.dtype.kind == "c" and res.kind != "c":
        raise TypeError(f"{name}: cannot accumulate a {x.dtype.name} array in {res.name}; "
                        f"take real() or abs() first")


def _config(device: Any, x: Tensor, geo: tuple) -> Config:
    """The device's tuned reduce config for this input (tune/reduce.py)."""
    contiguous = len(geo[2]) == 1 and geo[3] == (1,)
    return tuned_config(device, _tuned.FAMILY, (x.dtype.name,), "contig" if contiguous else "strided",
                        (geo[5], geo[6])).config


def _layout(config: Config) -> str:
    return "interleaved" if config["strided"] else "chunked"


def _lsize(config: Config) -> tuple[int] | None:
    return (int(config["local_size"]),) if config["local_size"] else None


def _shape_args(kshape: tuple, kst: tuple, rshape: tuple, rst: tuple, krank: int) -> list[int]:
    args: list[int] = []
    if krank:
        args += [*kshape, *kst]
    return args + [*rshape, *rst]


def _geometry(x: Tensor, axes: tuple[int, ...]) -> tuple[tuple, tuple, tuple, tuple, int, int, int]:
    """(kshape, kst, rshape, rst, krank, nout, R) of reducing x over axes."""
    kept = [i for i in range(x.ndim) if i not in axes]
    kshape, (kst,) = collapse_dims(tuple(x.shape[i] for i in kept), tuple(x.strides[i] for i in kept))
    rshape, (rst,) = collapse_dims(tuple(x.shape[a] for a in axes), tuple(x.strides[a] for a in axes))
    nout = int(np.prod([x.shape[i] for i in kept], dtype=np.int64))
    R = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    krank = 0 if kshape == (1,) and kst == (0,) else len(kshape)
    return kshape, kst, rshape, rst, krank, nout, R


def _nchunks(device: Any, config: Config, nout: int, R: int) -> int:
    """Chunks per output row: enough work-items for the device, none shorter than min_chunk."""
    target = device.info.compute_units * int(config["items_per_cu"])
    min_chunk = int(config["min_chunk"])
    if R >= 2 * min_chunk and nout < target:
        return builtins.max(1, builtins.min(R // min_chunk, -(-target // nout)))
    return 1


class _Stage(NamedTuple):
    """One reduce launch, all but its buffers and input offset: args are (dst, src, src offset, *tail)."""

    kernel: Any
    gsize: tuple[int]
    lsize: tuple[int] | None
    tail: tuple[int, ...]


def _stage(device: Any, op: ReduceOp, src_bytes: int, inp: _dt.DType, acc: _dt.DType, out: _dt.DType, geo: tuple,
           nchunks: int, rtotal: int, final: bool, config: Config, layout: str | None = None,
           fused: bool = False, partials: bool = False) -> _Stage:
    """The kernel and sizes of one stage; ``layout`` overrides the config's (scans need chunks).

    fused: both stages in this one launch (args then are dst, src, part, counters, src offset, *tail);
    partials: this stage reduces a first stage's partial accumulators (op's merge, not its combine).
    """
    kshape, kst, rshape, rst, krank, nout, R = geo
    idx64 = src_bytes > INDEX32_LIMIT or nout * nchunks > INDEX32_LIMIT or R > INDEX32_LIMIT
    layout = layout or _layout(config)
    vec = (layout == "chunked" and op.name in _VEC_OPS and len(rshape) == 1 and rst == (1,)
           and inp.name in _VEC_DTYPES and _compute_dtype(inp) is acc)
    vec = device.info.vector_width(int(config["VW"]), inp.itemsize) if vec else 1
    init = op.init.format(lowest=_extreme(acc, True), highest=_extreme(acc, False)) if op.name in _ORDERED else op.init
    spec = KernelSpec.make("reduce", "reduce", (inp.name,), rank=len(rshape), krank=krank, inp=inp.name,
                           acc=acc.name, out=out.name, init=init, combine=_combine(op, acc, partials),
                           final=op.final if final else "acc", layout=layout, idx64=idx64, vec=vec,
                           fused=fused, merge=_combine(op, acc, True) if fused else None)
    chunk = -(-R // nchunks)
    tail = (nout, R, nchunks, chunk, rtotal, *_shape_args(kshape, kst, rshape, rst, krank))
    return _Stage(device.kernel(spec), (nout * nchunks,), _lsize(config), tail)


def _launch(device: Any, op: ReduceOp, src: Any, src_off: int, dst: Any, inp: _dt.DType, acc: _dt.DType,
            out: _dt.DType, geo: tuple, nchunks: int, rtotal: int, final: bool, config: Config,
            layout: str | None = None) -> Any:
    """One reduce launch (a stage); returns its event."""
    st = _stage(device, op, src.nbytes, inp, acc, out, geo, nchunks, rtotal, final, config, layout)
    return launch(device, st.kernel, st.gsize, st.lsize, [dst.buf, src.buf, src_off, *st.tail])


class _Plan(NamedTuple):
    """A reduction of one (op, dtype, shape, strides, axes) as it runs: cached in ``device.plans``."""

    shape: tuple[int, ...]
    dtype: _dt.DType
    stages: tuple[_Stage, ...]  # one launch, or the chunk partials' stage then their merge
    part: tuple[tuple[int, int], _dt.DType] | None = None  # the partials' shape and dtype between two stages
    fused: bool = False  # one launch of both stages, its partials in the device's scratch (_scratch)


def _columns_stage(device: Any, op: ReduceOp, x: Tensor, acc: _dt.DType, res: _dt.DType, geo: tuple,
                   config: Config) -> _Stage | None:
    """The one-launch column reduction (reduce_cols) when it applies: sum/prod/mean over leading axes whose
    kept innermost dim is contiguous and long enough for COLS_VECS-wide blocks to keep the device busy."""
    kshape, kst, rshape, rst, krank, nout, R = geo
    if not (op.name in _VEC_OPS and krank and kst[-1] == 1 and x.dtype.name in _VEC_DTYPES
            and _compute_dtype(x.dtype) is acc and res is acc):
        return None
    # the widest blocks that still give every compute unit COLS_ITEMS_PER_CU work-items
    need = device.info.compute_units * COLS_ITEMS_PER_CU
    vec = next((v for v in COLS_VECS if kshape[-1] >= v and nout // v >= need
                and device.info.vector_width(v, acc.itemsize) == v), 0)
    if not vec:
        return None
    idx64 = x._storage.nbytes > INDEX32_LIMIT or nout > INDEX32_LIMIT or R > INDEX32_LIMIT
    init = op.init
    spec = KernelSpec.make("reduce", "reduce_cols", (x.dtype.name,), rank=len(rshape), krank=krank,
                           inp=x.dtype.name, acc=acc.name, out=res.name, init=init, combine=_combine(op, acc),
                           final=op.final, idx64=idx64, vec=vec)
    blocks = (nout // kshape[-1]) * -(-kshape[-1] // vec)
    tail = (nout, R, 1, R, R, *_shape_args(kshape, kst, rshape, rst, krank))
    return _Stage(device.kernel(spec), (blocks,), None, tail)


def _plan(device: Any, op: ReduceOp, x: Tensor, out_shape: tuple[int, ...], acc: _dt.DType, res: _dt.DType,
          geo: tuple, config: Config) -> _Plan:
    nout, R = geo[5], geo[6]
    cols = _columns_stage(device, op, x, acc, res, geo, config)
    if cols is not None:
        return _Plan(out_shape, res, (cols,))
    nchunks = _nchunks(device, config, nout, R)
    nbytes = x._storage.nbytes
    if nchunks == 1:
        return _Plan(out_shape, res, (_stage(device, op, nbytes, x.dtype, acc, res, geo, 1, R, True, config),))
    if nout * nchunks <= FUSE_MAX:
        fused = _stage(device, op, nbytes, x.dtype, acc, res, geo, nchunks, R, True, config, fused=True)
        return _Plan(out_shape, res, (fused,), fused=True)
    first = _stage(device, op, nbytes, x.dtype, acc, acc, geo, nchunks, R, False, config)
    pgeo = ((nout,), (nchunks,), (nchunks,), (1,), 0 if nout == 1 else 1, nout, nchunks)
    if nout == 1:
        pgeo = ((1,), (0,), (nchunks,), (1,), 0, 1, nchunks)
    second = _stage(device, op, nout * nchunks * acc.itemsize, acc, acc, res, pgeo, 1, R, True, config,
                    partials=True)
    return _Plan(out_shape, res, (first, second), ((nout, nchunks), acc))


_SCRATCH: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scratch(device: Any) -> tuple[Any, Any]:
    """The device's buffers for fused reductions: partials (FUSE_MAX of the widest accumulator,
    complex128) and FUSE_MAX zeroed row counters (each launch leaves them at 0). One set serves every
    fused launch: the queue is in order, and a launch is done with both when it ends."""
    bufs = _SCRATCH.get(device)
    if bufs is None:
        part = Tensor.empty((FUSE_MAX,), _dt.complex128 if device.info.fp64 else _dt.complex64, device)
        counters = fill_(Tensor.empty((FUSE_MAX,), _dt.uint32, device), 0)
        bufs = _SCRATCH[device] = (part, counters)
    return bufs[0]._storage.buf, bufs[1]._storage.buf


def _execute(device: Any, plan: _Plan, x: Tensor, out: Tensor) -> list:
    """Run plan on x into out; returns the events."""
    if plan.fused:
        st = plan.stages[0]
        return [launch(device, st.kernel, st.gsize, st.lsize,
                       [out._storage.buf, x._storage.buf, *_scratch(device), x.offset, *st.tail])]
    if plan.part is None:
        st = plan.stages[0]
        return [launch(device, st.kernel, st.gsize, st.lsize, [out._storage.buf, x._storage.buf, x.offset, *st.tail])]
    part = Tensor.empty(plan.part[0], plan.part[1], device)
    first, second = plan.stages
    return [launch(device, first.kernel, first.gsize, first.lsize,
                   [part._storage.buf, x._storage.buf, x.offset, *first.tail]),
            launch(device, second.kernel, second.gsize, second.lsize,
                   [out._storage.buf, part._storage.buf, 0, *second.tail])]


def _axes_and_shape(x: Tensor, axis: Any, keepdims: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
    axes = normalize_axes(axis, x.ndim)
    if keepdims:
        shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    else:
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return axes, shape


def reduce(name: str, x: Tensor, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Reduce x over axis with the table's op ``name``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    device = x.device
    recheck(device)
    key: tuple | None = ("reduce", name, x.dtype, x.shape, x.strides,
                         tuple(axis) if axis.__class__ is list else axis, keepdims, dtype,
                         x._storage.nbytes > INDEX32_LIMIT)
    try:
        plan = device.plans.get(key)
    except TypeError:  # NOTE: an unhashable axis (say a NumPy array) just goes uncached
        plan = key = None
    if plan is not None:
        out = Tensor.empty(plan.shape, plan.dtype, device)
        _execute(device, plan, x, out)
        return out
    op = REDUCE[name]
    if x.dtype.kind == "c" and name in _ORDERED:
        raise TypeError(f"{name}: complex arrays ({x.dtype.name}) have no order")
    if name in ("sum", "prod"):
        acc, res = _sum_dtype(x.dtype)
        if dtype is not None:
            res = _dt.as_dtype(dtype)
            acc = _compute_dtype(res)
        _check_complex_dtype(name, x, res)
    elif name in ("all", "any"):
        acc = res = _dt.bool_
    elif name == "count_nonzero":
        acc = res = _dt.default_index
    else:  # max, min, mean
        acc, res = _compute_dtype(x.dtype), x.dtype
    device.check_dtype(res)
    axes, out_shape = _axes_and_shape(x, axis, keepdims)
    out = Tensor.empty(out_shape, res, device)
    geo = _geometry(x, axes)
    nout, R = geo[5], geo[6]
    if R == 0 and name in ("max", "min") and x.size == 0:
        raise ValueError(f"{name} of an empty reduction (shape {x.shape}, axis {axis}) has no identity")
    if nout == 0:
        return out
    if R == 0:
        nan = complex("nan+nanj") if res.kind == "c" else float("nan")
        return fill_(out, {"prod": 1, "all": True, "mean": nan}.get(name, 0))
    plan = _plan(device, op, x, out_shape, acc, res, geo, _config(device, x, geo))
    if key is not None:
        device.plans[key] = plan
    _execute(device, plan, x, out)
    return out


def run_reduce(device: Any, op: ReduceOp, x: Tensor, out: Tensor, acc: _dt.DType, geo: tuple,
               config: Config) -> list:
    """Reduce x (geometry geo) into out with this config, in one or two stages; returns the events."""
    return _execute(device, _plan(device, op, x, out.shape, acc, out.dtype, geo, config), x, out)


_KIND_NAMES = {"b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "real floating",
               "c": "complex floating"}


def _check_kinds(name: str, x: Tensor, kinds: str = "biuf") -> None:
    """Raise TypeError unless x is a Tensor whose dtype kind is in kinds (real numeric by default)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind not in kinds:
        raise TypeError(f"{name} does not support {x.dtype.name} arrays (the standard allows "
                        f"{', '.join(_KIND_NAMES[k] for k in kinds)} dtypes)")


def sum(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum of elements over the given axes (all by default)."""
    return reduce("sum", x, axis, keepdims, dtype)


def prod(x: Tensor, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:
    """Product of elements over the given axes (all by default)."""
    return reduce("prod", x, axis, keepdims, dtype)


def max(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest element over the given axes; NaN if any element is NaN."""
    _check_kinds("max", x)
    return reduce("max", x, axis, keepdims)


def min(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest element over the given axes; NaN if any element is NaN."""
    _check_kinds("min", x)
    return reduce("min", x, axis, keepdims)


def mean(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over the given axes (real or complex floating-point arrays)."""
    _check_kinds("mean", x, "fc")
    return reduce("mean", x, axis, keepdims)


_SQDEV = ElementwiseOp("squared_deviation", 2, "numeric", "(a - b) * (a - b)", "f")
_SQRT = ElementwiseOp("sqrt", 1, "numeric", "sqrt(a)", "f")


def var(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Tensor:
    """Variance over the given axes, divided by N - correction (floating-point arrays only)."""
    _check_kinds("var", x, "f")
    if not isinstance(correction, (int, float)) or isinstance(correction, bool) or correction < 0:
        raise ValueError(f"var: correction must be a non-negative number, got {correction!r}")
    axes, _ = _axes_and_shape(x, axis, keepdims)
    n = 1
    for a in axes:
        n *= x.shape[a]
    m = reduce("mean", x, axes, True)
    ss = reduce("sum", run(_SQDEV, (x, m)) if x.size else x, axes, keepdims, x.dtype)
    if ss.size == 0:
        return ss
    return apply("divide", ss, float(n - correction))


def std(x: Tensor, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Tensor:
    """Standard deviation over the given axes (square root of var)."""
    _check_kinds("std", x, "f")
    v = var(x, axis=axis, correction=correction, keepdims=keepdims)
    return run(ELEMENTWISE.get("sqrt", _SQRT), (v,)) if v.size else v


def all(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether every element over the given axes is nonzero."""
    return reduce("all", x, axis, keepdims)


def any(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether any element over the given axes is nonzero."""
    return reduce("any", x, axis, keepdims)


def count_nonzero(x: Tensor, /, *, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The number of nonzero elements over the given axes (default integer dtype)."""
    return reduce("count_nonzero", x, axis, keepdims)


def _arg(name: str, x: Tensor, axis: int | None, keepdims: bool) -> Tensor:
    _check_kinds(name, x)
    device = x.device
    if axis is None:
        if not x.is_contiguous():
            x = astype(x, x.dtype, copy=True)
        flat = x._view((x.size,), (1,), x.offset)
        res = _arg(name, flat, 0, False)
        return res._view((1,) * x.ndim, (0,) * x.ndim, res.offset) if keepdims else res
    ax = normalize_axis(axis, x.ndim) if x.ndim else None
    if ax is None:
        raise ValueError(f"{name}: axis {axis} is invalid for a 0-d array; use axis=None")
    if x.shape[ax] == 0:
        raise ValueError(f"{name} of an empty axis {ax} (shape {x.shape}) is undefined")
    axes, out_shape = _axes_and_shape(x, ax, keepdims)
    out = Tensor.empty(out_shape, _dt.default_index, device)
    geo = _geometry(x, axes)
    kshape, kst, rshape, rst, krank, nout, R = geo
    if nout == 0:
        return out
    config = _config(device, x, geo)
    nchunks = _nchunks(device, config, nout, R)
    idx64 = x._storage.nbytes > INDEX32_LIMIT or nout * nchunks > INDEX32_LIMIT or R > INDEX32_LIMIT
    better = REDUCE[name].combine
    layout = _layout(config)
    lsize = _lsize(config)

    def kernel(has_idx: bool, out_val: bool, krank: int, rank: int, inp: _dt.DType) -> Any:
        spec = KernelSpec.make("reduce", "argreduce", (inp.name,), rank=rank, krank=krank, inp=inp.name,
                               better=better, layout=layout, idx64=idx64, has_idx=has_idx, out_val=out_val)
        return device.kernel(spec)

    shape_args = _shape_args(kshape, kst, rshape, rst, krank)
    if nchunks == 1:
        launch(device, kernel(False, False, krank, len(rshape), x.dtype), (nout,), lsize,
               [out._storage.buf, x._storage.buf, x.offset, nout, R, 1, R, R, *shape_args])
        return out
    pidx = Tensor.empty((nout, nchunks), _dt.int64, device)
    pval = Tensor.empty((nout, nchunks), x.dtype, device)
    chunk = -(-R // nchunks)
    launch(device, kernel(False, True, krank, len(rshape), x.dtype), (nout * nchunks,), lsize,
           [pidx._storage.buf, pval._storage.buf, x._storage.buf, x.offset, nout, R, nchunks, chunk, R, *shape_args])
    pk = 0 if nout == 1 else 1
    pargs = ([nout, nchunks] if pk else []) + [nchunks, 1]
    launch(device, kernel(True, False, pk, 1, x.dtype), (nout,), lsize,
           [out._storage.buf, pval._storage.buf, pidx._storage.buf, 0, nout, nchunks, 1, nchunks, nchunks, *pargs])
    return out


def argmax(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first largest element (of the flattened array when axis is None); NaN counts as largest."""
    return _arg("argmax", x, axis, keepdims)


def argmin(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first smallest element (of the flattened array when axis is None); NaN counts as smallest."""
    return _arg("argmin", x, axis, keepdims)


def _cumulative(name: str, x: Tensor, axis: int | None, dtype: Any, include_initial: bool) -> Tensor:
    _check_kinds(f"cumulative_{name}", x, "biufc")
    device = x.device
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"cumulative_{name}: axis is required for a {x.ndim}-d array")
        if x.ndim == 0:
            raise ValueError(f"cumulative_{name}: a 0-d array has no axis to accumulate over")
        axis = 0
    if x.ndim == 0:
        raise ValueError(f"cumulative_{name}: a 0-d array has no axis to accumulate over")
    ax = normalize_axis(axis, x.ndim)
    acc, res = _sum_dtype(x.dtype)
    if dtype is not None:
        res = _dt.as_dtype(dtype)
        acc = _compute_dtype(res)
    _check_complex_dtype(f"cumulative_{name}", x, res)
    device.check_dtype(res)
    out_shape = list(x.shape)
    out_shape[ax] += 1 if include_initial else 0
    out = Tensor.empty(tuple(out_shape), res, device)
    if out.size == 0:
        return out
    op = REDUCE[name]
    ost = contiguous_strides(out.shape)
    kept = [i for i in range(x.ndim) if i != ax]
    # The kept dims collapse only where both the input and the output walk them as one.
    kshape, (kst, okst) = collapse_dims(tuple(x.shape[i] for i in kept), tuple(x.strides[i] for i in kept),
                                        tuple(ost[i] for i in kept))
    krank = 0 if kshape == (1,) and kst == (0,) else len(kshape)
    rshape, rst = (x.shape[ax],), (x.strides[ax],)
    nout, R = out.size // out.shape[ax], x.shape[ax]
    geo = (kshape, kst, rshape, rst, krank, nout, R)
    if R == 0:
        return fill_(out, 1 if name == "prod" else 0)
    config = _config(device, x, geo)
    nchunks = _nchunks(device, config, nout, R)
    idx64 = x._storage.nbytes > INDEX32_LIMIT or out.size > INDEX32_LIMIT
    part = None
    if nchunks > 1:
        # NOTE: the scan kernel adds up whole chunks before its own, so the
        # partial totals must be of contiguous chunks whatever the config says.
        part = Tensor.empty((nout, nchunks), acc, device)
        _launch(device, op, x._storage, x.offset, part._storage, x.dtype, acc, acc, geo, nchunks, R, False, config,
                layout="chunked")
    spec = KernelSpec.make("reduce", "scan", (x.dtype.name,), rank=len(rshape), krank=krank, inp=x.dtype.name,
                           acc=acc.name, out=res.name, init=op.init, combine=_combine(op, acc), idx64=idx64,
                           has_part=part is not None, include_initial=include_initial)
    chunk = -(-R // nchunks)
    args = [out._storage.buf, x._storage.buf] + ([part._storage.buf] if part is not None else [])
    args += [x.offset, nout, R, nchunks, chunk, R, *_shape_args(kshape, kst, rshape, rst, krank)]
    args += [*(okst if krank else ()), ost[ax]]
    launch(device, device.kernel(spec), (nout * nchunks,), _lsize(config), args)
    return out


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> Tensor:
    """Running sum along axis (required unless x is 1-d); include_initial prepends the 0."""
    return _cumulative("sum", x, axis, dtype, include_initial)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Tensor:
    """Running product along axis (required unless x is 1-d); include_initial prepends the 1."""
    return _cumulative("prod", x, axis, dtype, include_initial)
