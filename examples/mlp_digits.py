"""Train a 64-256-10 MLP on scikit-learn's handwritten digits with portatensor.

    python examples/mlp_digits.py --epochs 20 [--device pocl]

The training loop is a PyTorch loop with the imports changed; see
portatensor/demo.py (what `portatensor demo` runs).
"""

from __future__ import annotations

import argparse

from portatensor.demo import train_digits_mlp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--device", default=None)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    r = train_digits_mlp(args.epochs, device=args.device, lr=args.lr)
    ms = sorted(r["epoch_ms"][1:] or r["epoch_ms"])
    print(f"final loss {r['loss']:.4f}, test accuracy {r['accuracy'] * 100:.2f}%, "
          f"median epoch {ms[len(ms) // 2]:.1f} ms (first epoch {r['epoch_ms'][0]:.0f} ms)")


if __name__ == "__main__":
    main()
