"""float32 GEMM: portatensor (tuned, vendor default, generic default) vs NumPy and PyTorch CPU.

    python bench/bench_gemm.py [--sizes 256,512,1024,2048] [--json]

All figures come from one run on one machine, so the ratios are comparable.
"tuned" is what matmul picks from the tuning DB (run `portatensor tune`
first; without it, it equals the vendor default); "default" is the shipped
default for this device's vendor; "generic" is the conservative scalar kernel.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402,F401 - puts the checkout's package on sys.path


def _best(fn, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench(sizes: list[int], reps: int = 5) -> list[dict]:
    import portatensor as pt

    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional
        torch = None
    dev = pt.default_device()
    return [_bench_size(n, dev, reps, torch) for n in sizes]


def _bench_size(n: int, dev: object, reps: int, torch: object) -> dict:
    """GFLOP/s at one size: NumPy, torch, our matmul (tuned lookup), the vendor and the generic default."""
    import portatensor as pt
    from portatensor.ops.linalg import run_xgemm
    from portatensor.tensor import Tensor
    from portatensor.tune import gemm as G
    from portatensor.tune.lookup import tuned_config
    from portatensor.tune.space import Config

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n)).astype(np.float32)
    B = rng.standard_normal((n, n)).astype(np.float32)
    a, b = pt.asarray(A, device=dev), pt.asarray(B, device=dev)
    flops = 2.0 * n**3
    r = {"n": n}
    r["numpy"] = flops / _best(lambda: A @ B, reps) / 1e9
    if torch is not None:
        ta, tb = torch.from_numpy(A), torch.from_numpy(B)
        r["torch"] = flops / _best(lambda: ta @ tb, reps) / 1e9

    def run(cfg):
        c = Tensor.empty((n, n), pt.float32, dev)
        run_xgemm(dev, cfg, c._storage.buf, a._storage.buf, b._storage.buf, "float32", "float32", "float32",
                  n, n, n, 1, (0, 0, n, 1), (0, 0, n, 1), False)
        dev.synchronize()

    found = tuned_config(dev, "gemm", ("float32",) * 3, "nn", (n, n, n))
    r["tuned_source"] = found.source
    r["tuned"] = flops / _best(lambda: (pt.matmul(a, b), dev.synchronize()), reps) / 1e9
    vendor = Config.from_dict(G.default_config(dev.info.vendor_key))
    r["default"] = flops / _best(lambda: run(vendor), reps) / 1e9
    generic = Config.from_dict(G.default_config("generic"))
    r["generic"] = flops / _best(lambda: run(generic), max(1, reps // 2)) / 1e9
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="256,512,1024,2048")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rows = bench([int(s) for s in args.sizes.split(",")], args.reps)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'n':>5s} {'numpy':>8s} {'torch':>8s} {'tuned':>8s} {'(src)':>8s} {'default':>8s} {'generic':>8s}"
          f" {'tuned/np':>9s} {'tuned/def':>9s} {'tuned/gen':>9s}   GFLOP/s")
    for r in rows:
        print(f"{r['n']:5d} {r['numpy']:8.1f} {r.get('torch', float('nan')):8.1f} {r['tuned']:8.1f} "
              f"{r['tuned_source']:>8s} {r['default']:8.1f} {r['generic']:8.1f} {r['tuned'] / r['numpy']:9.2f} "
              f"{r['tuned'] / r['default']:9.2f} {r['tuned'] / r['generic']:9.2f}")


if __name__ == "__main__":
    main()
