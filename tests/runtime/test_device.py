"""Device discovery, capabilities, selection and the no-platform error."""

from __future__ import annotations

import subprocess
import sys

import pytest

import portatensor as pt
from portatensor.errors import NoPlatformError
from portatensor.runtime import device as devmod


def test_devices_have_capabilities():
    devs = pt.devices()
    assert devs, "at least the default device"
    for d in devs:
        i = d.info
        assert i.name and i.vendor and i.driver_version and i.opencl_c_version
        assert i.type in ("cpu", "gpu", "accelerator", "other")
        assert i.compute_units > 0 and i.global_mem > 0 and i.local_mem > 0 and i.max_work_group_size > 0
        assert isinstance(i.fp64, bool) and isinstance(i.fp16, bool) and isinstance(i.subgroups, bool)
        assert devs[i.index] is d


def test_selection_by_index_pair_and_fragment():
    d = pt.default_device()
    assert pt.get_device(str(d.info.index)) is d
    assert pt.get_device(d.info.selector) is d
    assert pt.get_device(d) is d
    frag = d.info.short_platform
    assert frag.lower() in f"{pt.get_device(frag.upper()).info.platform_name} {frag}".lower()


def test_unknown_selector_lists_devices():
    with pytest.raises(ValueError) as e:
        pt.get_device("no-such-device-xyz")
    assert pt.default_device().info.name in str(e.value)
    with pytest.raises(ValueError):
        pt.get_device("99:0")


def test_no_platform_is_runtimeerror(monkeypatch):
    monkeypatch.setattr(devmod, "_DEVICES", None)
    monkeypatch.setattr(devmod, "_DEFAULT", None)
    monkeypatch.setattr(devmod.opencl, "platforms", lambda: [])
    with pytest.raises(RuntimeError, match="pocl-binary-distribution"):
        devmod.default_device()
    assert issubclass(NoPlatformError, RuntimeError)


def test_unusable_devices_are_skipped_for_the_default(monkeypatch):
    devs = pt.devices()
    monkeypatch.setattr(devmod, "_DEFAULT", None)
    broken = devs[0]
    monkeypatch.setattr(broken, "_probe", "BuildError: unknown target CPU 'generic'")
    others = [d for d in devs if d is not broken and d.probe() is None]
    if others:
        assert devmod.default_device() is not broken
    else:
        with pytest.raises(RuntimeError, match="unknown target CPU"):
            devmod.default_device()


def test_env_selector_in_a_fresh_process():
    d = pt.default_device()
    code = "import portatensor as pt; print(pt.default_device().info.selector)"
    import os

    env = dict(os.environ, PORTATENSOR_DEVICE=d.info.selector)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == d.info.selector
    env["PORTATENSOR_DEVICE"] = "nonexistent-device"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "ValueError" in out.stderr and "no OpenCL device matches" in out.stderr


def test_dtype_support_is_honest(device):
    assert device.supports(pt.float32)
    assert device.supports(pt.float64) == device.info.fp64
