"""The standard's creation functions beyond the foundation's (asarray, arange, empty, full, ones, zeros)."""

from __future__ import annotations

from .ops.creation import (
    empty_like,
    eye,
    from_dlpack,
    full_like,
    linspace,
    meshgrid,
    ones_like,
    tril,
    triu,
    zeros_like,
)

__all__ = ["empty_like", "eye", "from_dlpack", "full_like", "linspace", "meshgrid", "ones_like", "tril", "triu",
           "zeros_like"]
