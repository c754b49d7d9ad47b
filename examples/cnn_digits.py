"""Train a small CNN on scikit-learn's 8x8 handwritten digits with portatensor.

    python examples/cnn_digits.py --epochs 15 [--device pocl]

A PyTorch training loop with the imports changed: Conv2d -> BatchNorm2d ->
ReLU -> MaxPool2d twice, then a linear classifier.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import portatensor as pt
from portatensor import nn
from portatensor.data import DataLoader, TensorDataset
from portatensor.demo import load_digits_split, train_epoch


def build(dev) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, device=dev), nn.BatchNorm2d(16, device=dev), nn.ReLU(),
        nn.MaxPool2d(2),                                                    # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1, device=dev), nn.BatchNorm2d(32, device=dev), nn.ReLU(),
        nn.MaxPool2d(2),                                                    # 32 x 2 x 2
        nn.Flatten(), nn.Linear(128, 10, device=dev),
    )


def train_cnn(epochs: int = 15, device=None, lr: float = 0.05, seed: int = 0, verbose: bool = True) -> dict:
    """Train the CNN with SGD (momentum 0.9, weight decay 1e-4, batch 64); dict(loss, accuracy, epoch_ms)."""
    dev = pt.get_device(device)
    xtr, ytr, xte, yte = load_digits_split(seed)
    xtr, xte = xtr.reshape(-1, 1, 8, 8), xte.reshape(-1, 1, 8, 8)
    pt.manual_seed(seed)
    model = build(dev)
    opt = pt.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    loader = DataLoader(TensorDataset(pt.asarray(xtr, device=dev), pt.asarray(ytr, device=dev)), batch_size=64,
                        shuffle=True, seed=seed)
    xt = pt.asarray(xte, device=dev)
    acc, loss_value, epoch_ms = 0.0, float("nan"), []
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        loss_value = train_epoch(model, opt, loader)
        epoch_ms.append((time.perf_counter() - t0) * 1e3)
        model.eval()
        with pt.no_grad():
            acc = float((np.argmax(model(xt).numpy(), axis=1) == yte).mean())
        if verbose:
            print(f"epoch {epoch + 1:3d}  loss {loss_value:.4f}  test accuracy {acc * 100:.2f}%  "
                  f"{epoch_ms[-1]:.0f} ms")
    return {"loss": loss_value, "accuracy": acc, "epoch_ms": epoch_ms}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--device", default=None)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    r = train_cnn(args.epochs, args.device, args.lr, args.seed)
    print(f"final test accuracy {r['accuracy'] * 100:.2f}%")


if __name__ == "__main__":
    main()
