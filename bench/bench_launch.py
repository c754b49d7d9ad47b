"""Kernel start-up and per-op cost.

1. Time to first result of a new kernel in a fresh process, with a cold and
   with a warm cache directory (a new process each time; the child measures
   from just before the op to the result on the host).
2. Per-op cost of a small asynchronous elementwise op (c = a + b, 1000
   float32) from Python, against raw pyopencl (set_args + enqueue of the same
   kind of kernel), pyopencl.array, NumPy and PyTorch CPU in the same run.

Run: python bench/bench_launch.py [--ops N] [--device SEL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save, table, torch_or_none  # noqa: E402

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import portatensor as pt
dev = pt.default_device()
dev.queue  # context and queue exist before the clock starts
t1 = time.perf_counter()
x = pt.asarray(np.arange(1000, dtype=np.float32))
t2 = time.perf_counter()
y = (x * 3 + 1).numpy()
t3 = time.perf_counter()
assert float(y[10]) == 31.0
s = pt.sum(x, axis=0).item()
t4 = time.perf_counter()
print(json.dumps({"import_and_context_s": t1 - t0, "first_result_s": t3 - t2, "sum_first_result_s": t4 - t3,
                  "device": str(dev), "stats": dev.programs.stats}))
"""


BINARY_CHILD = r"""
import json, os, sys, time
import numpy as np
import pyopencl as cl
sys.path.insert(0, os.getcwd())
import portatensor as pt
dev = pt.default_device()
ctx = cl.Context([dev._handle]); q = cl.CommandQueue(ctx)
src = "__kernel void k(__global float* o, const float v) { o[get_global_id(0)] = v * %d; }" % int(sys.argv[1])
mode = sys.argv[2]; path = sys.argv[3]
buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, 4096)
t0 = time.perf_counter()
if mode == "source":
    prg = cl.Program(ctx, src).build(cache_dir=False)
else:
    prg = cl.Program(ctx, [dev._handle], [open(path, "rb").read()]).build()
t1 = time.perf_counter()
k = prg.k; k.set_args(buf, np.float32(2)); cl.enqueue_nd_range_kernel(q, k, (64,), None); q.finish()
t2 = time.perf_counter()
out = {"build_ms": (t1 - t0) * 1e3, "first_launch_ms": (t2 - t1) * 1e3}
if mode == "source":
    t3 = time.perf_counter()
    b = prg.get_info(cl.program_info.BINARIES)[0]
    out["get_binary_ms"] = (time.perf_counter() - t3) * 1e3
    open(path, "wb").write(b)
print(json.dumps(out))
"""


