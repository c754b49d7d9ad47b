"""The program cache: keys, validation, atomic writes, concurrency, read-only dirs."""

from __future__ import annotations

import multiprocessing as mp
import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from portatensor.errors import BuildError
from portatensor.runtime import opencl
from portatensor.runtime.cache import ProgramCache, decode_entry, encode_entry, key_hash, key_material

IDENT = {"platform": "P|V|1", "device": "D|N|1", "driver": "drv 1", "pyopencl": "2026.1"}
SRC = "__kernel void k(__global int* o) { o[0] = 1; }"


def test_key_changes_with_every_input():
    base = key_hash(key_material(SRC, "", IDENT, "fp"))
    variants = [
        key_material(SRC + " ", "", IDENT, "fp"),
        key_material(SRC, "-cl-fast-relaxed-math", IDENT, "fp"),
        key_material(SRC, "", {**IDENT, "device": "D|N|2"}, "fp"),
        key_material(SRC, "", {**IDENT, "driver": "drv 2"}, "fp"),
        key_material(SRC, "", {**IDENT, "platform": "P|V|2"}, "fp"),
        key_material(SRC, "", {**IDENT, "pyopencl": "2027.1"}, "fp"),
        key_material(SRC, "", IDENT, "fp2"),
    ]
    hashes = {key_hash(m) for m in variants}
    assert base not in hashes and len(hashes) == len(variants)
    assert key_hash(key_material(SRC, "", dict(reversed(list(IDENT.items()))), "fp")) == base  # canonical order


def test_entry_roundtrip_and_validation():
    m = key_material(SRC, "", IDENT, "fp")
    blob = encode_entry(m, b"BINARY")
    assert decode_entry(blob, m) == b"BINARY"
    assert decode_entry(blob[:-3], m) is None  # truncated
    assert decode_entry(blob, key_material(SRC, "-O0", IDENT, "fp")) is None  # stored under another key
    flipped = bytearray(blob)
    flipped[-12] ^= 0xFF
    assert decode_entry(bytes(flipped), m) is None  # corrupt payload
    assert decode_entry(b"junk", m) is None


class _Builds:
    """Stand-ins for the driver calls, counting what the cache asked for."""

    def __init__(self):
        self.source = 0
        self.binary = 0

    def from_source(self):
        self.source += 1
        return "program"

    def from_binary(self, b):
        if b != b"BIN":
            raise RuntimeError("driver rejects binary")
        self.binary += 1
        return "program"


def test_memory_then_disk_then_rebuild_on_corruption(tmp_path):
    b = _Builds()
    c = ProgramCache(tmp_path, IDENT, "fp")
    prog, pending = c.get(SRC, "", b.from_source, b.from_binary)
    assert (prog, b.source) == ("program", 1) and pending is not None
    assert c.get(SRC, "", b.from_source, b.from_binary) == ("program", None)  # memory hit
    c.store(pending, b"BIN")
    files = list((tmp_path / "programs").glob("*.bin"))
    assert len(files) == 1 and stat.S_IMODE((tmp_path / "programs").stat().st_mode) == 0o700
    c2 = ProgramCache(tmp_path, IDENT, "fp")
    assert c2.get(SRC, "", b.from_source, b.from_binary)[1] is None and b.binary == 1 and b.source == 1
    files[0].write_bytes(files[0].read_bytes()[:40])  # truncate
    c3 = ProgramCache(tmp_path, IDENT, "fp")
    _, pending = c3.get(SRC, "", b.from_source, b.from_binary)
    assert b.source == 2 and c3.stats["corrupt"] == 1 and pending is not None
    c3.store(pending, b"OTHER")  # a binary the driver will reject
    c4 = ProgramCache(tmp_path, IDENT, "fp")
    c4.get(SRC, "", b.from_source, b.from_binary)
    assert b.source == 3 and c4.stats["corrupt"] == 1


def test_other_users_writable_dir_is_not_loaded(tmp_path):
    d = tmp_path / "programs"
    d.mkdir(mode=0o700)
    os.chmod(d, 0o777)
    with pytest.warns(RuntimeWarning, match="writable by other users"):
        c = ProgramCache(tmp_path, IDENT, "fp")
    assert c.directory is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only directory; see test_readonly_dir_as_root")
def test_readonly_dir_falls_back_to_memory(tmp_path):
    _readonly_check(tmp_path)


def _readonly_check(tmp_path: Path) -> None:
    (tmp_path / "programs").mkdir(mode=0o700)
    os.chmod(tmp_path / "programs", 0o500)
    b = _Builds()
    c = ProgramCache(tmp_path, IDENT, "fp")
    _, pending = c.get(SRC, "", b.from_source, b.from_binary)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c.store(pending, b"BIN")
        c.store(pending, b"BIN")
    assert len([x for x in w if "memory only" in str(x.message)]) == 1
    assert c.get(SRC, "", b.from_source, b.from_binary)[1] is None  # still served from memory


