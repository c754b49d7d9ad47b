"""Copies that transpose: the tiled kernel of the "transpose" family.

A copy whose output and input walk memory with unit stride along different
axes (``x.T`` made contiguous, ``permute(0, 2, 1)`` of a batch, NCHW <-> NHWC)
is a batched 2-D transpose. The strided elementwise kernel reads (or writes)
such a copy with a large stride, one cache line per element; the transpose
kernel moves tiles that fit in cache instead. `ops/elementwise.py` asks
`plan` for one while building a copy's launch plan.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..tune import transpose as _tuned
from ..tune.lookup import tuned_config
from ..views import collapse_dims
from .elementwise import Plan

__all__ = ["Geometry", "make_plan", "plan", "transpose_geometry"]

#: (batch, rows, cols, out batch stride, out row stride, in batch stride, in col stride).
Geometry = tuple[int, int, int, int, int, int, int]

# NOTE: a side shorter than this fills too little of a tile; the strided
# kernel already reuses each cache line it reads across such a short side.
MIN_SIDE = 8


def transpose_geometry(cshape: tuple[int, ...], cout: tuple[int, ...], cin: tuple[int, ...]) -> Geometry | None:
    """The batched transpose a copy of collapsed dims (`views.collapse_dims`) is, else None.

    The column axis is the output's unit-stride one, the row axis the
    input's; every other axis must merge into one batch axis.

    >>> transpose_geometry((64, 32), (32, 1), (1, 64))
    (1, 64, 32, 0, 32, 0, 64)
    """
    col = next((k for k, s in enumerate(cout) if s == 1), None)
    row = next((k for k, s in enumerate(cin) if s == 1 and k != col), None)
    if col is None or row is None or min(cshape[row], cshape[col]) < MIN_SIDE:
        return None
    rest = [k for k in range(len(cshape)) if k not in (row, col)]
    batch, os_b, is_b = 1, 0, 0
    if rest:
        bshape, (bout, bin_) = collapse_dims(tuple(cshape[k] for k in rest), tuple(cout[k] for k in rest),
                                             tuple(cin[k] for k in rest))
        if len(bshape) != 1:
            return None
        batch, os_b, is_b = bshape[0], bout[0], bin_[0]
    return batch, cshape[row], cshape[col], os_b, cout[row], is_b, cin[col]


def make_plan(device: Any, dtype: _dt.DType, shape: tuple[int, ...], out_strides: tuple[int, ...], geo: Geometry,
              idx64: bool, config: Any = None) -> Plan:
    """The launch plan of a transposing copy; `config` overrides the tuned one (the tuner's worker uses it).

    The plan runs like an elementwise copy's: arguments (out, out offset, in, in offset, *plan.tail).
    """
    batch, rows, cols = geo[:3]
    storage = _tuned.storage_dtype(dtype.itemsize)
    if config is None:
        config = tuned_config(device, _tuned.FAMILY, (storage,), "tile", (batch, rows, cols)).config
    tunables = {"TX": int(config["TX"]), "TY": int(config["TY"]), "IPT": int(config["IPT"]),
                "LOCAL": int(bool(config["LOCAL"]))}
    spec = KernelSpec.make("transpose", "transpose", (storage,), rank=3, tunables=tunables, idx64=idx64)
    gsize, lsize = _tuned.geometry(config, batch, rows, cols)
    nbytes = batch * rows * cols * dtype.itemsize
    return Plan(device.kernel(spec), gsize, shape, out_strides, dtype, nbytes, tuple(geo[1:]), (0,), lsize)


def plan(device: Any, dtype: _dt.DType, shape: tuple[int, ...], out_strides: tuple[int, ...],
         cshape: tuple[int, ...], cout: tuple[int, ...], cin: tuple[int, ...], idx64: bool) -> Plan | None:
    """The cached transpose plan of a same-dtype copy with these collapsed dims, or None if it is no transpose.

    Plans live in ``device.plans`` (dropped when the device's tuning changes, see `tune.lookup.recheck`).
    """
    geo = transpose_geometry(cshape, cout, cin)
    if geo is None:
        return None
    key = ("transpose", dtype, shape, out_strides, geo, idx64)
    found = device.plans.get(key)
    if found is None:
        found = device.plans[key] = make_plan(device, dtype, shape, out_strides, geo, idx64)
    return found
