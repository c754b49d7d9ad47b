"""The buffer pool and launch(): reuse, stats, empty_cache, MemoryError, profiling."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import portatensor as pt
from portatensor.runtime.pool import BufferPool, bucket_size


def test_bucket_sizes():
    assert bucket_size(1) == 256 and bucket_size(256) == 256
    for n in (257, 1000, 4097, 10**6, 3 * 2**20 + 1):
        b = bucket_size(n)
        assert n <= b <= n * 1.25 + 256


class _FakeBuf:
    released = 0

    def release(self):
        _FakeBuf.released += 1


def test_pool_reuse_stats_and_empty():
    allocs = []
    pool = BufferPool("fake", lambda n: allocs.append(n) or _FakeBuf(), max_alloc=1 << 30, global_mem=1 << 31)
    s = pool.allocate(1000)
    buf = s.buf
    del s
    s2 = pool.allocate(900)  # same bucket: reused
    assert s2.buf is buf and len(allocs) == 1
    st = pool.stats()
    assert st["hits"] == 1 and st["misses"] == 1 and st["in_use_bytes"] == bucket_size(1000)
    del s2
    assert pool.stats()["cached_bytes"] == bucket_size(1000)
    pool.empty()
    assert pool.stats()["cached_bytes"] == 0 and _FakeBuf.released == 1


def test_pool_memoryerror_names_bytes_and_device():
    pool = BufferPool("my-device", lambda n: _FakeBuf(), max_alloc=1 << 20, global_mem=1 << 30)
    with pytest.raises(MemoryError, match=r"2097152 bytes.*my-device"):
        pool.allocate(2 << 20)

    def refuse(n):
        raise MemoryError("CL_MEM_OBJECT_ALLOCATION_FAILURE")

    pool = BufferPool("dev2", refuse, max_alloc=1 << 30, global_mem=1 << 30)
    with pytest.raises(MemoryError, match=r"4096 bytes on dev2"):
        pool.allocate(4096)


def test_device_allocation_too_large(device):
    n = device.info.max_alloc // 4 + 1024
    with pytest.raises(MemoryError, match=str(n * 4)):
        pt.empty((n,), device=device)


def test_tensors_return_buffers_to_the_pool(device):
    pt.empty_cache(device)
    before = pt.memory_stats(device)["in_use_bytes"]
    x = pt.zeros((1000,), device=device)
    y = x + 1
    assert pt.memory_stats(device)["in_use_bytes"] > before
    del x, y
    assert pt.memory_stats(device)["in_use_bytes"] == before
    for _ in range(10):
        z = pt.zeros((1000,), device=device) + 2  # noqa: F841 - steady state: buffers come from the pool
    hits = pt.memory_stats(device)["hits"]
    pt.zeros((1000,), device=device) + 2
    assert pt.memory_stats(device)["hits"] >= hits + 2


def test_profile_chrome_trace(tmp_path, device):
    out = tmp_path / "trace.json"
    code = (f"import portatensor as pt, numpy as np; d = pt.get_device({device.info.selector!r});"
            "x = pt.asarray(np.ones(100, np.float32), device=d); y = (x + 1) * 2; y.numpy();"
            "from portatensor.runtime import profile; print(profile.summary())")
    env = dict(os.environ, PORTATENSOR_PROFILE="1", PORTATENSOR_PROFILE_OUT=str(out))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "ew" in res.stdout
    trace = json.loads(out.read_text())
    kernels = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    assert len(kernels) == 2 and all(e["dur"] >= 0 and e["name"] == "ew" for e in kernels)


def test_launch_rounds_global_size(device):
    from portatensor.codegen import KernelSpec
    from portatensor.runtime.launch import launch

    k = device.kernel(KernelSpec("probe", "probe"))
    buf = device.pool.allocate(64 * 4)
    launch(device, k, (10,), (8,), [buf.buf, 5])  # rounded to 16 work-items
    host = np.zeros(16, np.int32)
    from portatensor.runtime import opencl

    opencl.read(device.queue, host, buf.buf)
    assert host.tolist() == [5 + i for i in range(16)]
