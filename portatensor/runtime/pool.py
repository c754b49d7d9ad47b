"""A size-bucketed buffer pool per device.

Allocating and releasing OpenCL buffers costs driver calls and, on GPUs,
synchronisation; training loops allocate the same sizes every step. Freed
buffers go back to a free list by size bucket and are handed out again. The
device queue is in order, so a buffer freed by Python can be reused by the
next enqueued command even while earlier commands that used it still run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def bucket_size(nbytes: int) -> int:
    """Round up to 256 bytes, then to a quarter-power-of-two (at most 25% waste)."""
    if nbytes <= 256:
        return 256
    top = 1 << (nbytes - 1).bit_length()
    step = top // 8
    return (nbytes + step - 1) // step * step


class Storage:
    """One pooled device buffer, shared by every view of it; freed when unreferenced."""

    __slots__ = ("buf", "nbytes", "pool", "version", "__weakref__")

    def __init__(self, buf: Any, nbytes: int, pool: BufferPool | None) -> None:
        self.buf = buf
        self.nbytes = nbytes
        self.pool = pool
        self.version = 0  # bumped by every in-place write; shared by all views
    def __del__(self) -> None:
        pool = self.pool
        if pool is not None and self.buf is not None:
            pool.release(self.buf, self.nbytes)


class BufferPool:
    """Free lists of device buffers keyed by bucket size."""

    def __init__(self, device_name: str, alloc: Callable[[int], Any], max_alloc: int, global_mem: int) -> None:
        self.device_name = device_name
        self._alloc = alloc
        self.max_alloc = max_alloc
        self.global_mem = global_mem
        self.free: dict[int, list[Any]] = {}
        self.in_use_bytes = 0
        self.cached_bytes = 0
        self.hits = 0
        self.misses = 0
        self.peak_bytes = 0

    def allocate(self, nbytes: int) -> Storage:
        """A Storage of at least nbytes; MemoryError naming the size and the device."""
        size = bucket_size(nbytes)
        if size > self.max_alloc:
            size = nbytes  # NOTE: no rounding past the device's single-allocation limit
        bucket = self.free.get(size)
        if bucket:
            buf = bucket.pop()
            self.hits += 1
            self.cached_bytes -= size
        else:
            buf = self._new(nbytes, size)
            self.misses += 1
        self.in_use_bytes += size
        if self.in_use_bytes > self.peak_bytes:
            self.peak_bytes = self.in_use_bytes
        return Storage(buf, size, self)

    def _new(self, nbytes: int, size: int) -> Any:
        limit = min(self.max_alloc, self.global_mem)
        if nbytes > limit:
            raise MemoryError(
                f"cannot allocate {nbytes} bytes ({nbytes / 2**20:.1f} MiB) on {self.device_name}: "
                f"largest single allocation is {limit} bytes ({limit / 2**20:.1f} MiB)")
        try:
            return self._alloc(size)
        except MemoryError:
            self.empty()
            try:
                return self._alloc(size)
            except MemoryError as exc:
                raise MemoryError(f"cannot allocate {nbytes} bytes on {self.device_name}: {exc}") from None

    def release(self, buf: Any, size: int) -> None:
        self.in_use_bytes -= size
        self.cached_bytes += size
        self.free.setdefault(size, []).append(buf)

    def empty(self) -> None:
        """Return every cached (unused) buffer to the driver."""
        for bucket in self.free.values():
            for buf in bucket:
                buf.release()
        self.free.clear()
        self.cached_bytes = 0

    def stats(self) -> dict[str, int]:
        return {"in_use_bytes": self.in_use_bytes, "cached_bytes": self.cached_bytes, "peak_bytes": self.peak_bytes,
                "hits": self.hits, "misses": self.misses,
                "cached_buffers": sum(len(b) for b in self.free.values())}
