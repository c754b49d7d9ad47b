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


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int = 9, number: int = 1,
                base: str = "portatensor", settle: float = 0.02) -> tuple[dict[str, float], dict[str, float]]:
    """Time each fn in turn, round after round, so drift in a shared machine's memory bandwidth falls
    on every library alike: (median seconds per call, median over rounds of time / base's time).

    Each fn runs once first, untimed (kernel builds, allocator warm-up); the order within a round
    rotates so none always runs first. Before each library's turn the host idles ``settle`` seconds:
    PyTorch's OpenMP threads spin for a while after a parallel region, and on a 2-core machine they
    would take a core from whichever library ran next.
    """
    names = list(fns)
    for fn in fns.values():
        fn()
    rounds: list[dict[str, float]] = []
    for r in range(repeat):
        t: dict[str, float] = {}
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(settle)
            t0 = time.perf_counter()
            for _ in range(number):
                fns[name]()
            t[name] = (time.perf_counter() - t0) / number
        rounds.append(t)
    med = {n: statistics.median(t[n] for t in rounds) for n in names}
    rel = {n: statistics.median(t[n] / t[base] for t in rounds) for n in names}
    return med, rel


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
