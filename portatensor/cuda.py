"""A small, honest stand-in for ``torch.cuda`` so ported scripts can pick their device.

``is_available()`` says whether an OpenCL GPU device exists (any vendor, not
only NVIDIA); ``"cuda"`` given as a device then selects that GPU. There is one
random generator for every device, so the seeding calls seed it.
"""

from __future__ import annotations

from typing import Any

from .random import manual_seed
from .runtime.device import _is_gpu, devices, get_device


def device_count() -> int:
    """How many OpenCL GPU devices there are (software rasterisers such as llvmpipe excluded)."""
    return sum(1 for d in devices() if _is_gpu(d))


def is_available() -> bool:
    """True when an OpenCL GPU device exists, so ``device="cuda"`` selects one."""
    return device_count() > 0


def manual_seed_all(seed: int) -> None:
    """Seed the one generator every device draws from (PyTorch seeds one per GPU)."""
    manual_seed(seed)


def synchronize(device: Any = None) -> None:
    """Wait until every queued kernel on the GPU (or the given device) has finished."""
    get_device("cuda" if device is None else device).synchronize()


def get_device_name(device: Any = None) -> str:
    """The OpenCL name of the GPU (or the given device)."""
    return get_device("cuda" if device is None else device).info.name


__all__ = ["device_count", "get_device_name", "is_available", "manual_seed", "manual_seed_all", "synchronize"]
