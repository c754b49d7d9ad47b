"""Inspection: ``__array_namespace_info__()`` of the 2024.12 standard, honest per device."""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from .runtime import Device, default_device, devices, get_device

_KINDS = {
    "bool": ("b",),
    "signed integer": ("i",),
    "unsigned integer": ("u",),
    "integral": ("i", "u"),
    "real floating": ("f",),
    "complex floating": ("c",),
    "numeric": ("i", "u", "f", "c"),
}

# The standard's dtypes (float16/bfloat16 are storage extensions, left out here).
_STANDARD = (_dt.bool_, _dt.int8, _dt.int16, _dt.int32, _dt.int64, _dt.uint8, _dt.uint16, _dt.uint32, _dt.uint64,
             _dt.float32, _dt.float64, _dt.complex64, _dt.complex128)


class Info:
    """The object ``__array_namespace_info__()`` returns."""

    __module__ = "portatensor"

    def capabilities(self) -> dict[str, Any]:
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}

    def default_device(self) -> Device:
        return default_device()

    def devices(self) -> list[Device]:
        return [d for d in devices() if d.probe() is None]

    def default_dtypes(self, *, device: Any = None) -> dict[str, _dt.DType]:
        if device is not None:
            get_device(device)  # validates the device
        # float32 is the default floating dtype on every device, fp64 or not.
        return {"real floating": _dt.default_float, "complex floating": _dt.default_complex,
                "integral": _dt.default_int, "indexing": _dt.default_index}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, _dt.DType]:
        dev = get_device(device)
        if kind is None:
            codes: tuple[str, ...] = ("b", "i", "u", "f", "c")
        else:
            codes = ()
            for k in (kind,) if isinstance(kind, str) else tuple(kind):
                if k not in _KINDS:
                    raise ValueError(f"unknown dtype kind {k!r}; expected one of {sorted(_KINDS)}")
                codes += _KINDS[k]
        return {d.name: d for d in _STANDARD if d.kind in codes and dev.supports(d)}


def __array_namespace_info__() -> Info:  # noqa: N807 - the standard's name
    """The standard's inspection namespace (capabilities, devices, dtypes per device)."""
    return Info()
