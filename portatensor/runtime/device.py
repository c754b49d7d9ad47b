"""Devices: discovery, capabilities, the default and selection by name.

A Device owns its context, its in-order queue, its buffer pool and its
program cache; they are created on first use, so listing devices is cheap.
"""

from __future__ import annotations

import atexit
import importlib.metadata
import re
from dataclasses import dataclass
from typing import Any

from .._config import settings
from ..codegen import KernelSpec, OpenCLDialect, codegen_fingerprint, render
from ..dtypes import NEEDS_FP64, DType
from ..errors import NoPlatformError
from . import opencl, profile
from .cache import ProgramCache
from .pool import BufferPool, Storage


@dataclass(frozen=True)
class DeviceInfo:
    """What one OpenCL device is and can do."""

    index: int
    platform_index: int
    device_index: int
    name: str
    vendor: str
    platform_name: str
    platform_vendor: str
    platform_version: str
    device_version: str
    driver_version: str
    opencl_c_version: str
    type: str
    compute_units: int
    global_mem: int
    local_mem: int
    max_alloc: int
    max_work_group_size: int
    max_work_item_sizes: tuple[int, ...]
    fp64: bool
    fp16: bool
    subgroups: bool
    extensions: tuple[str, ...]
    bundled: bool  # the PoCL that pocl-binary-distribution installs with pip

    @property
    def selector(self) -> str:
        return f"{self.platform_index}:{self.device_index}"

    @property
    def short_platform(self) -> str:
        p = self.platform_name.lower()
        if "portable computing" in p:
            return "pocl"
        return p.split()[0] if p else "?"

    @property
    def max_vector_bytes(self) -> int:
        """The widest OpenCL vector kernels may use on this device, in bytes.

        PoCL built on LLVM 14 (pip's pocl-binary-distribution 3.0, which targets
        znver3 even on AVX-512 hosts) aborts the process on 64-byte vectors
        (float16, int16, double8, long8) and sums 128-byte ones (double16,
        long16) wrongly; 32 bytes, one AVX2 register, is right there. Elsewhere
        128, OpenCL's widest vector (double16).
        """
        if self.short_platform == "pocl":
            m = re.search(r"LLVM (\d+)", self.platform_version)
            if m is not None and int(m.group(1)) < 15:
                return 32
        return 128

    def vector_width(self, width: int, itemsize: int) -> int:
        """width, halved until width elements of itemsize bytes fit max_vector_bytes (at least 1)."""
        while width > 1 and width * itemsize > self.max_vector_bytes:
            width //= 2
        return width

    @property
    def vendor_key(self) -> str:
        """nvidia, amd, intel_gpu, apple, cpu or generic: the key of vendor default tables."""
        v = self.vendor.lower()
        if self.type == "cpu":
            return "cpu"
        if "nvidia" in v:
            return "nvidia"
        if "advanced micro" in v or v.startswith("amd"):
            return "amd"
        if "intel" in v:
            return "intel_gpu"
        if "apple" in v:
            return "apple"
        return "generic"


def _bundled_pocl_version() -> str | None:
    try:
        return importlib.metadata.version("pocl-binary-distribution")
    except importlib.metadata.PackageNotFoundError:
        return None


def _is_bundled(desc: dict[str, Any], pocl_version: str | None) -> bool:
    if pocl_version is None or "portable computing" not in desc["platform_name"].lower():
        return False
    return re.search(rf"PoCL {re.escape(pocl_version)}(?![\d.])", desc["platform_version"]) is not None


