"""Elementwise, sum and small-op throughput against NumPy and PyTorch CPU in the same run.

1. ``c = a*b + c`` on N float32 (default 16M): two kernels (multiply, add),
   reported as effective GB/s over the 5 arrays touched (3 reads, 2 writes).
2. ``sum`` of N float32 to a 0-d array: GB/s over the one read.
3. A small-op loop: ``ITERS`` iterations of ``z = x*y + x; z = z - y`` on
   1000-element float32 arrays, then one synchronisation: microseconds per op.

portatensor times include a device synchronisation per call (per loop for 3).
The libraries are timed in turn, round after round (bench/_common.interleaved),
so a shared machine's drifting memory bandwidth falls on all of them alike.
Ratios are portatensor throughput over the peer's (>1: portatensor is faster),
the median of the per-round ratios; throughputs are from the median times.

Run: python bench/bench_elementwise.py [--n N] [--iters ITERS] [--device SEL] [--repeat R]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import interleaved, save, table, torch_or_none  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16 * 1024 * 1024)
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)

    import portatensor as pt

    dev = pt.get_device(args.device)
    torch = torch_or_none()
    n = args.n
    rng = np.random.default_rng(0)
    ha, hb, hc = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))
    small = [rng.standard_normal(1000, dtype=np.float32) for _ in range(2)]
    rows = []

    # -- 1. c = a*b + c -----------------------------------------------------------
    nbytes = 5 * 4 * n
    a, b, c = (pt.asarray(h, device=dev) for h in (ha, hb, hc))

    def pt_fma() -> None:
        (a * b + c)
        dev.synchronize()

    def np_fma() -> None:
        ha * hb + hc

    fns = {"portatensor": pt_fma, "numpy": np_fma}
    if torch is not None:
        ta, tb, tc = (torch.from_numpy(h) for h in (ha, hb, hc))
        fns["torch"] = lambda: ta * tb + tc
    rows.append(_row("c = a*b + c", n, *interleaved(fns, args.repeat, 3), nbytes))
    assert np.allclose((a * b + c).numpy()[:1000], (ha * hb + hc)[:1000], rtol=1e-6, atol=1e-6)

    # -- 2. sum ---------------------------------------------------------------------
    def pt_sum() -> None:
        pt.sum(a)
        dev.synchronize()

    fns = {"portatensor": pt_sum, "numpy": lambda: ha.sum()}
    if torch is not None:
        fns["torch"] = lambda: ta.sum()
    rows.append(_row("sum", n, *interleaved(fns, args.repeat, 5), 4 * n))
    assert abs(float(pt.sum(a)) - float(ha.astype(np.float64).sum())) < 1e-3 * n ** 0.5

    # -- 3. small-op loop -------------------------------------------------------------
    x, y = (pt.asarray(h, device=dev) for h in small)
    sx, sy = small
    iters, ops = args.iters, 3 * args.iters

    def pt_loop() -> None:
        for _ in range(iters):
            z = x * y + x
            z = z - y
        dev.synchronize()

    def np_loop() -> None:
        for _ in range(iters):
            z = sx * sy + sx
            z = z - sy  # noqa: F841

    fns = {"portatensor": pt_loop, "numpy": np_loop}
    if torch is not None:
        tx, ty = torch.from_numpy(sx), torch.from_numpy(sy)

        def torch_loop() -> None:
            for _ in range(iters):
                z = tx * ty + tx
                z = z - ty  # noqa: F841

        fns["torch"] = torch_loop
    rows.append(_row(f"small-op loop ({iters}x3 ops, 1000 el)", 1000, *interleaved(fns, max(3, args.repeat // 2)),
                     None, ops))

    cols = ["case", "portatensor", "numpy", "torch", "pt/numpy", "pt/torch", "unit"]
    print(f"device: {dev}   torch threads: {torch.get_num_threads() if torch else '-'}")
    print(table(rows, cols))
    path = save("bench_elementwise", {"device": str(dev), "n": n, "iters": iters,
                                      "torch": getattr(torch, "__version__", None),
                                      "torch_threads": torch.get_num_threads() if torch else None,
                                      "numpy": np.__version__, "rows": rows})
    print(f"saved {path}")
    return 0


def _row(case: str, n: int, times: dict[str, float], rel: dict[str, float], nbytes: int | None,
         ops: int = 0) -> dict:
    """Throughput per library (GB/s, or microseconds per op for the loop) and the ratios.

    rel: each library's time over portatensor's, the median over interleaved rounds; it is the
    throughput ratio portatensor / peer.
    """
    row: dict = {"case": case, "n": n, "seconds": times}
    if nbytes is not None:
        vals = {k: nbytes / t / 1e9 for k, t in times.items()}
        row["unit"] = "GB/s"
    else:
        vals = {k: t / ops * 1e6 for k, t in times.items()}
        row["unit"] = "us/op"
    ratio = rel
    row.update(vals)
    row["pt/numpy"] = ratio.get("numpy")
    row["pt/torch"] = ratio.get("torch")
    return row


if __name__ == "__main__":
    raise SystemExit(main())
