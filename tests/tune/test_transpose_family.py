"""The tunable transpose family: its space, the copy path that uses it, every config on odd shapes, a tiny tune."""

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
from portatensor.ops import transpose as OT
from portatensor.ops.elementwise import contiguous
from portatensor.runtime.launch import launch
from portatensor.tensor import Tensor
from portatensor.tune import transpose as T
from portatensor.tune.cli import _parse_shapes
from portatensor.tune.space import Config, DeviceLimits

ROOT = Path(__file__).resolve().parents[2]
CPU = DeviceLimits(4096, 1 << 20, 2, "cpu", "AMD")
SMALL = DeviceLimits(64, 1 << 14, 2, "gpu", "Some GPU vendor")

#: Tile-per-work-item and local-memory configs, square and not, with and without a fixed work-group.
CONFIGS = [
    {"TX": 16, "TY": 16, "LOCAL": False, "IPT": 1, "WG": 0},
    {"TX": 8, "TY": 32, "LOCAL": False, "IPT": 1, "WG": 16},
    {"TX": 32, "TY": 8, "LOCAL": True, "IPT": 4, "WG": 0},
    {"TX": 16, "TY": 16, "LOCAL": True, "IPT": 1, "WG": 0},
]


def _transpose_plans(device):
    return [k for k in device.plans if isinstance(k, tuple) and k and k[0] == "transpose"]


def test_space():
    space = T.transpose_space(CPU)
    configs = list(space.configs(CPU))
    assert len(configs) == len(set(configs)) == 16 * (4 + 4)  # WG only without LOCAL, IPT only with it
    assert space.default(CPU) == Config.from_dict(T.default_config("cpu"))
    small = list(T.transpose_space(SMALL).configs(SMALL))
    assert all(c["TX"] * c["TY"] // c["IPT"] <= 64 for c in small if c["LOCAL"])
    assert all(c["WG"] <= 64 for c in small)
    assert all(c["TX"] * (c["TY"] + 1) * 16 <= 1 << 14 for c in small if c["LOCAL"])
    assert T.transpose_space(SMALL).default(SMALL) in small
    assert T.geometry(Config.from_dict(CONFIGS[0]), 3, 40, 17) == ((2, 3, 3), None)
    assert T.geometry(Config.from_dict(CONFIGS[2]), 1, 40, 17) == ((64, 5, 1), (64, 1, 1))
    assert T.storage_dtype(2) == "uint16" and T.storage_dtype(16) == "complex128"


def test_geometry():
    # x.T of a (64, 32) array; a batch with its last two axes swapped; NCHW -> NHWC (H, W merge)
    assert OT.transpose_geometry((64, 32), (32, 1), (1, 64)) == (1, 64, 32, 0, 32, 0, 64)
    assert OT.transpose_geometry((5, 40, 17), (680, 17, 1), (680, 1, 40)) == (5, 40, 17, 680, 17, 680, 40)
    assert OT.transpose_geometry((2, 12, 64), (768, 64, 1), (768, 1, 12)) == (2, 12, 64, 768, 64, 768, 12)
    # several batch axes that merge, and ones that do not
    assert OT.transpose_geometry((2, 3, 16, 16), (768, 256, 16, 1), (768, 256, 1, 16))[:3] == (6, 16, 16)
    assert OT.transpose_geometry((2, 3, 16, 16), (768, 256, 16, 1), (256, 512, 1, 16)) is None
    # not transposes: same unit axis, reversed, no unit stride, a side too short
    assert OT.transpose_geometry((64, 32), (32, 1), (64, 1)) is None
    assert OT.transpose_geometry((64, 32), (32, 1), (-1, 64)) is None
    assert OT.transpose_geometry((64, 32), (32, 1), (2, 128)) is None
    assert OT.transpose_geometry((64, 3), (3, 1), (1, 64)) is None


def test_cli_shapes():
    assert _parse_shapes("t4096x4096,t64x512x512,e10")["transpose"] == [(1, 4096, 4096), (64, 512, 512)]
    for bad in ("t5", "t0x3", "t2x3x4x5", "tx"):
        with pytest.raises(ValueError, match="t\\[Bx\\]NxM"):
            _parse_shapes(bad)


@pytest.mark.parametrize("shape", [(1, 40), (40, 1), (37, 53), (8, 8), (9, 8), (0, 12), (12, 0), (130, 17)])
def test_copy_path_odd_shapes(device, shape):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = pt.asarray(a, device=device)
    assert_close(contiguous(t.T), np.ascontiguousarray(a.T))
    assert_close(contiguous(pt.permute_dims(t[None], (0, 2, 1))), a.T[None])


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8", "bool", "complex64", "int64"])
def test_copy_path_dtypes_and_layouts(device, dtype):
    if not device.supports(getattr(pt, dtype)):
        pytest.skip(f"{device} has no {dtype}")
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 19, 23)) * 50).astype(dtype)
    if dtype == "complex64":
        a = a + 1j * a[::-1]
    t = pt.asarray(a, device=device)
    before = len(_transpose_plans(device))
    # a batched permute, a plain transpose, a sliced (offset, non-contiguous) input, NCHW -> NHWC
    assert_close(contiguous(pt.permute_dims(t, (0, 2, 1))), a.transpose(0, 2, 1))
    assert_close(contiguous(t[1].T), a[1].T)
    assert_close(contiguous(t[1, 2:, 3:].T), a[1, 2:, 3:].T)
    x4 = pt.reshape(t, (3, 19, 23, 1))
    assert_close(contiguous(pt.permute_dims(x4, (3, 2, 0, 1))), a[..., None].transpose(3, 2, 0, 1))
    assert len(_transpose_plans(device)) > before  # the copies ran the transpose kernel
    # into a strided output view (setitem): the output's row stride is not the row length
    big = pt.zeros((25, 30), dtype=getattr(pt, dtype), device=device)
    big[2:25, 5:24] = t[0].T
    want = np.zeros((25, 30), dtype=dtype)
    want[2:25, 5:24] = a[0].T
    assert_close(big, want)


