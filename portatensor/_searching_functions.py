"""The standard's searching functions."""

from __future__ import annotations

from .ops.reduce import argmax, argmin, count_nonzero

__all__ = ["argmax", "argmin", "count_nonzero"]
