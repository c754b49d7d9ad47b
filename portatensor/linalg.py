"""The standard's linear algebra extension (``portatensor.linalg``).

matmul, matrix_transpose, tensordot, vecdot, outer, diagonal, trace, cross,
matrix_power (n >= 0), vector_norm and matrix_norm ('fro', 1, -1, inf, -inf)
run as device kernels (GEMM, elementwise, reductions, views).

The factorisations (cholesky, det, eigh, eigvalsh, inv, pinv, qr, slogdet,
solve, svd, svdvals, matrix_rank, and matrix_norm's 2/-2/'nuc',
matrix_power with n < 0) have no device kernels yet: they raise
NotImplementedError rather than running on the host behind the caller's back.
"""

from __future__ import annotations

from typing import Any, NoReturn

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


def _missing(name: str) -> NoReturn:
    raise NotImplementedError(f"portatensor.linalg.{name} has no device kernel yet (factorisations are a later "
                              "issue); it does not fall back to the host")


def cholesky(x: Any, /, *, upper: bool = False) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("cholesky")


def det(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("det")


def eigh(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("eigh")


def eigvalsh(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("eigvalsh")


def inv(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("inv")


def matrix_rank(x: Any, /, *, rtol: Any = None) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("matrix_rank")


def pinv(x: Any, /, *, rtol: Any = None) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("pinv")


def qr(x: Any, /, *, mode: str = "reduced") -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("qr")


def slogdet(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("slogdet")


def solve(x1: Any, x2: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("solve")


def svd(x: Any, /, *, full_matrices: bool = True) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("svd")


def svdvals(x: Any, /) -> Any:
    """Not implemented on the device yet: raises NotImplementedError."""
    _missing("svdvals")


__all__ = [
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot",
    "trace", "vecdot", "vector_norm",
]
