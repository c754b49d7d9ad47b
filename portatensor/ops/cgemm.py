"""Complex matmul as one real GEMM (the tuned real kernels of ops/linalg.py).

complex64/complex128 storage interleaves (re, im), so a complex (M, K) matrix
with unit k stride *is* a real (M, 2K) matrix, and the complex (M, N) product
is the real (M, 2N) product of it with the real (2K, 2N) block matrix whose
(k, n) block is [[br, bi], [-bi, br]]. That block matrix, read as complex, is
(K, 2, N) with rows b and i*b: one elementwise kernel builds it. The real GEMM
then does the 4 real products of each complex one (ar*br - ai*bi, ar*bi +
ai*br) in its inner loop, with no separate combine step.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .elementwise import apply, astype, contiguous


def _as_real(t: Tensor) -> Tensor:
    """The complex (..., M, K) t with unit k stride, viewed as real (..., M, 2K) over the same storage."""
    rt = _dt.real_dtype(t.dtype)
    return Tensor(t._storage, t.shape[:-1] + (2 * t.shape[-1],), tuple(2 * s for s in t.strides[:-1]) + (1,),
                  2 * t.offset, rt, t.device)


def complex_matmul(a: Tensor, b: Tensor, dtype: _dt.DType, real_matmul) -> Tensor:
    """a (..., M, K) @ b (..., K, N) in the complex dtype, batch dims broadcast; ``real_matmul`` runs the GEMM."""
    a = astype(a, dtype, copy=False)
    b = astype(b, dtype, copy=False)
    if a.shape[-1] > 1 and a.strides[-1] != 1:
        a = contiguous(a)
    # NOTE: a 2-element constant: row 0 scales b by 1, row 1 by i.
    w = Tensor.from_numpy(np.array([[1], [1j]]), dtype, b.device)
    K, N = b.shape[-2:]
    blocks = apply("multiply", b[..., :, None, :], w)  # (..., K, 2, N), contiguous
    b2 = Tensor(blocks._storage, b.shape[:-2] + (2 * K, 2 * N), tuple(2 * s for s in blocks.strides[:-3]) + (2 * N, 1),
                0, _dt.real_dtype(dtype), b.device)
    c = real_matmul(_as_real(a), b2)  # (..., M, 2N) real, contiguous
    return Tensor(c._storage, c.shape[:-1] + (N,), tuple(s // 2 for s in c.strides[:-1]) + (1,), 0, dtype,
                  c.device)
