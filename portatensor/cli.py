"""The ``portatensor`` command: devices, info, cache, demo, tune, bench."""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from ._config import settings
from .runtime.cache import dir_size


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n < 2**30 else f"{n / 2**30:.1f} GiB"


def cmd_devices(args: argparse.Namespace) -> int:
    from .runtime.device import default_device, devices

    devs = devices()
    if not devs:
        print("no OpenCL devices found (see `portatensor info`)")
        return 1
    try:
        default = default_device()
    except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
        default = None
        print(f"no usable default device: {exc}\n")
    head = f"{'':2}{'#':>2} {'sel':5} {'platform':9} {'type':4} {'name':38} {'CUs':>4} {'global':>9} {'local':>8} " \
           f"{'maxWG':>5} {'fp64':4} {'fp16':4} {'subgr':5} {'OpenCL C':12} {'driver':16} status"
    print(head)
    for d in devs:
        i = d.info
        why = d.probe() if args.probe else None
        status = "ok" if why is None else f"unusable: {why}"
        if not args.probe:
            status = "-"
        mark = "*" if d is default else ""
        print(f"{mark:2}{i.index:>2} {i.selector:5} {i.short_platform + (' (pip)' if i.bundled else ''):9} {i.type:4} "
              f"{i.name[:38]:38} {i.compute_units:>4} {_mib(i.global_mem):>9} {_mib(i.local_mem):>8} "
              f"{i.max_work_group_size:>5} {'yes' if i.fp64 else 'no':4} {'yes' if i.fp16 else 'no':4} "
              f"{'yes' if i.subgroups else 'no':5} {i.opencl_c_version.replace('OpenCL C ', '')[:12]:12} "
              f"{i.driver_version[:16]:16} {status}")
    if default is not None:
        how = f"PORTATENSOR_DEVICE={settings.device!r}" if settings.device else \
            "the first working GPU, else the PoCL that pip installs, else another CPU device"
        print(f"\n* default device: {default} (chosen by {how})")
    print("select with PORTATENSOR_DEVICE=<index | platform:device | name fragment such as pocl, rusticl, nvidia>")
    return 0


