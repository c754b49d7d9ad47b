"""Shared helpers for bench/: timing, optional peers, a table and a JSON record."""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent

# Run from a checkout, the benchmarks measure the checkout's package.
if (ROOT / "portatensor" / "__init__.py").exists() and str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))


def best_of(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Median seconds per call of fn over `repeat` rounds of `number` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def torch_or_none() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    payload = {"bench": name, "python": sys.version.split()[0], "machine": platform.machine(),
               "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **payload}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path
