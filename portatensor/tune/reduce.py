"""The reduction kernel family: its search space and shipped defaults.

A config (see `templates/reduce.cl.mako` and `ops/reduce.py`) names:

- local_size: the work-group size (0: let the driver choose);
- items_per_cu: how many work-items per compute unit a reduction aims for
  (few outputs over long rows split the rows into that many chunks; a second
  launch combines the chunks: one or two stages);
- min_chunk: the fewest elements a chunk may hold (shorter rows: one stage);
- strided: chunks interleave (work-item c reads c, c + n, ...: coalesced on
  GPUs) or are contiguous blocks (what CPUs stream and prefetch best);
- VW: the vector width of the contiguous-block loop (1: scalar), used where
  the reduced elements are contiguous and the op combines lane-wise.
"""

from __future__ import annotations

from collections.abc import Sequence

from portatensor.tune.space import Config, DeviceLimits, Space

__all__ = ["FAMILY", "VENDOR_DEFAULTS", "default_config", "reduce_space"]

FAMILY = "reduce"


def _work_group(c: Config, lim: DeviceLimits) -> bool:
    """The work-group fits the device's limit."""
    return c["local_size"] <= lim.max_work_group_size


def _vector_needs_blocks(c: Config, lim: DeviceLimits) -> bool:
    """Vector loads read a contiguous block: interleaved chunks stay scalar."""
    return not c["strided"] or c["VW"] == 1


#: Shipped starting points. The CPU row is what PoCL ran before tuning
#: existed (64 work-items per core, 4096-element chunks, 8-wide vectors).
VENDOR_DEFAULTS: dict[str, dict[str, object]] = {
    "generic": {"local_size": 0, "items_per_cu": 256, "min_chunk": 4096, "strided": False, "VW": 1},
    "cpu": {"local_size": 0, "items_per_cu": 64, "min_chunk": 4096, "strided": False, "VW": 8},
    "nvidia": {"local_size": 256, "items_per_cu": 2048, "min_chunk": 4096, "strided": True, "VW": 1},
    "amd": {"local_size": 256, "items_per_cu": 2048, "min_chunk": 4096, "strided": True, "VW": 1},
    "intel_gpu": {"local_size": 128, "items_per_cu": 2048, "min_chunk": 4096, "strided": True, "VW": 1},
}


def default_config(vendor: str) -> dict[str, object]:
    """The shipped default for a vendor key, else the generic one."""
    return dict(VENDOR_DEFAULTS.get(vendor, VENDOR_DEFAULTS["generic"]))


def reduce_space(limits: DeviceLimits) -> Space:
    """The reduction search space for a device."""
    params: dict[str, Sequence[object]] = {
        # NOTE: few long chunks, one work-item a group (PoCL then spreads the groups over its threads
        # rather than running one big group on one) are the CPU corner of the space.
        "local_size": [0, 1, 16, 64, 256],
        "items_per_cu": [4, 8, 16, 64, 256, 2048],
        "min_chunk": [1024, 4096, 16384],
        "strided": [False, True],
        "VW": [1, 4, 8, 16],
    }
    return Space(params, [_work_group, _vector_needs_blocks], default=default_config(limits.vendor_key))
