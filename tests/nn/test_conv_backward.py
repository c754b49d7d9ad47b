"""conv2d backward on the implicit GEMM (ops/conv.py): gradients against PyTorch CPU, gradcheck, every config branch."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor.nn import functional as F
from portatensor.ops import conv as C
from portatensor.tune import gemm as G
from portatensor.tune.db import Lookup
from portatensor.tune.space import Config

#: (N, C, H, W, Co, KH, KW, stride, padding, dilation, groups)
CASES = [
    (2, 4, 9, 8, 6, 3, 3, (2, 2), (1, 1), (1, 1), 1),  # stride 2
    (2, 3, 9, 9, 4, 3, 3, (1, 1), (2, 2), (2, 2), 1),  # dilation 2
    (2, 4, 7, 7, 6, 3, 3, (1, 1), (1, 1), (1, 1), 2),  # groups 2, padding 1
    (1, 3, 6, 11, 5, 2, 4, (1, 2), (0, 1), (1, 1), 1),  # non-square everything
    (2, 2, 8, 8, 3, 3, 3, (1, 1), (3, 3), (1, 1), 1),  # padding wider than the kernel reach
    (1, 2, 9, 7, 2, 3, 3, (3, 2), (1, 0), (2, 1), 1),  # stride 3, rows the kernel never reaches
    (1, 4, 6, 6, 4, 3, 1, (2, 1), (0, 2), (1, 2), 4),  # depthwise
    (1, 2, 10, 9, 3, 3, 3, (2, 2), (1, 2), (2, 2), 1),  # stride and dilation share a factor: phases no tap reaches
    (2, 2, 9, 9, 2, 2, 2, (4, 3), (0, 1), (1, 1), 1),  # stride wider than the kernel
]
IDS = ["stride2", "dilation2", "groups2", "nonsquare", "widepad", "stride3", "depthwise", "stride2dil2", "wide_stride"]

#: rtol/atol against a float64 reference, scaled by the terms summed per gradient value.
TOL = {"float64": 1e-12, "float32": 2e-6, "float16": 2e-3}


def _torch_grads(x, w, go, s, p, d, g):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, stride=s, padding=p, dilation=d, groups=g).backward(torch.tensor(go))
    return tx.grad.numpy(), tw.grad.numpy()


def _data(case, seed=0):
    N, Cin, H, W, Co, KH, KW, s, p, d, g = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, Cin, H, W))
    w = rng.standard_normal((Co, Cin // g, KH, KW))
    OH, OW = C.conv_geometry(x.shape, w.shape, s, p, d, g)
    return x, w, rng.standard_normal((N, Co, OH, OW))


def _check(got, want, dt, terms):
    tol = TOL[dt] * max(4.0, terms)
    np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dt", ["float32", "float64", "float16"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv2d_gradients_match_torch(device, case, dt):
    if dt == "float64" and not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    s, p, d, g = case[7:]
    x, w, go = _data(case)
    want_gx, want_gw = _torch_grads(x, w, go, s, p, d, g)
    px = pt.asarray(x.astype(dt), device=device).requires_grad_()
    pw = pt.asarray(w.astype(dt), device=device).requires_grad_()
    F.conv2d(px, pw, stride=s, padding=p, dilation=d, groups=g).backward(pt.asarray(go.astype(dt), device=device))
    assert px.grad.dtype == px.dtype and pw.grad.dtype == pw.dtype
    _check(px.grad, want_gx, dt, w.shape[0] // g * w.shape[2] * w.shape[3])
    _check(pw.grad, want_gw, dt, go.shape[0] * go.shape[2] * go.shape[3])


def test_conv2d_gradient_only_where_needed(device):
    x, w, go = _data(CASES[0])
    s, p, d, g = CASES[0][7:]
    want_gx, want_gw = _torch_grads(x, w, go, s, p, d, g)
    px = pt.asarray(x.astype("float32"), device=device)
    pw = pt.asarray(w.astype("float32"), device=device).requires_grad_()
    F.conv2d(px, pw, stride=s, padding=p).backward(pt.asarray(go.astype("float32"), device=device))
    assert px.grad is None
    _check(pw.grad, want_gw, "float32", go.shape[0] * go.shape[2] * go.shape[3])


def test_gradcheck_conv2d_float64(device):
    if not device.info.fp64:
        pytest.skip("no fp64")
    rng = np.random.default_rng(3)
    x = pt.asarray(rng.standard_normal((2, 4, 6, 5)), dtype=pt.float64, device=device).requires_grad_()
    w = pt.asarray(rng.standard_normal((4, 2, 3, 2)), dtype=pt.float64, device=device).requires_grad_()
    pt.autograd.gradcheck(lambda a, b: F.conv2d(a, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
                          [x, w])


#: The CPU default (vector B rows, K chunks), the scalar generic kernel, both tiles staged, B staged alone.
CONFIGS = [
    dict(G.default_config("cpu"), KC=16),
    G.default_config("generic"),
    G.default_config("nvidia"),
    dict(G.default_config("nvidia"), LA=False, WN=8, VW=2, TK=8),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=["cpu", "generic", "staged", "stagedB"])
def test_backward_every_config_branch(device, cfg, monkeypatch):
    config = Config.from_dict(cfg)
    monkeypatch.setattr(C, "tuned_config", lambda *args, **kw: Lookup(config, "exact"))
    monkeypatch.setattr(C, "WGRAD_UNSPLIT_BYTES", 0)  # the weight gradient takes the config's K chunks too
    for case in (CASES[0], CASES[2], CASES[3], CASES[5]):
        s, p, d, g = case[7:]
        x, w, go = _data(case, seed=1)
        want_gx, want_gw = _torch_grads(x, w, go, s, p, d, g)
        px = pt.asarray(x.astype("float32"), device=device)
        pw = pt.asarray(w.astype("float32"), device=device)
        pg = pt.asarray(go.astype("float32"), device=device)
        _check(C.conv2d_grad_weight(px, pg, w.shape, s, p, d, g), want_gw, "float32",
               go.shape[0] * go.shape[2] * go.shape[3])
        _check(C.conv2d_grad_input(pg, pw, x.shape, s, p, d, g), want_gx, "float32",
               w.shape[0] // g * w.shape[2] * w.shape[3])


def test_backward_empty(device):
    x = pt.zeros((0, 4, 5, 5), device=device)
    g = pt.zeros((0, 2, 3, 3), device=device)
    w = pt.zeros((2, 4, 3, 3), device=device)
    gw = C.conv2d_grad_weight(x, g, w.shape, (1, 1), (0, 0), (1, 1), 1)
    assert gw.shape == (2, 4, 3, 3) and not gw.numpy().any()
    assert C.conv2d_grad_input(g, w, x.shape, (1, 1), (0, 0), (1, 1), 1).shape == (0, 4, 5, 5)


@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_grad_weight_batch_split_across_launches(device, dt, monkeypatch):
    # A pixel table that holds 2 images' offsets: 5 images take 3 accumulating launches (an odd batch, padding).
    case = (5, 3, 7, 6, 4, 3, 3, (2, 1), (1, 1), (1, 1), 1)
    x, w, go = _data(case, seed=2)
    s, p, d, g = case[7:]
    monkeypatch.setattr(C, "TABLE_LIMIT", 2 * 3 * 9 * 8)
    _, want_gw = _torch_grads(x, w, go, s, p, d, g)
    got = C.conv2d_grad_weight(pt.asarray(x.astype(dt), device=device), pt.asarray(go.astype(dt), device=device),
                               w.shape, s, p, d, g)
    _check(got, want_gw, dt, go.shape[0] * go.shape[2] * go.shape[3])
