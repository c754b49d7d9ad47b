"""conv2d forward (implicit GEMM, tuned 'conv' family) vs PyTorch CPU, backward alone, and forward + backward.

    python bench/bench_conv.py [--batch 32] [--channels 64] [--size 56] [--reps 5]

The issue-5 case is batch 32, 64 -> 64 channels, 3x3, padding 1, 56x56.
Run `portatensor tune --family conv` first to measure the tuned kernel; without
it the vendor default runs. The "backward" row is grad_input + grad_weight from a
given grad_out (ops/conv.py against torch.nn.grad); all figures come from the same run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--size", type=int, default=56)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    import portatensor as pt
    from portatensor.nn import functional as F
    from portatensor.ops import conv as ops_conv
    from portatensor.tune.lookup import tuned_config

    N, C, S = args.batch, args.channels, args.size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, S, S)).astype(np.float32)
    w = (rng.standard_normal((C, C, 3, 3)) * 0.05).astype(np.float32)
    flops = 2.0 * N * C * C * 9 * S * S
    dev = pt.default_device()
    found = tuned_config(dev, "conv", ("float32",) * 3, "nchw", (C, S * S, C * 9))
    px, pw = pt.asarray(x), pt.asarray(w)

    def pt_fwd() -> None:
        F.conv2d(px, pw, padding=1)
        dev.synchronize()

    gx, gw = pt.tensor(x, requires_grad=True), pt.tensor(w, requires_grad=True)

    def pt_train() -> None:
        pt.sum(F.conv2d(gx, gw, padding=1)).backward()
        dev.synchronize()

    pg = pt.asarray(np.ones((N, C, S, S), dtype=np.float32))

    def pt_bwd() -> None:
        ops_conv.conv2d_grad_input(pg, pw, px.shape, (1, 1), (1, 1), (1, 1), 1)
        ops_conv.conv2d_grad_weight(px, pg, pw.shape, (1, 1), (1, 1), (1, 1), 1)
        dev.synchronize()

    rows = [{"case": "forward", "portatensor_ms": _common.best_of(pt_fwd, args.reps) * 1e3},
            {"case": "backward", "portatensor_ms": _common.best_of(pt_bwd, args.reps) * 1e3},
            {"case": "forward+backward", "portatensor_ms": _common.best_of(pt_train, args.reps) * 1e3}]
    torch = _common.torch_or_none()
    if torch is not None:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        rows[0]["torch_ms"] = _common.best_of(lambda: torch.nn.functional.conv2d(tx, tw, padding=1), args.reps) * 1e3
        tg = torch.ones((N, C, S, S))

        def torch_bwd() -> None:
            torch.nn.grad.conv2d_input(tx.shape, tw, tg, padding=1)
            torch.nn.grad.conv2d_weight(tx, tw.shape, tg, padding=1)

        rows[1]["torch_ms"] = _common.best_of(torch_bwd, args.reps) * 1e3
        tgx, tgw = tx.clone().requires_grad_(), tw.clone().requires_grad_()
        rows[2]["torch_ms"] = _common.best_of(
            lambda: torch.nn.functional.conv2d(tgx, tgw, padding=1).sum().backward(), args.reps) * 1e3
    for r, mult in zip(rows, (1.0, 2.0, 3.0), strict=True):
        r["portatensor_gflops"] = mult * flops / r["portatensor_ms"] / 1e6
        if "torch_ms" in r:
            r["speed_vs_torch"] = r["torch_ms"] / r["portatensor_ms"]
    print(f"conv2d {N}x{C}x{S}x{S} -> {C}, 3x3, padding 1, float32 on {dev} (config: {found.source})")
    print(_common.table(rows, ["case", "portatensor_ms", "torch_ms", "speed_vs_torch", "portatensor_gflops"]))
    _common.save("conv", {"device": str(dev), "config_source": found.source, "rows": rows})


if __name__ == "__main__":
    main()