class Device:
    """One OpenCL device with its context, queue, pool and caches (made on first use)."""

    def __init__(self, info: DeviceInfo, platform: Any, handle: Any) -> None:
        self.info = info
        self._platform = platform
        self._handle = handle
        self._ready = False
        self.kernels: dict[KernelSpec, Any] = {}
        self.plans: dict[Any, Any] = {}  # op-level memo: ops store launch plans here
        self._pending: list[tuple[Any, bytes]] = []
        self._probe: str | None | bool = False  # False: not probed yet

    def __repr__(self) -> str:
        return f"Device({self.info.selector} {self.info.short_platform} {self.info.name!r})"

    def __str__(self) -> str:
        return f"{self.info.short_platform}:{self.info.selector} {self.info.name}"

    def __reduce__(self) -> tuple:
        return (get_device, (self.info.selector,))

    @property
    def type(self) -> str:
        """'gpu', 'cpu' or what else OpenCL calls the device (PyTorch's ``device.type``)."""
        return self.info.type

    @property
    def label(self) -> str:
        return str(self)

    def _init(self) -> None:
        self.context = opencl.make_context(self._handle)
        self.queue = opencl.make_queue(self.context, self._handle, profile.enabled)
        info = self.info
        self.pool = BufferPool(str(self), lambda n: opencl.alloc(self.context, n), info.max_alloc, info.global_mem)
        ident = {
            "platform": f"{info.platform_name}|{info.platform_vendor}|{info.platform_version}",
            "device": f"{info.vendor}|{info.name}|{info.device_version}",
            "driver": info.driver_version,
            "pyopencl": opencl.VERSION,
        }
        self.programs = ProgramCache(settings.cache_dir, ident, codegen_fingerprint())
        self.dialect = OpenCLDialect(fp64=info.fp64, fp16=info.fp16)
        self._ready = True

    def __getattr__(self, name: str) -> Any:
        # context, queue, pool, programs and dialect appear on first use.
        if name in ("context", "queue", "pool", "programs", "dialect") and not self.__dict__.get("_ready"):
            self._init()
            return getattr(self, name)
        raise AttributeError(name)

    # -- capabilities ---------------------------------------------------------
    def supports(self, dtype: DType) -> bool:
        return self.info.fp64 or dtype not in NEEDS_FP64

    def check_dtype(self, dtype: DType) -> None:
        if not self.supports(dtype):
            raise TypeError(f"{dtype.name} needs cl_khr_fp64, which device {self} does not have")

    def probe(self) -> str | None:
        """None if the device builds and runs a tiny kernel correctly, else why not.

        NOTE: some implementations list a device that cannot compile anything
        (PoCL 3.0's LLVM 14 on CPUs it does not know, such as AMD Zen 5:
        "unknown target CPU 'generic'"). The result is cached like any kernel,
        so a warm probe costs one cached-binary load.
        """
        if self._probe is False:
            self._probe = self._run_probe()
        return self._probe  # type: ignore[return-value]

    def _run_probe(self) -> str | None:
        import numpy as np

        from .launch import launch

        try:
            kernel = self.kernel(KernelSpec("probe", "probe"))
            buf = self.pool.allocate(16)
            launch(self, kernel, (4,), None, [buf.buf, 40])
            host = np.zeros(4, dtype=np.int32)
            opencl.read(self.queue, host, buf.buf)
        except Exception as exc:  # noqa: BLE001 - any failure means the device is unusable; the message says why
            first = str(exc).strip().splitlines()
            detail = next((ln for ln in first if "error" in ln.lower()), first[0] if first else type(exc).__name__)
            return f"{type(exc).__name__}: {detail.strip()}"
        if host.tolist() != [40, 41, 42, 43]:
            return f"probe kernel computed {host.tolist()} instead of [40, 41, 42, 43]"
        return None

    # -- kernels ---------------------------------------------------------------
    def kernel(self, spec: KernelSpec, name: str | None = None) -> Any:
        """The compiled kernel for spec (memo → program cache → build)."""
        k = self.kernels.get(spec)
        if k is None:
            k = self._compile(spec, name or spec.entry)
            self.kernels[spec] = k
        return k

    def _compile(self, spec: KernelSpec, name: str) -> Any:
        rendered = render(spec, self.dialect)
        return self.compile_source(rendered.source, name, rendered.signatures.get(name, ()))

    def compile_source(self, source: str, name: str, signature: Any = (), options: str = "") -> Any:
        """Build (or load) a program from rendered source and return kernel ``name``."""
        ctx, dev = self.context, self._handle
        prog, pending = self.programs.get(
            source, options,
            lambda: opencl.build(ctx, dev, source, options, str(self)),
            lambda binary: opencl.build_binary(ctx, dev, binary, options))
        if pending is not None:
            # NOTE: stored only after a later sync proves its launches completed.
            self._pending.append((prog, pending))
        return opencl.get_kernel(prog, name, signature)

    def alloc(self, nbytes: int) -> Storage:
        return self.pool.allocate(nbytes)

    def synchronize(self) -> None:
        """Wait for every queued command, then store binaries that have now run."""
        if self._ready:
            opencl.finish(self.queue)
            self.flush_binaries()

    def flush_binaries(self) -> None:
        pending, self._pending = self._pending, []
        for prog, material in pending:
            try:
                binary = opencl.binary_of(prog)
            except Exception:  # noqa: BLE001 - a driver without binaries: keep memory caching
                continue
            self.programs.store(material, binary)

    def empty_cache(self) -> None:
        if self._ready:
            opencl.finish(self.queue)
            self.pool.empty()


_DEVICES: list[Device] | None = None
_DEFAULT: Device | None = None


def devices() -> list[Device]:
    """Every OpenCL device on every platform, in platform order."""
    global _DEVICES
    if _DEVICES is None:
        found = []
        pocl_version = _bundled_pocl_version()
        for pi, (plat, devs) in enumerate(opencl.platforms()):
            for di, handle in enumerate(devs):
                desc = opencl.describe(plat, handle)
                info = DeviceInfo(index=len(found), platform_index=pi, device_index=di,
                                  bundled=_is_bundled(desc, pocl_version), **desc)
                found.append(Device(info, plat, handle))
        _DEVICES = found
    return _DEVICES


