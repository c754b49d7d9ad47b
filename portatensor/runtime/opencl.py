"""The OpenCL adapter: the only module that imports pyopencl.

Everything above talks to the device through these few functions, so a
Vulkan backend is one more file with the same names.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .._config import settings

# NOTE: PoCL keeps its own kernel cache (LLVM output per kernel and work-group
# size). Keeping it under our cache dir makes `portatensor cache clear` clear
# everything and keeps a test session's caches together. Only a default: a
# user's own POCL_CACHE_DIR wins. Must be set before the ICD loader starts.
os.environ.setdefault("POCL_CACHE_DIR", str(settings.cache_dir / "pocl"))

import pyopencl as cl  # noqa: E402 - after the environment is prepared

from ..errors import BuildError  # noqa: E402

VERSION = cl.VERSION_TEXT
mem_flags = cl.mem_flags

# The hot path calls these directly.
enqueue_kernel = cl.enqueue_nd_range_kernel


def platforms() -> list[tuple[Any, list[Any]]]:
    """Every platform with at least one device, as (platform, devices).

    Mesa's Clover registers a platform with no devices, and a broken ICD can
    fail its device query; both are skipped rather than failing discovery.
    """
    try:
        plats = cl.get_platforms()
    except cl.Error:
        return []
    found = []
    for p in plats:
        try:
            devs = p.get_devices()
        except cl.Error:
            continue
        if devs:
            found.append((p, list(devs)))
    return found


def _type_name(t: int) -> str:
    if t & cl.device_type.GPU:
        return "gpu"
    if t & cl.device_type.ACCELERATOR:
        return "accelerator"
    if t & cl.device_type.CPU:
        return "cpu"
    return "other"


def describe(platform: Any, device: Any) -> dict[str, Any]:
    """The capabilities of one device as plain Python values."""
    ext = set(device.extensions.split())
    try:
        c_version = device.opencl_c_version
    except cl.Error:
        c_version = ""
    subgroups = "cl_khr_subgroups" in ext or "cl_intel_subgroups" in ext
    try:
        subgroups = subgroups or bool(device.max_num_sub_groups)
    except (cl.Error, AttributeError):
        pass
    return {
        "name": device.name.strip(),
        "vendor": device.vendor.strip(),
        "platform_name": platform.name.strip(),
        "platform_vendor": platform.vendor.strip(),
        "platform_version": platform.version.strip(),
        "device_version": device.version.strip(),
        "driver_version": device.driver_version.strip(),
        "opencl_c_version": c_version.strip(),
        "type": _type_name(device.type),
        "compute_units": int(device.max_compute_units),
        "global_mem": int(device.global_mem_size),
        "local_mem": int(device.local_mem_size),
        "max_alloc": int(device.max_mem_alloc_size),
        "max_work_group_size": int(device.max_work_group_size),
        "max_work_item_sizes": tuple(int(x) for x in device.max_work_item_sizes),
        "fp64": "cl_khr_fp64" in ext or bool(getattr(device, "double_fp_config", 0)),
        "fp16": "cl_khr_fp16" in ext,
        "subgroups": subgroups,
        "extensions": tuple(sorted(ext)),
    }


def make_context(device: Any) -> Any:
    return cl.Context([device])


def make_queue(context: Any, device: Any, profiling: bool) -> Any:
    props = cl.command_queue_properties.PROFILING_ENABLE if profiling else 0
    return cl.CommandQueue(context, device, properties=props)


def alloc(context: Any, nbytes: int) -> Any:
    """A device buffer of nbytes; pyopencl's allocation errors become MemoryError."""
    try:
        return cl.Buffer(context, cl.mem_flags.READ_WRITE, nbytes)
    except (cl.MemoryError, cl.RuntimeError, cl.LogicError) as exc:
        raise MemoryError(str(exc)) from exc


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an OpenCL error means the device ran out of memory or resources."""
    code = getattr(getattr(exc, "code", None), "__int__", None)
    text = str(exc)
    return isinstance(exc, cl.MemoryError) or "MEM_OBJECT_ALLOCATION_FAILURE" in text or \
        "OUT_OF_RESOURCES" in text or "OUT_OF_HOST_MEMORY" in text or (code is not None and exc.code in (-4, -5, -6))


#: Retries of a build that failed without a compiler diagnostic, and the pause before each.
#: NOTE: pip's PoCL 3.0 fails a build now and then ("failed to build the program",
#: no clang message) when several processes build the same program into its kernel
#: cache at once: 2 of 10 rounds of 8 fresh processes (/tmp/pt/race.py). The same
#: source builds on the next try; a real compile error has "error" in its log.
BUILD_RETRIES = (0.05, 0.2, 0.5)


def build(context: Any, device: Any, source: str, options: str, device_label: str) -> Any:
    """Build a program from source; BuildError with the log and numbered source."""
    for attempt in range(len(BUILD_RETRIES) + 1):
        if attempt:
            time.sleep(BUILD_RETRIES[attempt - 1])
        prog = cl.Program(context, source)
        try:
            # NOTE: cache_dir=False: pyopencl's own binary cache would fetch the
            # binary (a second codegen pass on PoCL) on every cold build; we keep
            # our own cache and fetch binaries only once a launch has completed.
            return prog.build(options=options, devices=[device], cache_dir=False)
        except cl.Error as exc:
            try:
                log = prog.get_build_info(device, cl.program_build_info.LOG)
            except cl.Error:
                log = str(exc)
            if attempt == len(BUILD_RETRIES) or "error" in (log or "").lower():
                raise BuildError(device_label, options, log or str(exc), source) from exc
    raise AssertionError("unreachable: the last attempt returns or raises")


def build_binary(context: Any, device: Any, binary: bytes, options: str) -> Any:
    """Build a program from a binary this device produced earlier."""
    return cl.Program(context, [device], [binary]).build(options=options)


def binary_of(program: Any) -> bytes:
    return bytes(program.get_info(cl.program_info.BINARIES)[0])


_SCALAR_NP = {"char": "int8", "uchar": "uint8", "short": "int16", "ushort": "uint16", "int": "int32",
              "uint": "uint32", "long": "int64", "ulong": "uint64", "float": "float32", "double": "float64",
              "float2": "complex64", "double2": "complex128"}


def get_kernel(program: Any, name: str, signature: Any = ()) -> Any:
    """Kernel ``name`` whose scalar arguments accept plain Python numbers.

    NOTE: setting a NumPy-scalar argument costs ~5 us in pyopencl; with the
    scalar dtypes declared once, set_args packs Python ints in ~0.1 us each.
    """
    import numpy as np

    k = cl.Kernel(program, name)
    if signature:
        k.set_scalar_arg_dtypes([np.dtype(_SCALAR_NP[t]) if kind == "scalar" else None for kind, t, _ in signature])
    return k


def write(queue: Any, buf: Any, host: Any, byte_offset: int = 0) -> Any:
    """Copy a contiguous host array into buf without waiting.

    pyopencl keeps ``host`` alive until the copy completes; callers pass an
    array nobody else can modify.
    """
    return cl.enqueue_copy(queue, buf, host, dst_offset=byte_offset, is_blocking=False)


def read(queue: Any, host: Any, buf: Any, byte_offset: int = 0) -> None:
    """Copy from buf into a contiguous host array and wait for it."""
    cl.enqueue_copy(queue, host, buf, src_offset=byte_offset, is_blocking=True)


def fill(queue: Any, buf: Any, pattern: bytes, byte_offset: int, nbytes: int) -> Any:
    import numpy as np

    return cl.enqueue_fill_buffer(queue, buf, np.frombuffer(pattern, dtype=np.uint8), byte_offset, nbytes)


def copy(queue: Any, dst: Any, src: Any, nbytes: int, dst_offset: int = 0, src_offset: int = 0) -> Any:
    return cl.enqueue_copy(queue, dst, src, byte_count=nbytes, dst_offset=dst_offset, src_offset=src_offset)


def finish(queue: Any) -> None:
    queue.finish()


def event_times(event: Any) -> tuple[int, int, int, int]:
    """(queued, submit, start, end) in device nanoseconds."""
    p = event.profile
    return int(p.queued), int(p.submit), int(p.start), int(p.end)


def wait(event: Any) -> None:
    event.wait()
