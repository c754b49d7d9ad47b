"""The standard's searching functions."""

from __future__ import annotations

from .ops.index import nonzero
from .ops.reduce import argmax, argmin, count_nonzero
from .ops.search import searchsorted, where

__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"]