def _rank(dev: Device) -> tuple[int, int]:
    """Default order: real GPUs, then the pip-bundled PoCL, other CPUs, the rest."""
    i = dev.info
    software = "llvmpipe" in i.name.lower()
    if i.type == "gpu" and not software:
        return (0, i.index)
    if i.bundled:
        return (1, i.index)
    if i.type == "cpu" and "portable computing" in i.platform_name.lower():
        return (2, i.index)
    return (3, i.index)


def _table(devs: list[Device]) -> str:
    return "\n".join(f"  [{d.info.index}] {d.info.selector} {d.info.short_platform:8s} {d.info.type:4s} {d.info.name}"
                     for d in devs)


def get_device(selector: Any = None) -> Device:
    """A device from an index, 'platform:device', a Device, 'cpu'/'cuda[:n]'/'gpu[:n]' or a name fragment."""
    if selector is None:
        return default_device()
    if isinstance(selector, Device):
        return selector
    devs = devices()
    if not devs:
        raise NoPlatformError(_NO_PLATFORM)
    sel = str(selector).strip()
    torch_style = re.fullmatch(r"(cpu|cuda|gpu)(?::(\d+))?", sel.lower())
    if torch_style:
        return _torch_style_device(torch_style.group(1), int(torch_style.group(2) or 0), devs)
    if re.fullmatch(r"\d+", sel):
        idx = int(sel)
        if idx < len(devs):
            return devs[idx]
    elif re.fullmatch(r"\d+:\d+", sel):
        for d in devs:
            if d.info.selector == sel:
                return d
    else:
        frag = sel.lower()
        hits = [d for d in devs if frag in f"{d.info.platform_name} {d.info.short_platform} {d.info.vendor} "
                f"{d.info.name} {d.info.platform_version}".lower()]
        if hits:
            return min(hits, key=_rank)
    raise ValueError(f"no OpenCL device matches {selector!r}; the devices are:\n{_table(devs)}\n"
                     "select one by index, by 'platform:device', or by a name fragment such as 'pocl'")


def _is_gpu(dev: Device) -> bool:
    return dev.info.type == "gpu" and "llvmpipe" not in dev.info.name.lower()


def _torch_style_device(kind: str, index: int, devs: list[Device]) -> Device:
    """PyTorch's selector strings: 'cpu' is an OpenCL CPU device (the default one if it is a CPU, else
    the first working CPU, else the default device); 'cuda[:n]'/'gpu[:n]' is the n-th OpenCL GPU, the
    default device first when it is one."""
    default = default_device()
    if kind == "cpu":
        if default.info.type == "cpu":
            return default
        cpus = sorted((d for d in devs if d.info.type == "cpu"), key=_rank)
        return next((d for d in cpus if d.probe() is None), default)
    gpus = sorted((d for d in devs if _is_gpu(d)), key=lambda d: (d is not default, _rank(d)))
    if index < len(gpus):
        return gpus[index]
    raise ValueError(f"{kind}:{index} asks for OpenCL GPU number {index}, but this machine has {len(gpus)} "
                     f"GPU device(s); the devices are:\n{_table(devs)}\n"
                     "use 'cpu', an index, or pick with portatensor.cuda.is_available()")


_NO_PLATFORM = (
    "no OpenCL platform with a device was found. The pip package pocl-binary-distribution provides a CPU "
    "device (pip install pocl-binary-distribution); GPU drivers (NVIDIA, AMD ROCm, Intel compute-runtime) "
    "bring their own. pyopencl finds ICDs through /etc/OpenCL/vendors or OCL_ICD_VENDORS.")


def default_device() -> Device:
    """PORTATENSOR_DEVICE if set, else the first working GPU, bundled PoCL, other CPU."""
    global _DEFAULT
    if _DEFAULT is None:
        devs = devices()
        if not devs:
            raise NoPlatformError(_NO_PLATFORM)
        if settings.device:
            _DEFAULT = get_device(settings.device)
        else:
            _DEFAULT = _first_working(sorted(devs, key=_rank))
    return _DEFAULT


def _first_working(ranked: list[Device]) -> Device:
    failures = []
    for dev in ranked:
        why = dev.probe()
        if why is None:
            return dev
        failures.append(f"  {dev}: {why}")
    raise NoPlatformError(
        "no OpenCL device here can build and run a kernel:\n" + "\n".join(failures) +
        "\nPoCL 3.0 (pip's pocl-binary-distribution) uses LLVM 14, which cannot compile for CPUs newer than "
        "it knows (e.g. AMD Zen 5). Install a newer OpenCL implementation (Debian/Ubuntu: apt install "
        "pocl-opencl-icd) or a GPU driver, or pick a device with PORTATENSOR_DEVICE.")


def set_default_device(selector: Any) -> Device:
    """Make ``selector`` the default device for new tensors; returns it."""
    global _DEFAULT
    _DEFAULT = get_device(selector)
    return _DEFAULT


def _flush_all() -> None:
    for d in _DEVICES or ():
        if d._ready and d._pending:
            try:
                d.synchronize()
            except Exception:  # noqa: BLE001 - at exit a broken queue must not mask the real error
                pass


atexit.register(_flush_all)
