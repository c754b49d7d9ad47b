"""The device matrix and the test session's shared kernel cache.

Every test that takes the ``device`` fixture runs once per selected device:
PORTATENSOR_TEST_DEVICES unset means the default device, ``all`` every device
that can build a kernel, otherwise a comma-separated list of selectors
(``0``, ``1:0``, ``rusticl``). Tests marked ``portability`` also run on every
other working device, so one test command covers PoCL 3.1 and Mesa rusticl
when they are installed.
"""

from __future__ import annotations

import os
from pathlib import Path

# Before portatensor (and so the OpenCL ICD loader) starts:
# - Mesa's rusticl lists its llvmpipe device only when asked to;
# - all tests of one session share one kernel cache (a persistent one in the
#   checkout, so a local re-run is warm; CI's clean clone starts cold).
os.environ.setdefault("RUSTICL_ENABLE", "llvmpipe")
os.environ.setdefault("PORTATENSOR_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache" / "test-kernels"))

import pytest  # noqa: E402

import portatensor as pt  # noqa: E402


def _selected() -> list[pt.Device]:
    spec = os.environ.get("PORTATENSOR_TEST_DEVICES", "").strip()
    if not spec:
        return [pt.default_device()]
    if spec == "all":
        return [d for d in pt.devices() if d.probe() is None]
    return [pt.get_device(s) for s in spec.split(",") if s.strip()]


def _extra() -> list[pt.Device]:
    chosen = _selected()
    return [d for d in pt.devices() if d not in chosen and d.probe() is None]


def _id(dev: pt.Device) -> str:
    return f"{dev.info.short_platform}{dev.info.selector.replace(':', '.')}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames:
        devs = _selected()
        if metafunc.definition.get_closest_marker("portability"):
            devs = devs + _extra()
        metafunc.parametrize("device", devs, ids=[_id(d) for d in devs], scope="session")


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"portatensor default device: {pt.default_device()}"]
    for d in pt.devices():
        why = d.probe()
        lines.append(f"  {d!r}: {'ok' if why is None else why}")
    return lines
