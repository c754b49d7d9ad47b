"""The elementwise kernel family: its search space and shipped defaults.

A config (see `templates/elementwise.cl.mako`) names:

- local_size: the work-group size (0: let the driver choose);
- items_per_thread: how many elements one work-item computes;
- strided: whether a work-item's elements are spaced by the global size
  (coalesced loads on GPUs) or form one contiguous block (one long loop per
  work-item, what CPU implementations vectorise and prefetch best).

`ops/elementwise.py` looks the config up once per launch plan (the plan is
memoized), so tuning costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence

from portatensor.tune.space import Config, DeviceLimits, Space

__all__ = ["FAMILY", "VENDOR_DEFAULTS", "default_config", "elementwise_space", "geometry"]

FAMILY = "elementwise"


def _work_group(c: Config, lim: DeviceLimits) -> bool:
    """The work-group fits the device's limit."""
    return c["local_size"] <= lim.max_work_group_size


def _canonical_order(c: Config, lim: DeviceLimits) -> bool:
    """With one item per work-item the order means nothing: keep one value."""
    return c["items_per_thread"] > 1 or not c["strided"]


#: Shipped starting points. NOTE: the CPU row is what measured best on PoCL
#: (see the issue-5 note); GPU rows follow the usual practice of 256-item
#: groups with a few coalesced elements each.
VENDOR_DEFAULTS: dict[str, dict[str, object]] = {
    "generic": {"local_size": 0, "items_per_thread": 1, "strided": False},
    "cpu": {"local_size": 0, "items_per_thread": 1, "strided": False},
    "nvidia": {"local_size": 256, "items_per_thread": 4, "strided": True},
    "amd": {"local_size": 256, "items_per_thread": 4, "strided": True},
    "intel_gpu": {"local_size": 128, "items_per_thread": 2, "strided": True},
}


def default_config(vendor: str) -> dict[str, object]:
    """The shipped default for a vendor key, else the generic one."""
    return dict(VENDOR_DEFAULTS.get(vendor, VENDOR_DEFAULTS["generic"]))


def elementwise_space(limits: DeviceLimits) -> Space:
    """The elementwise search space for a device (30 configs at most: exhaustive search)."""
    params: dict[str, Sequence[object]] = {
        "local_size": [0, 16, 64, 256],
        "items_per_thread": [1, 2, 4, 8, 16],
        "strided": [False, True],
    }
    return Space(params, [_work_group, _canonical_order], default=default_config(limits.vendor_key))


def geometry(config: Config, n: int) -> tuple[tuple[int], tuple[int] | None]:
    """(global size, local size or None) to cover n elements with this config."""
    ipt = int(config["items_per_thread"])
    ls = int(config["local_size"])
    g = -(-n // ipt)
    return (g,), ((ls,) if ls else None)