def test_readonly_dir_as_root(tmp_path, monkeypatch):
    """Root ignores directory permissions; a write that fails with EACCES is the same code path."""
    if os.geteuid() != 0:
        pytest.skip("covered by test_readonly_dir_falls_back_to_memory")
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    _readonly_check(tmp_path)


def test_real_kernels_cached_across_processes(tmp_path, device):
    code = ("import portatensor as pt, numpy as np, json;"
            f"d = pt.get_device({device.info.selector!r});"
            "x = pt.asarray(np.arange(8, dtype=np.float32), device=d);"
            "y = (x * 2 - 1).numpy(); assert y.tolist() == [2*i - 1 for i in range(8)], y;"
            "print(json.dumps(d.programs.stats))")
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=str(tmp_path))
    env.pop("POCL_CACHE_DIR", None)
    import json

    first = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1])
    second = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()[-1])
    assert first["builds"] >= 2 and first["stored"] == first["builds"]
    assert second["builds"] == 0 and second["disk_hits"] == first["builds"]
    # Corrupt every entry: the next process rebuilds and still computes right.
    for f in (tmp_path / "programs").glob("*.bin"):
        f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    third = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout.strip().splitlines()[-1])
    assert third["corrupt"] == first["builds"] and third["builds"] == first["builds"]


def _worker(cache: str, selector: str, q) -> None:  # pragma: no cover - runs in children
    import numpy as np

    import portatensor as pt

    d = pt.get_device(selector)
    x = pt.asarray(np.arange(64, dtype=np.float32), device=d)
    ok = ((x + 1) * 3 / 2 - x).numpy().tolist() == [((i + 1) * 3 / 2 - i) for i in range(64)]
    q.put(ok)


@pytest.mark.slow
def test_four_processes_build_the_same_kernels(tmp_path, device, monkeypatch):
    # Spawned children import this module (and so portatensor) first: the cache dir must be in their environment.
    monkeypatch.setenv("PORTATENSOR_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("POCL_CACHE_DIR", raising=False)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), device.info.selector, q)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * 4
    assert all(q.get(timeout=5) for _ in range(4))
    entries = list((tmp_path / "programs").glob("*.bin"))
    assert entries and not list((tmp_path / "programs").glob(".tmp-*"))
    # Every entry is whole and valid: a fifth process loads them all without building.
    ctx2 = mp.get_context("spawn")
    q2 = ctx2.Queue()
    p = ctx2.Process(target=_worker, args=(str(tmp_path), device.info.selector, q2))
    p.start()
    p.join(timeout=300)
    assert p.exitcode == 0 and q2.get(timeout=5)


_REAL_PROGRAM = opencl.cl.Program


class _FlakyProgram:
    """cl.Program whose first ``fails`` builds fail the way pip's PoCL 3.0 does under a kernel-cache race."""

    calls = 0

    def __init__(self, ctx, source, fails):
        self._prog, self._fails = _REAL_PROGRAM(ctx, source), fails

    def build(self, **kw):
        _FlakyProgram.calls += 1
        if _FlakyProgram.calls <= self._fails:
            raise opencl.cl.RuntimeError("clBuildProgram failed: BUILD_PROGRAM_FAILURE")
        return self._prog.build(**kw)

    def get_build_info(self, dev, what):
        return "Device pthread failed to build the program" if _FlakyProgram.calls <= self._fails else ""


@pytest.mark.parametrize("fails", [1, 3, 4])
def test_build_retries_a_failure_without_a_diagnostic(monkeypatch, device, fails):
    _FlakyProgram.calls = 0
    monkeypatch.setattr(opencl.cl, "Program", lambda ctx, src: _FlakyProgram(ctx, src, fails))
    monkeypatch.setattr(opencl, "BUILD_RETRIES", (0.0, 0.0, 0.0))
    src = "__kernel void k(__global int *a) { a[0] = 7; }"
    if fails > len(opencl.BUILD_RETRIES):
        with pytest.raises(BuildError, match="failed to build the program"):
            opencl.build(device.context, device._handle, src, "", str(device))
    else:
        assert opencl.build(device.context, device._handle, src, "", str(device)) is not None
    assert _FlakyProgram.calls == min(fails + 1, len(opencl.BUILD_RETRIES) + 1)


def test_build_error_with_a_diagnostic_is_not_retried(monkeypatch, device):
    calls = []
    monkeypatch.setattr(opencl.cl, "Program", lambda ctx, src: calls.append(1) or _REAL_PROGRAM(ctx, src))
    with pytest.raises(BuildError, match="(?i)error"):
        opencl.build(device.context, device._handle, "__kernel void k(__global int *a) { a[0] = ; }", "",
                     str(device))
    assert len(calls) == 1
