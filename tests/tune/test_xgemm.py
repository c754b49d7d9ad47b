"""The tunable GEMM family: space constraints and correctness on odd shapes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close

import portatensor as pt
from portatensor.ops.linalg import run_xgemm
from portatensor.tensor import Tensor
from portatensor.tune import gemm as G
from portatensor.tune.space import Config, DeviceLimits

CPU = DeviceLimits(4096, 1 << 20, 2, "cpu", "AMD")
GPU = DeviceLimits(256, 48 * 1024, 40, "gpu", "NVIDIA Corporation")

#: A few configs that cover the template's branches: the CPU default (vector
#: B loads, K chunks), scalar, both tiles staged, A or B staged, unrolled.
CONFIGS = [
    G.default_config("cpu"),
    dict(G.default_config("generic"), UNROLL=4),
    G.default_config("nvidia"),
    dict(G.default_config("nvidia"), LA=False, WN=8, VW=2, TK=8),
]
SHAPES = [(1, 37, 5), (37, 1, 5), (13, 17, 1), (61, 67, 71), (64, 64, 300), (2, 3, 0)]


def test_space_constraints():
    space = G.gemm_space(CPU)
    for config in space.configs(CPU):
        assert config["WN"] % config["VW"] == 0 and config["WM"] * config["WN"] <= G.MAX_ACC
        assert not config["LA"] and not config["LB"]  # CPUs: no local-memory staging
    gpu = G.gemm_space(GPU)
    staged = [c for c in gpu.configs(GPU) if c["LA"] or c["LB"]]
    assert staged and all(c["LX"] * c["LY"] <= 256 for c in staged)
    assert all((c["TK"] * c["LY"] * c["WM"] * c["LA"] + c["TK"] * c["LX"] * c["WN"] * c["LB"]) * 8 <= 48 * 1024
               for c in staged)
    assert space.default(CPU) == Config.from_dict(G.default_config("cpu"))
    assert gpu.default(GPU) == Config.from_dict(G.default_config("nvidia"))


def test_plan_splits_k():
    p = G.plan(Config.from_dict(dict(G.default_config("cpu"), KC=128)), 100, 50, 300, 2, "float32")
    assert [(s.k0, s.k1, s.beta) for s in p.launches] == [(0, 128, 0), (128, 256, 1), (256, 300, 1)]
    assert p.launches[0].gsize == (4, 13, 2) and p.launches[0].lsize == (4, 1, 1)
    assert len(G.plan(Config.from_dict(dict(G.default_config("cpu"), KC=128)), 4, 4, 300, 1, "float16").launches) == 1


def test_layout_of():
    assert G.layout_of(5, 1, 7, 1) == "nn"
    assert G.layout_of(1, 5, 1, 7) == "tt"
    assert G.layout_of(5, 1, 1, 7) == "nt"


def _run(device, cfg, M, N, K, nb=1, dt="float32", ta=False, tb=False):
    rng = np.random.default_rng(M * 1000 + N * 10 + K)
    A = rng.standard_normal((nb, K, M) if ta else (nb, M, K)).astype(dt)
    B = rng.standard_normal((nb, N, K) if tb else (nb, K, N)).astype(dt)
    dtype = getattr(pt, dt)
    a, b = pt.asarray(A, device=device), pt.asarray(B, device=device)
    c = Tensor.empty((nb, M, N), dtype, device)
    ag = (0, M * K, 1, M) if ta else (0, M * K, K, 1)
    bg = (0, N * K, 1, K) if tb else (0, N * K, N, 1)
    if K == 0:
        return
    run_xgemm(device, Config.from_dict(cfg), c._storage.buf, a._storage.buf, b._storage.buf, dt, dt, dt,
              M, N, K, nb, ag, bg, False)
    An = np.swapaxes(A, 1, 2) if ta else A
    Bn = np.swapaxes(B, 1, 2) if tb else B
    ref = (An.astype(np.float64) @ Bn.astype(np.float64)).astype(dt)
    assert_close(c.numpy(), ref, dt, scale=max(4.0, float(K)))


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['WM']}x{c['WN']}v{c['VW']}{'A' * c['LA']}{'B' * c['LB']}")
def test_xgemm_odd_shapes_float32(device, cfg):
    for M, N, K in SHAPES:
        _run(device, cfg, M, N, K)
    _run(device, cfg, 19, 23, 29, nb=3, ta=True, tb=True)
    _run(device, cfg, 19, 23, 29, nb=2, ta=False, tb=True)
    _run(device, cfg, 19, 23, 29, nb=2, ta=True, tb=False)


@pytest.mark.parametrize("dt", ["float64", "float16"])
def test_xgemm_other_dtypes(device, dt):
    if dt == "float64" and not device.info.fp64:
        pytest.skip(f"{device} has no float64")
    cfg = G.default_config("cpu")
    for M, N, K in [(1, 37, 5), (61, 67, 71), (16, 32, 8)]:
        _run(device, cfg, M, N, K, dt=dt)
    _run(device, cfg, 19, 23, 29, nb=2, dt=dt, ta=True, tb=True)


@pytest.mark.parametrize("shape_a,shape_b", [((5, 7), (7,)), ((7,), (7, 3)), ((3, 1, 9, 17), (2, 17, 5)),
                                             ((0, 4), (4, 3)), ((4, 0), (0, 3)), ((1, 33), (33, 1))])
def test_matmul_uses_lookup(device, shape_a, shape_b):
    rng = np.random.default_rng(1)
    A = rng.standard_normal(shape_a).astype("float32")
    B = rng.standard_normal(shape_b).astype("float32")
    got = pt.matmul(pt.asarray(A, device=device), pt.asarray(B, device=device))
    assert_close(got.numpy(), A @ B, "float32", scale=40)


def test_matmul_transposed_views(device):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((45, 30)).astype("float32")
    B = rng.standard_normal((50, 45)).astype("float32")
    a, b = pt.asarray(A, device=device), pt.asarray(B, device=device)
    got = pt.matmul(a.mT, b.mT)
    assert_close(got.numpy(), A.T @ B.T, "float32", scale=50)
