"""The standard's set functions (namedtuple results with the standard's field names)."""

from __future__ import annotations

from .ops.sort import unique_all, unique_counts, unique_inverse, unique_values

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values"]
