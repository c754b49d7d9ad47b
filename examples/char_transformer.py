"""Train a small character-level transformer on a public-domain text shipped with the repo.

    python examples/char_transformer.py --steps 300 [--device pocl]

Prints the unigram entropy of the text (nats per character: the loss of the
best model that ignores context) and the training loss, which must fall well
below it for the model to have learned anything from context.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

TEXT = Path(__file__).resolve().parent / "data" / "constitution.txt"


class CharTransformer(nn.Module):
    def __init__(self, vocab: int, ctx: int, d: int, heads: int, layers: int, dev) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d, device=dev)
        self.pos = nn.Embedding(ctx, d, device=dev)
        self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, batch_first=True,
                                                                norm_first=True, device=dev) for _ in range(layers)])
        self.norm = nn.LayerNorm(d, device=dev)
        self.head = nn.Linear(d, vocab, device=dev)
        self.register_buffer("positions", pt.arange(ctx, device=dev))

    def forward(self, idx):
        x = self.tok(idx) + self.pos(self.positions[: idx.shape[1]])
        for b in self.blocks:
            x = b(x, is_causal=True)
        return self.head(self.norm(x))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--ctx", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--device", default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    text = TEXT.read_text(encoding="utf-8").split("\n", 1)[1]  # drop the source line
    chars = sorted(set(text))
    data = np.array([chars.index(ch) for ch in text], dtype=np.int64)
    counts = np.bincount(data, minlength=len(chars)) / len(data)
    entropy = float(-(counts * np.log(counts)).sum())
    print(f"{len(text)} characters, vocabulary {len(chars)}, unigram entropy {entropy:.3f} nats/char")

    dev = pt.get_device(args.device)
    pt.manual_seed(args.seed)
    model = CharTransformer(len(chars), args.ctx, 64, 4, 2, dev)
    opt = pt.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    avg = None
    for step in range(1, args.steps + 1):
        starts = rng.integers(0, len(data) - args.ctx - 1, args.batch)
        xb = np.stack([data[s:s + args.ctx] for s in starts])
        yb = np.stack([data[s + 1:s + args.ctx + 1] for s in starts])
        logits = model(pt.asarray(xb, device=dev))
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), pt.asarray(yb.reshape(-1), device=dev))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 25 == 0 or step == args.steps:
            v = float(loss.item())
            avg = v if avg is None else 0.5 * avg + 0.5 * v
            print(f"step {step:4d}  loss {v:.3f}  ({(time.perf_counter() - t0) / step * 1e3:.0f} ms/step)")
    below = entropy - avg
    print(f"final loss {avg:.3f} nats/char vs unigram entropy {entropy:.3f}: "
          f"{'below' if below > 0 else 'NOT below'} by {abs(below):.3f} "
          f"(perplexity {math.exp(avg):.1f} vs {math.exp(entropy):.1f})")


if __name__ == "__main__":
    main()
