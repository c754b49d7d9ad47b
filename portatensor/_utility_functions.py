"""The standard's utility functions: all, any, diff."""

from __future__ import annotations

from .ops.reduce import all, any

__all__ = ["all", "any"]