def _versions() -> dict[str, str]:
    out = {"portatensor": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "pyopencl", "mako", "siphash24", "pocl-binary-distribution"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def cmd_info(args: argparse.Namespace) -> int:
    from .codegen import codegen_fingerprint, template_dirs

    for k, v in _versions().items():
        print(f"{k:26} {v}")
    print(f"{'templates':26} {template_dirs()[0]}")
    print(f"{'codegen fingerprint':26} {codegen_fingerprint()}")
    try:
        from .runtime.device import default_device

        print(f"{'default device':26} {default_device()}")
    except Exception as exc:  # noqa: BLE001 - info must still print the rest
        print(f"{'default device':26} none: {exc}")
    files, size = dir_size(settings.cache_dir)
    print(f"{'cache dir':26} {settings.cache_dir} ({files} files, {_mib(size)})")
    print(f"{'profiling':26} {'on' if settings.profile else 'off'} (PORTATENSOR_PROFILE)")
    print(f"{'host-side routines':26} none: every op runs as a device kernel")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    root = settings.cache_dir
    if args.action == "clear":
        files, size = dir_size(root)
        for sub in ("programs", "pocl"):
            shutil.rmtree(root / sub, ignore_errors=True)
        print(f"cleared {files} files ({_mib(size)}) of compiled kernels under {root}")
        return 0
    print(f"cache dir: {root}")
    for sub, what in (("programs", "portatensor program binaries"), ("pocl", "PoCL's own kernel cache"),
                      ("tuning", "tuning databases")):
        files, size = dir_size(root / sub)
        print(f"  {sub:9} {files:6d} files {_mib(size):>9}  {what}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Array ops checked against NumPy, then the digits MLP trained on the default device."""
    rc = _array_demo()
    try:
        from .demo import train_digits_mlp
    except ImportError:
        print("(training demo not available in this build)")
        return rc
    print("\ntraining an MLP (64-256-10, ReLU, SGD, batch 64) on scikit-learn's handwritten digits")
    kwargs = {} if args.epochs is None else {"epochs": args.epochs}
    result = train_digits_mlp(verbose=True, **kwargs)
    acc = float(result["accuracy"])
    print(f"test accuracy {acc * 100:.1f}%")
    return rc or (0 if acc >= 0.9 else 1)


def _demo_case(name: str, n: int, rng: Any) -> tuple[Any, Any, float]:
    """(NumPy float64 reference, the portatensor computation, tolerance) of one demo case."""
    import numpy as np

    import portatensor as pt

    if name == "matmul":
        a, b = rng.standard_normal((n, n), np.float32), rng.standard_normal((n, n), np.float32)
        return a.astype(np.float64) @ b, lambda: pt.asarray(a) @ pt.asarray(b), 1e-3 * np.sqrt(n)
    if name == "sum":
        a = rng.random(n, np.float32)
        return np.sum(a, dtype=np.float64), lambda: pt.sum(pt.asarray(a)), 1e-6 * n
    a, b, c = (rng.random(n, np.float32) for _ in range(3))
    return a.astype(np.float64) * b + c, lambda: pt.asarray(a) * pt.asarray(b) + pt.asarray(c), 1e-6


def _array_demo() -> int:
    import numpy as np

    import portatensor as pt

    dev = pt.default_device()
    print(f"device: {dev}")
    rng = np.random.default_rng(0)
    ok = True
    for name, n in (("elementwise a*b + c", 1 << 22), ("sum", 1 << 22), ("matmul", 512)):
        ref, run, tol = _demo_case(name, n, rng)
        t0 = time.perf_counter()
        got = run().numpy()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = run().numpy()
        warm = time.perf_counter() - t0
        err = float(np.max(np.abs(got - ref)))
        good = err <= tol
        ok &= good
        print(f"  {name:22} first {first * 1e3:8.1f} ms  again {warm * 1e3:8.1f} ms  max |err| vs NumPy {err:.2e} "
              f"{'ok' if good else 'MISMATCH'}")
    return 0 if ok else 1


def cmd_tune(argv: list[str]) -> int:
    try:
        from .tune import cli as tune_cli
    except ImportError as exc:
        print(f"the tuner's command line is not available: {exc}", file=sys.stderr)
        return 2
    return int(tune_cli.main(argv))


def cmd_bench(argv: list[str]) -> int:
    """Run the scripts in bench/ (a source checkout) and print their ratio tables."""
    import subprocess

    bench = Path(__file__).resolve().parent.parent / "bench"
    if not bench.is_dir():
        print("bench/ is part of the source checkout; clone the repository to run the benchmarks", file=sys.stderr)
        return 2
    names = argv or sorted(p.stem for p in bench.glob("bench_*.py"))
    rc = 0
    for name in names:
        script = bench / (name if name.endswith(".py") else f"{name}.py")
        if not script.exists():
            script = bench / f"bench_{name}.py"
        print(f"== {script.name}", flush=True)
        rc |= subprocess.call([sys.executable, str(script)])
    return rc


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "tune":
        return cmd_tune(argv[1:])
    if argv and argv[0] == "bench":
        return cmd_bench(argv[1:])
    parser = argparse.ArgumentParser(prog="portatensor", description="portatensor: tensors on any OpenCL device")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("devices", help="list OpenCL devices and their capabilities")
    p.add_argument("--no-probe", dest="probe", action="store_false", help="do not test-build a kernel on each device")
    p.set_defaults(func=cmd_devices)
    sub.add_parser("info", help="versions, default device, cache dir").set_defaults(func=cmd_info)
    p = sub.add_parser("cache", help="the compiled-kernel cache")
    p.add_argument("action", choices=["info", "clear"], nargs="?", default="info")
    p.set_defaults(func=cmd_cache)
    p = sub.add_parser("demo", help="real work on the default device, checked against NumPy")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (when training is available)")
    p.set_defaults(func=cmd_demo)
    sub.add_parser("tune", help="autotune kernels for a device (see `portatensor tune --help`)")
    sub.add_parser("bench", help="run the benchmarks in bench/ against NumPy and PyTorch")
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
