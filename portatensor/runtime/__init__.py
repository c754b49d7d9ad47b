"""Layer 2: devices, queues, buffers, program builds and the one launch()."""

from __future__ import annotations

from .device import Device, DeviceInfo, default_device, devices, get_device, set_default_device
from .launch import launch

__all__ = ["Device", "DeviceInfo", "default_device", "devices", "get_device", "launch", "set_default_device"]
