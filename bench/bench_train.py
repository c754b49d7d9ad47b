"""ms per epoch of the digits MLP (64-256-10, ReLU, batch 64, SGD momentum 0.9) and of the digits CNN
(examples/cnn_digits.py) against PyTorch CPU in the same run, plus the MLP's first epoch in a fresh process with a
cold and with a warm kernel cache.

    python bench/bench_train.py [--epochs 5] [--device pocl]

The portatensor side is portatensor.demo.train_digits_mlp (the model `portatensor demo` trains) and
examples/cnn_digits.py's train_cnn; the PyTorch side is the same model, optimiser and batch size.
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


def torch_epochs(epochs: int, model_name: str = "mlp") -> list[float] | None:
    """ms per epoch of PyTorch CPU training the same model with the same optimiser and batch size."""
    try:
        import torch
    except ImportError:
        return None
    from portatensor.demo import load_digits_split

    torch.manual_seed(0)
    xtr, ytr, _, _ = load_digits_split(0)
    nn = torch.nn
    if model_name == "mlp":
        x = torch.tensor(xtr)
        model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        x = torch.tensor(xtr.reshape(-1, 1, 8, 8))
        model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(128, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    y = torch.tensor(ytr)
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


def _report(name: str, ours: dict, epochs: int, model_name: str) -> None:
    pt_ms = statistics.median(ours["epoch_ms"][1:])
    print(f"{name}: portatensor {pt_ms:.1f} ms/epoch (test accuracy {ours['accuracy'] * 100:.1f}% after "
          f"{epochs + 1} epochs)")
    t = torch_epochs(epochs + 1, model_name)
    if t is not None:
        tm = statistics.median(t[1:])
        print(f"  PyTorch CPU {tm:.1f} ms/epoch; ratio portatensor / PyTorch = {pt_ms / tm:.2f}x")
    else:
        print("  PyTorch not installed: no comparison")


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

    sys.path.insert(0, str(_common.ROOT / "examples"))
    from cnn_digits import train_cnn

    with tempfile.TemporaryDirectory() as tmp:
        cold = first_epoch(tmp, args.device)
        warm = first_epoch(tmp, args.device)
    _report("digits MLP 64-256-10, batch 64, SGD", train_digits_mlp(args.epochs + 1, device=args.device,
                                                                   verbose=False), args.epochs, "mlp")
    _report("digits CNN (examples/cnn_digits.py), batch 64, SGD",
            train_cnn(args.epochs + 1, device=args.device, verbose=False), args.epochs, "cnn")
    print(f"first epoch, fresh process, cold kernel cache: {cold[0]:.0f} ms (process total incl. import "
          f"{cold[1]:.0f} ms)")
    print(f"first epoch, fresh process, warm kernel cache: {warm[0]:.0f} ms (process total incl. import "
          f"{warm[1]:.0f} ms)")


if __name__ == "__main__":
    main()
