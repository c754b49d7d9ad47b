"""ms per epoch of the digits MLP (64-256-10, ReLU, batch 64, SGD momentum 0.9) against PyTorch CPU in the same run,
plus the first epoch in a fresh process with a cold and with a warm kernel cache.

    python bench/bench_train.py [--epochs 5] [--device pocl]

The portatensor side is portatensor.demo.train_digits_mlp (the model `portatensor demo` trains); the PyTorch side
is the same model, optimiser and batch size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # noqa: F401  (puts the checkout on sys.path)
import numpy as np


def torch_epochs(epochs: int) -> list[float] | None:
    try:
        import torch
    except ImportError:
        return None
    from portatensor.demo import load_digits_split

    torch.manual_seed(0)
    xtr, ytr, _, _ = load_digits_split(0)
    x, y = torch.tensor(xtr), torch.tensor(ytr)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    g = np.random.default_rng(0)
    out = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.tensor(g.permutation(len(x)))
        total = 0.0
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach()
        float(total)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


_FIRST = ("import time; t0 = time.perf_counter(); import portatensor.demo as d; "
          "r = d.train_digits_mlp(1, device={dev!r}, verbose=False); "
          "print(r['epoch_ms'][0], (time.perf_counter() - t0) * 1e3)")


def first_epoch(cache: str, device: str | None) -> tuple[float, float]:
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=cache)
    r = subprocess.run([sys.executable, "-c", _FIRST.format(dev=device)], env=env, capture_output=True, text=True,
                       check=True, cwd=_common.ROOT)
    ep, total = r.stdout.split()[-2:]
    return float(ep), float(total)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    from portatensor.demo import train_digits_mlp

    with tempfile.TemporaryDirectory() as tmp:
        cold = first_epoch(tmp, args.device)
        warm = first_epoch(tmp, args.device)
    r = train_digits_mlp(args.epochs + 1, device=args.device, verbose=False)
    pt_ms = statistics.median(r["epoch_ms"][1:])
    t = torch_epochs(args.epochs + 1)
    print(f"digits MLP 64-256-10, batch 64, SGD: portatensor {pt_ms:.1f} ms/epoch "
          f"(test accuracy {r['accuracy'] * 100:.1f}% after {args.epochs + 1} epochs)")
    if t is not None:
        tm = statistics.median(t[1:])
        print(f"PyTorch CPU {tm:.1f} ms/epoch; ratio portatensor / PyTorch = {pt_ms / tm:.2f}x")
    else:
        print("PyTorch not installed: no comparison")
    print(f"first epoch, fresh process, cold kernel cache: {cold[0]:.0f} ms (process total incl. import "
          f"{cold[1]:.0f} ms)")
    print(f"first epoch, fresh process, warm kernel cache: {warm[0]:.0f} ms (process total incl. import "
          f"{warm[1]:.0f} ms)")


if __name__ == "__main__":
    main()
