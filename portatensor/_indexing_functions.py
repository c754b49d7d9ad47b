"""The standard's indexing functions."""

from __future__ import annotations

from .ops.index import take, take_along_axis

__all__ = ["take", "take_along_axis"]
