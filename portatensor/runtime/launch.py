"""The one place that sets kernel arguments, rounds sizes and enqueues."""

from __future__ import annotations

from typing import Any, Sequence

from . import opencl, profile

_enqueue = opencl.enqueue_kernel


def round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


def launch(device: Any, kernel: Any, gsize: tuple[int, ...], lsize: tuple[int, ...] | None,
           args: Sequence[Any]) -> Any:
    """Enqueue ``kernel`` on the device's queue; returns the event, never waits.

    ``gsize`` is rounded up to a multiple of ``lsize``; kernels bound-check.
    """
    if lsize is not None:
        gsize = tuple(round_up(g, l) for g, l in zip(gsize, lsize))
    kernel.set_args(*args)
    ev = _enqueue(device.queue, kernel, gsize, lsize)
    if profile.enabled:
        profile.record(device.label, kernel.function_name, ev)
    return ev
