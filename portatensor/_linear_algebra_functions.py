"""The standard's linear algebra functions in the main namespace."""

from __future__ import annotations

from .ops.linalg import matmul, tensordot, vecdot
from .ops.manipulate import matrix_transpose

__all__ = ["matmul", "matrix_transpose", "tensordot", "vecdot"]
