"""The one place that sets kernel arguments, rounds sizes and enqueues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import opencl, profile

_enqueue = opencl.enqueue_kernel
# NOTE: every launch is enqueued at once. Holding small launches back and enqueueing them together at the next
# sync was tried (2026-11) and is slower on PoCL 3.1: 18.8 us per enqueue into a busy queue during the digits
# MLP step, against ~10 us when interleaved with the host's work. Fewer launches is the lever, not batching.


def round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


def launch(device: Any, kernel: Any, gsize: tuple[int, ...], lsize: tuple[int, ...] | None,
           args: Sequence[Any]) -> Any:
    """Enqueue ``kernel`` on the device's queue; returns the event, never waits.

    ``gsize`` is rounded up to a multiple of ``lsize``; kernels bound-check.
    """
    if lsize is not None:
        gsize = tuple(round_up(g, n) for g, n in zip(gsize, lsize, strict=True))
    kernel.set_args(*args)
    ev = _enqueue(device.queue, kernel, gsize, lsize)
    if profile.enabled:
        profile.record(device.label, kernel.function_name, ev)
    return ev
