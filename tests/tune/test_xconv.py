"""conv2d forward as implicit GEMM (the xgemm template with CONV=True): odd shapes, every config branch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops import conv as C
from portatensor.tensor import Tensor
from portatensor.tune import gemm as G
from portatensor.tune.space import Config

ROOT = Path(__file__).resolve().parents[2]

#: The CPU default (vector B loads on stride-1 rows, K chunks), the scalar
#: generic kernel, both tiles staged in local memory, and B staged alone.
CONFIGS = [
    dict(G.default_config("cpu"), KC=16),
    G.default_config("generic"),
    G.default_config("nvidia"),
    dict(G.default_config("nvidia"), LA=False, WN=8, VW=2, TK=8),
]

#: (N, C, H, W, Co, KH, KW, stride, padding, dilation, groups)
SHAPES = [
    (2, 3, 7, 9, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    (1, 4, 10, 11, 6, 3, 3, (2, 2), (1, 1), (1, 1), 2),
    (2, 2, 5, 5, 2, 2, 2, (1, 1), (0, 0), (2, 2), 1),
    (1, 1, 1, 1, 1, 1, 1, (1, 1), (0, 0), (1, 1), 1),
    (3, 8, 17, 23, 16, 5, 5, (1, 1), (2, 2), (1, 1), 1),
    (1, 4, 6, 6, 4, 3, 1, (2, 1), (0, 2), (1, 2), 4),
    (1, 3, 4, 40, 5, 1, 3, (1, 1), (0, 1), (1, 1), 1),  # rows wider than a vector block
]


def _reference(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups) -> np.ndarray:
    """float64 cross-correlation by explicit loops over the kernel window."""
    N, Cin, H, W = x.shape
    Co, Cg, KH, KW = w.shape
    OH, OW = C.conv_geometry(x.shape, w.shape, stride, padding, dilation, groups)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    out = np.zeros((N, Co, OH, OW))
    Og = Co // groups
    for g in range(groups):
        xs = xp[:, g * Cg:(g + 1) * Cg]
        ws = w[g * Og:(g + 1) * Og].astype(np.float64)
        for i in range(KH):
            for j in range(KW):
                h0, w0 = i * dilation[0], j * dilation[1]
                patch = xs[:, :, h0:h0 + stride[0] * (OH - 1) + 1:stride[0], w0:w0 + stride[1] * (OW - 1) + 1:stride[1]]
                out[:, g * Og:(g + 1) * Og] += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
    return out


def _terms(w: np.ndarray) -> float:
    """The tolerance scale: the number of products accumulated per output."""
    return float(max(4, w.shape[1] * w.shape[2] * w.shape[3]))


def _data(shape, dt):
    N, Cin, H, W, Co, KH, KW, s, p, d, g = shape
    rng = np.random.default_rng(N * 100 + H * 10 + W)
    return (rng.standard_normal((N, Cin, H, W)).astype(dt), rng.standard_normal((Co, Cin // g, KH, KW)).astype(dt))


@pytest.mark.parametrize("cfg", CONFIGS, ids=["cpu", "generic", "staged", "stagedB"])
def test_every_config_branch_on_odd_shapes(device, cfg):
    config = Config.from_dict(cfg)
    for shape in SHAPES:
        x, w = _data(shape, "float32")
        s, p, d, g = shape[7:]
        xt, wt = pt.asarray(x, device=device), pt.asarray(w, device=device)
        OH, OW = C.conv_geometry(x.shape, w.shape, s, p, d, g)
        out = Tensor.empty((x.shape[0], w.shape[0], OH, OW), pt.float32, device)
        xp = C._padded(xt, p)
        kofs = C._row_offsets(device, w.shape[1], w.shape[2], w.shape[3], xp.shape[2], xp.shape[3], d[0], d[1])
        C.run_xconv(device, config, out, wt, xp, kofs, g, OW, s, False)
        assert_close(out, _reference(x, w, s, p, d, g), dtype="float32", scale=_terms(w))


@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
def test_conv2d_forward_dtypes_and_views(device, dt):
    if dt == "float64" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    shape = SHAPES[0]
    x, w = _data(shape, dt)
    s, p, d, g = shape[7:]
    # A non-contiguous input: the NCHW array seen through a transposed NHWC buffer.
    xt = pt.permute_dims(pt.asarray(np.ascontiguousarray(x.transpose(0, 2, 3, 1)), device=device), (0, 3, 1, 2))
    got = C.conv2d_forward(xt, pt.asarray(w, device=device), s, p, d, g)
    assert_close(got, _reference(x, w, s, p, d, g), dtype=dt, scale=_terms(w))


def test_conv2d_forward_bad_input(device):
    x = pt.zeros((1, 4, 5, 5), device=device)
    with pytest.raises(ValueError, match="groups=3"):
        C.conv2d_forward(x, pt.zeros((6, 4, 3, 3), device=device), (1, 1), (0, 0), (1, 1), 3)
    with pytest.raises(ValueError, match="too small"):
        C.conv2d_forward(x, pt.zeros((2, 4, 7, 7), device=device), (1, 1), (0, 0), (1, 1), 1)
    with pytest.raises(TypeError, match="int32"):
        C.conv2d_forward(x, pt.zeros((2, 4, 3, 3), dtype=pt.int32, device=device), (1, 1), (0, 0), (1, 1), 1)
    empty = C.conv2d_forward(pt.zeros((0, 4, 5, 5), device=device), pt.zeros((2, 4, 3, 3), device=device),
                             (1, 1), (0, 0), (1, 1), 1)
    assert empty.shape == (0, 2, 3, 3)


SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import portatensor as pt
    from portatensor.ops.conv import conv2d_forward
    from portatensor.tune.cli import main
    from portatensor.tune.lookup import tuned_config
    dev = pt.default_device()
    code = main(["--family", "conv", "--shapes", "2x3x9x9x4", "--budget", "5", "--json"])
    after = tuned_config(dev, "conv", ("float32",) * 3, "nchw", (4, 81, 27))
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype("float32")
    w = np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype("float32")
    y = conv2d_forward(pt.asarray(x), pt.asarray(w), (1, 1), (1, 1), (1, 1), 1).numpy()
    used = [k[1].as_dict() for k in dev.plans if isinstance(k, tuple) and k and k[0] == "xgemm" and k[-1] == "fwd"]
    print("RESULT" + json.dumps({"code": code, "after": after.source, "config": after.config.as_dict(),
                                 "used": used, "y": y.tolist()}))
""")


@pytest.mark.slow
def test_tune_conv_then_conv_uses_tuned_config(tmp_path):
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    env.setdefault("POCL_CACHE_DIR", str(ROOT / ".cache" / "test-kernels" / "pocl"))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))[len("RESULT"):])
    assert res["code"] == 0 and res["after"] == "exact"
    assert res["config"] in res["used"]
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype("float32")
    w = np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype("float32")
    np.testing.assert_allclose(res["y"], _reference(x, w, (1, 1), (1, 1), (1, 1), 1), rtol=1e-4, atol=1e-4)