def binary_behaviour(device: str | None) -> list[dict]:
    """What building from source, fetching the binary and loading it back cost on this driver."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, POCL_CACHE_DIR=os.path.join(tmp, "pocl"), PORTATENSOR_CACHE_DIR=os.path.join(tmp, "pt"))
        if device:
            env["PORTATENSOR_DEVICE"] = device
        binpath = os.path.join(tmp, "k.bin")
        seed = str(os.getpid() % 1000 + 7)

        def child(mode: str, fresh_pocl: bool) -> dict:
            if fresh_pocl:
                env["POCL_CACHE_DIR"] = os.path.join(tmp, f"pocl-{len(rows)}")
            out = subprocess.run([sys.executable, "-c", BINARY_CHILD, seed, mode, binpath], env=env,
                                 capture_output=True, text=True, check=True,
                                 cwd=str(Path(__file__).resolve().parent.parent))
            return json.loads(out.stdout.strip().splitlines()[-1])

        rows.append({"step": "build from source, driver cache cold", **child("source", False)})
        rows.append({"step": "build from source, driver cache warm", **child("source", False)})
        rows.append({"step": "load our binary, driver cache cold", **child("binary", True)})
        rows.append({"step": "load our binary, driver cache warm", **child("binary", False)})
    return rows


def first_result(cache: str, device: str | None) -> dict:
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=cache)
    env.pop("POCL_CACHE_DIR", None)
    if device:
        env["PORTATENSOR_DEVICE"] = device
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parent.parent))
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_op(n_ops: int, device: str | None) -> list[dict]:
    import numpy as np

    if device:
        os.environ["PORTATENSOR_DEVICE"] = device
    import portatensor as pt

    rows = []
    a_np = np.random.default_rng(0).random(1000, dtype=np.float32)
    b_np = a_np.copy()
    a, b = pt.asarray(a_np), pt.asarray(b_np)

    def measure(label: str, op, sync) -> None:
        for _ in range(200):
            op()
        sync()
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n_ops):
                op()
            dt = (time.perf_counter() - t0) / n_ops
            sync()
            best = min(best, dt)
        rows.append({"what": label, "us_per_op": best * 1e6})

    measure("portatensor a + b", lambda: a + b, pt.synchronize)
    measure("portatensor a + 1.0", lambda: a + 1.0, pt.synchronize)

    # Raw pyopencl on the same device: the floor any Python library pays.
    import pyopencl as cl
    import pyopencl.array as cla

    dev = pt.default_device()
    ctx = cl.Context([dev._handle])
    q = cl.CommandQueue(ctx)
    src = ("__kernel void add(__global float* c, const int co, __global const float* a, const int ao, "
           "__global const float* b, const int bo, const int n) { int i = get_global_id(0); "
           "if (i < n) c[co + i] = a[ao + i] + b[bo + i]; }")
    k = cl.Program(ctx, src).build().add
    k.set_scalar_arg_dtypes([None, np.int32, None, np.int32, None, np.int32, np.int32])
    bufs = [cl.Buffer(ctx, cl.mem_flags.READ_WRITE, 4000) for _ in range(3)]

    def raw() -> None:
        k.set_args(bufs[0], 0, bufs[1], 0, bufs[2], 0, 1000)
        cl.enqueue_nd_range_kernel(q, k, (1000,), None)

    measure("raw pyopencl set_args+enqueue", raw, q.finish)
    A, B = cla.to_device(q, a_np), cla.to_device(q, b_np)
    measure("pyopencl.array a + b", lambda: A + B, q.finish)
    measure("numpy a + b", lambda: a_np + b_np, lambda: None)
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)
        ta, tb = torch.from_numpy(a_np), torch.from_numpy(b_np)
        measure("torch CPU a + b", lambda: ta + tb, lambda: None)
    ours = rows[0]["us_per_op"]
    for r in rows:
        r["ratio_vs_portatensor"] = r["us_per_op"] / ours
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", type=int, default=20000)
    ap.add_argument("--device", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    cold, warm = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(first_result(cache, args.device))
            warm.append(first_result(cache, args.device))
    med = lambda rs, k: sorted(r[k] for r in rs)[len(rs) // 2]  # noqa: E731
    rows = [{"cache": name, "first_result_ms": med(rs, "first_result_s") * 1e3,
             "sum_first_result_ms": med(rs, "sum_first_result_s") * 1e3,
             "import+context_ms": med(rs, "import_and_context_s") * 1e3}
            for name, rs in (("cold", cold), ("warm", warm))]
    speedup = rows[0]["first_result_ms"] / rows[1]["first_result_ms"]
    print(f"device: {cold[0]['device']}")
    print("time to first result of a new kernel in a fresh process (median of", args.rounds, "rounds)")
    print(table(rows, ["cache", "first_result_ms", "sum_first_result_ms", "import+context_ms"]))
    print(f"warm is {speedup:.1f}x faster than cold (a*b+1: 2 kernels; sum: 1 kernel)")
    print(f"warm-process cache stats: {warm[-1]['stats']}\n")

    beh = binary_behaviour(args.device)
    print("program binaries on this driver (raw pyopencl, fresh processes)")
    print(table(beh, ["step", "build_ms", "first_launch_ms", "get_binary_ms"]))
    print()

    ops = per_op(args.ops, args.device)
    print(f"per-op cost of a small async elementwise op (1000 float32, best of 5 x {args.ops})")
    print(table(ops, ["what", "us_per_op", "ratio_vs_portatensor"]))
    path = save("launch", {"first_result": rows, "warm_speedup": speedup, "binaries": beh, "per_op": ops})
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