@pytest.mark.parametrize("cfg", CONFIGS, ids=["tile16", "tile8x32wg16", "local32x8", "local16"])
def test_every_config_on_odd_shapes(device, cfg):
    config = Config.from_dict(cfg)
    rng = np.random.default_rng(1)
    for b, n, m in ((1, 8, 8), (1, 37, 53), (3, 65, 9), (2, 100, 129)):
        a = rng.standard_normal((b, n + 2, m + 1)).astype(np.float32)
        src = pt.asarray(a, device=device)[:, 1:n + 1, 1:]  # an offset, non-contiguous input
        view = pt.permute_dims(src, (0, 2, 1))
        out = Tensor.empty(view.shape, pt.float32, device)
        geo = (b, m, n, m * n, n, (n + 2) * (m + 1), m + 1)
        plan = OT.make_plan(device, pt.float32, out.shape, out.strides, geo, False, config)
        launch(device, plan.kernel, plan.gsize, plan.lsize,
               (out._storage.buf, 0, src._storage.buf, src.offset, *plan.tail))
        assert_close(out, a[:, 1:n + 1, 1:].transpose(0, 2, 1))


SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    import portatensor as pt
    from portatensor.ops.elementwise import contiguous
    from portatensor.tune.cli import main
    from portatensor.tune.lookup import tuned_config
    dev = pt.default_device()
    a = np.random.default_rng(0).standard_normal((2, 40, 24)).astype("float32")
    code = main(["--family", "transpose", "--shapes", "t2x40x24", "--budget", "4", "--json"])
    found = tuned_config(dev, "transpose", ("uint32",), "tile", (2, 24, 40))
    got = contiguous(pt.permute_dims(pt.asarray(a), (0, 2, 1))).numpy()
    print("RESULT" + json.dumps({"code": code, "source": found.source,
                                 "ok": bool(np.array_equal(got, a.transpose(0, 2, 1)))}))
""")


@pytest.mark.slow
def test_tune_end_to_end(tmp_path):
    env = dict(os.environ, PORTATENSOR_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    # NOTE: kernels compile in the fresh cache; reuse PoCL's own cache to stay fast.
    env.setdefault("POCL_CACHE_DIR", str(ROOT / ".cache" / "test-kernels" / "pocl"))
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))[len("RESULT"):])
    assert res == {"code": 0, "source": "exact", "ok": True}
