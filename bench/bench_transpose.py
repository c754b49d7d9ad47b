"""Transposing copies against NumPy and PyTorch CPU in the same run.

Cases (float32): ``x.T`` made contiguous for a 4096 x 4096 matrix, a batched
(64, 512, 512) ``permute(0, 2, 1)``, and NCHW -> NHWC of a (32, 64, 56, 56)
activation. Peers: ``np.ascontiguousarray(a.T)`` and torch's
``.t().contiguous()`` / ``.permute(...).contiguous()``. The 'strided' column
is the same copy on portatensor's generic strided elementwise kernel (what
ran before the transpose family). GB/s count one read and one write.

portatensor times include a device synchronisation per call.

Run: python bench/bench_transpose.py [--device SEL] [--repeat R]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, save, table, torch_or_none  # noqa: E402

CASES = [("x.T 4096x4096", (4096, 4096), (1, 0)), ("permute 64x512x512", (64, 512, 512), (0, 2, 1)),
         ("NCHW->NHWC 32x64x56x56", (32, 64, 56, 56), (0, 2, 3, 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--device", default=None)
    args = ap.parse_args(argv)

    import portatensor as pt

    dev = pt.get_device(args.device)
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    rows = [_case(dev, torch, case, rng.standard_normal(shape, dtype=np.float32), perm, args.repeat)
            for case, shape, perm in CASES]
    cols = ["case", "portatensor", "strided", "numpy", "torch", "pt/strided", "pt/numpy", "pt/torch", "unit"]
    print(f"device: {dev}   torch threads: {torch.get_num_threads() if torch else '-'}")
    print(table(rows, cols))
    path = save("bench_transpose", {"device": str(dev), "torch": getattr(torch, "__version__", None),
                                    "torch_threads": torch.get_num_threads() if torch else None,
                                    "numpy": np.__version__, "rows": rows})
    print(f"saved {path}")
    return 0


def _case(dev: Any, torch: Any, case: str, host: np.ndarray, perm: tuple[int, ...], repeat: int) -> dict:
    """One case's GB/s per library (and the strided kernel) and the ratios."""
    import portatensor as pt
    from portatensor.ops.elementwise import contiguous, make_plan
    from portatensor.ops.table import ELEMENTWISE
    from portatensor.runtime.launch import launch
    from portatensor.tensor import Tensor
    from portatensor.tune import elementwise as E
    from portatensor.tune.lookup import tuned_config

    x = pt.asarray(host, device=dev)
    view = pt.permute_dims(x, perm)
    out = Tensor.empty(view.shape, pt.float32, dev)
    ew_config = tuned_config(dev, E.FAMILY, ("float32",), "strided", (host.size,)).config
    strided = make_plan(ELEMENTWISE["copy"], [view], config=ew_config)

    def pt_copy() -> None:
        contiguous(view)
        dev.synchronize()

    def pt_strided() -> None:
        launch(dev, strided.kernel, strided.gsize, strided.lsize,
               (out._storage.buf, 0, x._storage.buf, 0, *strided.tail))
        dev.synchronize()

    pt_copy()
    pt_strided()
    times = {"portatensor": best_of(pt_copy, repeat), "strided": best_of(pt_strided, repeat),
             "numpy": best_of(lambda: np.ascontiguousarray(host.transpose(perm)), repeat)}
    if torch is not None:
        th = torch.from_numpy(host)
        times["torch"] = best_of(lambda: th.permute(*perm).contiguous(), repeat)
    assert np.array_equal(contiguous(view).numpy(), host.transpose(perm))
    assert np.array_equal(out.numpy(), host.transpose(perm))
    vals = {k: 2 * host.nbytes / t / 1e9 for k, t in times.items()}
    return {"case": case, "seconds": times, **vals, "unit": "GB/s",
            "pt/strided": vals["portatensor"] / vals["strided"], "pt/numpy": vals["portatensor"] / vals["numpy"],
            "pt/torch": vals["portatensor"] / vals["torch"] if "torch" in vals else None}


if __name__ == "__main__":
    raise SystemExit(main())
