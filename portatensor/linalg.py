"""The standard's linear algebra extension (``portatensor.linalg``).

Everything runs as device kernels. matmul, matrix_transpose, tensordot, vecdot,
outer, diagonal, trace, cross, vector_norm, matrix_norm and matrix_power
compose GEMM, elementwise and reduction kernels and views. The factorisations
(templates/factor.cl.mako, one work-group per matrix of a stack) are:
cholesky (column by column), det, slogdet, inv and solve (LU with partial
pivoting), qr (Householder), eigh and eigvalsh (cyclic Jacobi), svd and
svdvals (one-sided Jacobi), and on top of them matrix_rank, pinv,
matrix_norm's 2, -2 and 'nuc', and matrix_power with n < 0 (through inv).

They take real and complex floating-point stacks (float64 and complex128
where the device has fp64); integer input raises TypeError. Complex input runs
the same kernels with complex arithmetic: cholesky, eigh and eigvalsh take
Hermitian matrices, eigenvalues and singular values are real, slogdet's sign
is a complex unit, and complex matmul is one real GEMM over the interleaved
storage (ops/cgemm.py). Eigenvector and singular-vector phases (and the basis
of repeated eigenvalues) may differ from NumPy's; the invariants hold.
"""

from __future__ import annotations

from .ops.factor import (
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_rank,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from .ops.linalg import (
    cross,
    diagonal,
    matmul,
    matrix_norm,
    matrix_power,
    outer,
    tensordot,
    trace,
    vecdot,
    vector_norm,
)
from .ops.manipulate import matrix_transpose

__all__ = [
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot",
    "trace", "vecdot", "vector_norm",
]
