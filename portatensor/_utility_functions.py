"""The standard's utility functions: all, any, diff."""

from __future__ import annotations

from .ops.reduce import all, any
from .ops.search import diff

__all__ = ["all", "any", "diff"]
