"""Autotuning: search spaces, strategies and the per-device tuning database."""

from __future__ import annotations

from portatensor.tune.db import DEFAULTS, Entry, Lookup, TuningDB, TuningDBWarning, shape_bucket
from portatensor.tune.space import Config, Constraint, DeviceLimits, Space, vendor_key
from portatensor.tune.strategies import (
    SearchResult,
    Trial,
    auto,
    exhaustive,
    local_search,
    random_search,
)

__all__ = [
    "DEFAULTS",
    "Config",
    "Constraint",
    "DeviceLimits",
    "Entry",
    "Lookup",
    "SearchResult",
    "Space",
    "Trial",
    "TuningDB",
    "TuningDBWarning",
    "auto",
    "exhaustive",
    "local_search",
    "random_search",
    "shape_bucket",
    "vendor_key",
]
