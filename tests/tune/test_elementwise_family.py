"""The tunable elementwise family: its space, and every config correct on odd sizes and layouts."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops.elementwise import make_plan
from portatensor.ops.table import ELEMENTWISE
from portatensor.runtime.launch import launch
from portatensor.tensor import Tensor
from portatensor.tune import elementwise as E
from portatensor.tune.cli import _parse_shapes
from portatensor.tune.space import Config, DeviceLimits

CPU = DeviceLimits(4096, 1 << 20, 2, "cpu", "AMD")
SMALL = DeviceLimits(64, 1 << 15, 2, "gpu", "Some GPU vendor")

#: Blocked and strided multi-item configs with and without a fixed work-group.
CONFIGS = [
    {"local_size": 0, "items_per_thread": 1, "strided": False},
    {"local_size": 16, "items_per_thread": 16, "strided": False},
    {"local_size": 64, "items_per_thread": 4, "strided": True},
    {"local_size": 0, "items_per_thread": 8, "strided": True},
]


def test_space():
    configs = list(E.elementwise_space(CPU).configs(CPU))
    assert len(configs) == len(set(configs)) == 4 * (1 + 4 * 2)  # strided only matters with > 1 item
    assert all(c["local_size"] <= 64 for c in E.elementwise_space(SMALL).configs(SMALL))
    assert E.elementwise_space(CPU).default(CPU) == Config.from_dict(E.default_config("cpu"))
    assert E.geometry(Config.from_dict(CONFIGS[1]), 1000) == ((63,), (16,))
    assert E.geometry(Config.from_dict(CONFIGS[0]), 7) == ((7,), None)


def test_cli_shapes():
    assert _parse_shapes("e1000,64,2x3x4x5x6")["elementwise"] == [(1000,)]
    with pytest.raises(ValueError, match="eN"):
        _parse_shapes("e0")


@pytest.mark.parametrize("cfg", CONFIGS, ids=["driver", "blocked16", "strided4", "strided8"])
def test_every_config_on_odd_sizes_and_views(device, cfg):
    config = Config.from_dict(cfg)
    rng = np.random.default_rng(0)
    for n in (1, 15, 16, 17, 1000, 4099):
        a, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
        ta, tb = pt.asarray(a, device=device), pt.asarray(b, device=device)
        # contiguous (flat kernel) and a reversed, broadcast 2-d view (strided kernel)
        for x, y, want in ((ta, tb, a + b), (ta[::-1][None, :], pt.reshape(tb, (1, n)), a[::-1][None] + b[None])):
            plan = make_plan(ELEMENTWISE["add"], (x, y), config=config)
            out = Tensor.empty(plan.shape, pt.float32, device)
            launch(device, plan.kernel, plan.gsize, plan.lsize,
                   (out._storage.buf, 0, x._storage.buf, x.offset, y._storage.buf, y.offset, *plan.tail))
            assert_close(out, want.astype(np.float64), dtype="float32")
