"""The tunable reduction family: its space, and every config correct for one and two stages."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops import reduce as R
from portatensor.tensor import Tensor
from portatensor.tune import reduce as T
from portatensor.tune.cli import _parse_shapes
from portatensor.tune.space import Config, DeviceLimits

CPU = DeviceLimits(4096, 1 << 20, 2, "cpu", "AMD")

#: Contiguous chunks with each vector width, interleaved chunks, fixed work-groups,
#: and small min_chunk so the test sizes take the two-stage path.
CONFIGS = [
    {"local_size": 0, "items_per_cu": 64, "min_chunk": 1024, "strided": False, "VW": 8},
    {"local_size": 16, "items_per_cu": 16, "min_chunk": 1024, "strided": False, "VW": 16},
    {"local_size": 0, "items_per_cu": 256, "min_chunk": 1024, "strided": False, "VW": 4},
    {"local_size": 64, "items_per_cu": 2048, "min_chunk": 1024, "strided": True, "VW": 1},
]


def test_space():
    configs = list(T.reduce_space(CPU).configs(CPU))
    assert configs and all(not c["strided"] or c["VW"] == 1 for c in configs)
    assert T.reduce_space(CPU).default(CPU) == Config.from_dict(T.default_config("cpu"))
    assert _parse_shapes("r100,r8x4096")["reduce"] == [(1, 100), (8, 4096)]
    with pytest.raises(ValueError, match="ROWS"):
        _parse_shapes("r0")


@pytest.mark.parametrize("cfg", CONFIGS, ids=["vec8", "vec16", "vec4", "strided"])
def test_every_config_one_and_two_stages(device, cfg):
    config = Config.from_dict(cfg)
    rng = np.random.default_rng(1)
    for rows, n in ((1, 1), (1, 37), (1, 5000), (3, 4099), (2, 20000)):
        x = rng.uniform(-1, 1, (rows, n)).astype(np.float32)
        t = pt.asarray(x, device=device)
        want = x.sum(axis=1, dtype=np.float64)
        for view in (t, t[:, ::-1]):
            geo = R._geometry(view, (1,))
            out = Tensor.empty((rows,), pt.float32, device)
            R.run_reduce(device, R.REDUCE["sum"], view, out, pt.float32, geo, config)
            assert_close(out, want, dtype="float32", scale=float(n))


def test_scan_stays_chunked_under_an_interleaved_config(device, monkeypatch):
    # The scan adds whole chunks' totals: its first stage must be chunked even when the config interleaves.
    monkeypatch.setattr(R, "_config", lambda *a: Config.from_dict(CONFIGS[3]))
    x = np.arange(1, 30001, dtype=np.float64) % 7
    assert_close(pt.cumulative_sum(pt.asarray(x.astype(np.float32), device=device)), np.cumsum(x), dtype="float32",
                 scale=1e4)
