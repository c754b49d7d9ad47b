"""matmul: batched, broadcast, any strides; the tuned GEMM config per device.

The config comes from the device's tuning database (exact shape bucket →
nearest → vendor default); with nothing better, the conservative scalar kernel
of gemm.cl.mako that every compiler accepts runs.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..codegen import KernelSpec
from ..runtime.launch import launch
from ..tune import gemm as _gemm
from ..tune.lookup import tuned_config
from ..tensor import Tensor
from ..views import broadcast_shapes, broadcast_strides, collapse_dims
from .creation import fill_
from .elementwise import INDEX32_LIMIT, contiguous

# Each work-item computes a TM x TN block of C in registers (see gemm.cl.mako).
TM, TN = 4, 4


def _batch_view(t: Tensor, batch: tuple[int, ...]) -> tuple[Tensor, int]:
    """t broadcast over batch with its batch dims as one stride, copying only if they do not collapse."""
    bst = broadcast_strides(t.shape[:-2], t.strides[:-2], batch)
    cshape, (cst,) = collapse_dims(batch, bst)
    if len(cshape) == 1:
        return t, cst[0]
    # NOTE: batch dims that neither collapse nor broadcast uniformly: materialise once.
    full = Tensor(t._storage, batch + t.shape[-2:], bst + t.strides[-2:], t.offset, t.dtype, t.device)
    full = contiguous(full)
    return full, full.strides[-3] if full.ndim > 2 else 0


def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Matrix product with the standard's 1-d and batch broadcasting rules."""
    if not isinstance(x1, Tensor) or not isinstance(x2, Tensor):
        raise TypeError("matmul needs two arrays")
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul does not take 0-d arrays (shapes {x1.shape} and {x2.shape})")
    dtype = _dt.result_type(x1.dtype, x2.dtype)
    if dtype.kind not in "iuf":
        raise TypeError(f"matmul needs numeric real arrays, got {x1.dtype.name} and {x2.dtype.name}")
    if x1.device is not x2.device:
        raise ValueError(f"matmul: arrays are on different devices ({x1.device} and {x2.device})")
    device = x1.device
    a = x1[None, :] if x1.ndim == 1 else x1
    b = x2[:, None] if x2.ndim == 1 else x2
    M, K = a.shape[-2:]
    K2, N = b.shape[-2:]
    if K != K2:
        raise ValueError(f"matmul: shapes {x1.shape} and {x2.shape} are not aligned ({K} != {K2})")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out_shape = batch + (M, N)
    out = Tensor.empty(out_shape, dtype, device)
    if out.size == 0:
        return _squeeze(out, x1, x2)
    if K == 0:
        return _squeeze(fill_(out, 0), x1, x2)
    a, a_bs = _batch_view(a, batch)
    b, b_bs = _batch_view(b, batch)
    nb = out.size // (M * N)
    idx64 = max(a._storage.nbytes, b._storage.nbytes, out._storage.nbytes) > INDEX32_LIMIT
    a_sm, a_sk, b_sk, b_sn = a.strides[-2], a.strides[-1], b.strides[-2], b.strides[-1]
    found = tuned_config(device, "gemm", (a.dtype.name, b.dtype.name, dtype.name),
                         _gemm.layout_of(a_sm, a_sk, b_sk, b_sn), (M, N, K))
    if found.source == "generic":
        _simple_gemm(device, out, a, b, a_bs, b_bs, M, N, K, nb, dtype.name, idx64)
    else:
        run_xgemm(device, found.config, out._storage.buf, a._storage.buf, b._storage.buf,
                  a.dtype.name, b.dtype.name, dtype.name, M, N, K, nb,
                  (a.offset, a_bs, a_sm, a_sk), (b.offset, b_bs, b_sk, b_sn), idx64)
    return _squeeze(out, x1, x2)


def _simple_gemm(device, out, a, b, a_bs, b_bs, M, N, K, nb, dtype, idx64) -> None:
    """The conservative default: gemm.cl.mako, scalar, TM x TN per work-item."""
    spec = KernelSpec.make("gemm", "gemm", (dtype,), rank=1, a=a.dtype.name, b=b.dtype.name, out=dtype,
                           compute=dtype, TM=TM, TN=TN, idx64=idx64)
    kernel = device.kernel(spec)
    args = [out._storage.buf, a._storage.buf, b._storage.buf, M, N, K,
            a.offset, a_bs, a.strides[-2], a.strides[-1], b.offset, b_bs, b.strides[-2], b.strides[-1]]
    launch(device, kernel, (-(-N // TN), -(-M // TM), nb), None, args)


def run_xgemm(device, config, c_buf, a_buf, b_buf, a_dt: str, b_dt: str, out_dt: str, M: int, N: int, K: int,
              nb: int, a_geom: tuple[int, int, int, int], b_geom: tuple[int, int, int, int], idx64: bool) -> list:
    """Launch the xgemm kernel of ``config``: C (nb x M x N, contiguous) = A @ B; returns the events.

    ``a_geom`` is (offset, batch stride, row stride, k stride) of A; ``b_geom``
    (offset, batch stride, k stride, column stride) of B, all in elements.
    """
    key = ("xgemm", config, a_dt, b_dt, out_dt, b_geom[3] == 1, idx64)
    kernel = device.plans.get(key)
    if kernel is None:
        spec = _gemm.xgemm_spec(config, a_dt, b_dt, out_dt, out_dt, b_geom[3] == 1, idx64)
        kernel = device.plans[key] = device.kernel(spec)
    events = []
    for step in _gemm.plan(config, M, N, K, nb, out_dt).launches:
        args = [c_buf, a_buf, b_buf, M, N, step.k0, step.k1, step.beta, *a_geom, *b_geom]
        events.append(launch(device, kernel, step.gsize, step.lsize, args))
    return events


def _squeeze(out: Tensor, x1: Tensor, x2: Tensor) -> Tensor:
    if x1.ndim == 1:
        out = out[..., 0, :]
    if x2.ndim == 1:
        out = out[..., 0]
    return out
