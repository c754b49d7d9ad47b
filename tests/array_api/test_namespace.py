"""The namespace: version, __array_namespace__, constants, __array_namespace_info__ per device."""

from __future__ import annotations

import math

import pytest

import portatensor as pt


def test_version_and_constants() -> None:
    assert pt.__array_api_version__ == "2024.12"
    assert pt.e == math.e and pt.pi == math.pi and pt.inf == math.inf
    assert math.isnan(pt.nan)
    assert pt.newaxis is None


@pytest.mark.parametrize("version", [None, "2021.12", "2022.12", "2023.12", "2024.12"])
def test_array_namespace(device: pt.Device, version: str | None) -> None:
    x = pt.asarray([1.0, 2.0], device=device)
    assert x.__array_namespace__(api_version=version) is pt


@pytest.mark.parametrize("version", ["2020.10", "2025.12", "latest", 2024])
def test_array_namespace_rejects(version: object) -> None:
    x = pt.asarray([1.0])
    with pytest.raises(ValueError, match="unsupported Array API version"):
        x.__array_namespace__(api_version=version)


def test_newaxis_indexes(device: pt.Device) -> None:
    x = pt.asarray([1.0, 2.0], device=device)
    assert x[pt.newaxis, :].shape == (1, 2)


def test_info(device: pt.Device) -> None:
    info = pt.__array_namespace_info__()
    assert info.capabilities() == {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}
    assert info.default_device() is pt.default_device()
    assert device in info.devices()
    assert info.default_dtypes(device=device) == {"real floating": pt.float32, "complex floating": pt.complex64,
                                                   "integral": pt.int64, "indexing": pt.int64}
    all_ = info.dtypes(device=device)
    base = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "complex64"]
    for name in base:
        assert all_[name] is getattr(pt, name)
    fp64 = device.info.fp64
    assert ("float64" in all_) == fp64 and ("complex128" in all_) == fp64
    assert "float16" not in all_ and "bfloat16" not in all_
    assert set(info.dtypes(device=device, kind="bool")) == {"bool"}
    assert set(info.dtypes(device=device, kind="signed integer")) == {"int8", "int16", "int32", "int64"}
    assert set(info.dtypes(device=device, kind="unsigned integer")) == {"uint8", "uint16", "uint32", "uint64"}
    assert set(info.dtypes(device=device, kind="real floating")) == {"float32"} | ({"float64"} if fp64 else set())
    assert set(info.dtypes(device=device, kind=("bool", "complex floating"))) == (
        {"bool", "complex64"} | ({"complex128"} if fp64 else set()))
    assert len(info.dtypes(device=device, kind="integral")) == 8
    assert len(info.dtypes(device=device, kind="numeric")) == len(all_) - 1
    with pytest.raises(ValueError, match="unknown dtype kind"):
        info.dtypes(kind="floats")


def test_info_every_device_is_honest() -> None:
    info = pt.__array_namespace_info__()
    for dev in info.devices():
        names = info.dtypes(device=dev)
        for name, dt in names.items():
            assert dev.supports(dt), (name, dev)


def _compat():
    try:
        import array_api_compat
    except ImportError:
        array_api_compat = pytest.importorskip("sklearn.externals.array_api_compat")
    return array_api_compat


def test_array_api_compat_finds_namespace(device: pt.Device) -> None:
    compat = _compat()
    x = pt.asarray([1.0, 2.0], device=device)
    assert compat.is_array_api_obj(x)
    assert compat.array_namespace(x) is pt
    assert compat.array_namespace(x, pt.asarray([3], device=device)) is pt
    assert compat.device(x) == x.device
