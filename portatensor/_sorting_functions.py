"""The standard's sorting functions."""

from __future__ import annotations

from .ops.sort import argsort, sort

__all__ = ["argsort", "sort"]
