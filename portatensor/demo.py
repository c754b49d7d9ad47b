"""The demo: train a 64-256-10 MLP on scikit-learn's handwritten digits on the device."""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def load_digits_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): digits scaled to [0, 1], a fixed 80/20 split."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise RuntimeError("the digits demo needs scikit-learn for its bundled dataset: "
                           "pip install scikit-learn") from None
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    perm = np.random.default_rng(seed).permutation(len(x))
    x, y = x[perm], y[perm]
    n = int(len(x) * 0.8)
    return x[:n], y[:n], x[n:], y[n:]


def train_epoch(model: Any, opt: Any, loader: Any) -> float:
    """One pass of cross-entropy training over loader; the mean loss.

    NOTE: losses are summed on the device and read once at the end: one host
    sync per epoch, not per step.
    """
    from .nn import functional as F

    total = None
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        d = loss.detach()
        total = d if total is None else total + d
    return float(total.item()) / len(loader) if total is not None else float("nan")


def train_digits_mlp(epochs: int = 20, device: Any = None, verbose: bool = True, lr: float = 0.1,
                     batch_size: int = 64, seed: int = 0) -> dict[str, Any]:
    """Train the MLP with SGD; returns dict(loss, accuracy, epoch_ms) (epoch_ms: list per epoch)."""
    import portatensor as pt
    from portatensor import nn
    from portatensor.data import DataLoader, TensorDataset

    dev = pt.get_device(device)
    xtr, ytr, xte, yte = load_digits_split(seed)
    pt.random.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 256, device=dev), nn.ReLU(), nn.Linear(256, 10, device=dev))
    opt = pt.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    ds = TensorDataset(pt.asarray(xtr, device=dev), pt.asarray(ytr, device=dev))
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, seed=seed)
    xt, ytest = pt.asarray(xte, device=dev), yte
    epoch_ms: list[float] = []
    loss_value = float("nan")
    acc = 0.0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        loss_value = train_epoch(model, opt, loader)
        epoch_ms.append((time.perf_counter() - t0) * 1e3)
        with pt.no_grad():
            pred = np.argmax(model(xt).numpy(), axis=1)
        acc = float((pred == ytest).mean())
        if verbose:
            print(f"epoch {epoch + 1:3d}  loss {loss_value:.4f}  test accuracy {acc * 100:.2f}%  "
                  f"{epoch_ms[-1]:.1f} ms")
    return {"loss": loss_value, "accuracy": acc, "epoch_ms": epoch_ms}


__all__ = ["load_digits_split", "train_digits_mlp"]
