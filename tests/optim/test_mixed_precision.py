"""Mixed precision: float32 master weights for float16/bfloat16 parameters, autocast, GradScaler, amsgrad."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

RNG = np.random.default_rng(3)
X = RNG.standard_normal((256, 16)).astype(np.float32)
Y = (X @ RNG.standard_normal((16, 4)).astype(np.float32)).argmax(1)


@pytest.mark.parametrize("dtype", [pt.float16, pt.bfloat16], ids=["float16", "bfloat16"])
def test_low_precision_matmul(device, dtype):
    # The GEMM reads B as whole vectors: bfloat16 (ushort bits) once came out as integers.
    a = RNG.standard_normal((16, 24)).astype(np.float32)
    x = pt.asarray(a, device=device).astype(dtype)
    ref = x.astype(pt.float32).numpy()
    got = (pt.matrix_transpose(x) @ x).astype(pt.float32).numpy()
    assert np.abs(got - ref.T @ ref).max() < 0.5


def _train(device, dtype=pt.float32, autocast=None, scaler=None, opt_name="SGD", steps=40):
    pt.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4)).to(device)
    if dtype is not pt.float32:
        model = model.to(dtype)
    kw = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.01)
    opt = getattr(pt.optim, opt_name)(model.parameters(), **kw)
    xb, yb = pt.asarray(X, device=device).astype(dtype), pt.asarray(Y, device=device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        with pt.autocast(dtype=autocast or pt.bfloat16, enabled=autocast is not None):
            loss = F.cross_entropy(model(xb).float(), yb)  # the loss in float32
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        losses.append(loss.item())
    for p in model.parameters():
        assert p.dtype is dtype and p.grad.dtype is dtype  # gradients arrive in the parameter's dtype
    return losses


@pytest.mark.parametrize("dtype,opt_name", [("bfloat16", "SGD"), ("float16", "SGD"), ("bfloat16", "Adam")])
def test_low_precision_parameters_train_like_float32(device, dtype, opt_name):
    dt = getattr(pt, dtype)
    ref = _train(device, opt_name=opt_name)
    scaler = pt.amp.GradScaler(init_scale=1024.0) if dt is pt.float16 else None
    got = _train(device, dt, scaler=scaler, opt_name=opt_name)
    assert got[-1] < 0.4 * got[0]
    assert abs(got[-1] - ref[-1]) < 0.05 + 0.15 * ref[-1]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_autocast_trains_like_float32(device, dtype):
    dt = getattr(pt, dtype)
    ref = _train(device)
    got = _train(device, autocast=dt)
    assert got[-1] < 0.4 * got[0]
    assert abs(got[-1] - ref[-1]) < 0.05 + 0.15 * ref[-1]


def test_autocast_dtypes(device):
    w = pt.asarray(RNG.standard_normal((3, 4)).astype(np.float32), device=device).requires_grad_()
    x = pt.asarray(RNG.standard_normal((5, 4)).astype(np.float32), device=device)
    with pt.autocast(dtype=pt.float16):
        assert pt.amp.is_autocast_enabled() and pt.amp.get_autocast_dtype() is pt.float16
        y = x @ w.t()
        s = y.sum()
        with pt.autocast(enabled=False):
            assert (x @ w.t()).dtype is pt.float32
    assert not pt.amp.is_autocast_enabled()
    assert y.dtype is pt.float16 and s.dtype is pt.float32
    s.backward()
    assert w.grad.dtype is pt.float32
    np.testing.assert_allclose(w.grad.numpy(), np.ones((5, 3)).T @ x.numpy(), rtol=2e-3, atol=2e-3)

    @pt.autocast(dtype=pt.bfloat16)
    def f(a):
        return a @ a.t()

    assert f(x).dtype is pt.bfloat16
    with pytest.raises(ValueError):
        pt.autocast(dtype=pt.float64)


def test_master_weights_keep_small_updates(device):
    for master in (True, False):
        p = pt.asarray(np.ones(4, np.float32), device=device).astype(pt.bfloat16).requires_grad_()
        opt = pt.optim.SGD([p], lr=1e-3, master_weights=master)
        for _ in range(10):
            p.grad = pt.asarray(np.ones(4, np.float32), device=device).astype(pt.bfloat16)
            opt.step()
        if master:  # 1 - 0.001 rounds back to 1 in bfloat16: only the float32 copy remembers
            np.testing.assert_allclose(opt.state[p]["master"].numpy(), 0.99, rtol=1e-6)
            assert p.numpy().astype(np.float32)[0] < 1.0
        else:
            assert p.numpy().astype(np.float32)[0] == 1.0
    with pt.no_grad():  # a write outside step() refreshes the master copy
        p.copy_(pt.asarray(np.full(4, 2.0, np.float32), device=device).astype(pt.bfloat16))
    opt = pt.optim.SGD([p], lr=0.5)
    for v in (2.0, 1.0):
        p.grad = pt.asarray(np.ones(4, np.float32), device=device).astype(pt.bfloat16)
        opt.step()
        if v == 2.0:
            with pt.no_grad():
                p.copy_(pt.asarray(np.full(4, 1.0, np.float32), device=device).astype(pt.bfloat16))
    np.testing.assert_allclose(p.numpy().astype(np.float32), 0.5)


def test_grad_scaler_skips_overflowing_steps(device):
    p = pt.asarray(np.ones(3, np.float32), device=device).astype(pt.float16).requires_grad_()
    opt = pt.optim.SGD([p], lr=0.1)
    scaler = pt.amp.GradScaler(init_scale=256.0, growth_interval=1)
    scaler.scale((p * 2.0).sum()).backward()
    assert p.grad.numpy()[0] == 512.0
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(p.numpy().astype(np.float32), 0.8, rtol=1e-3)
    assert scaler.get_scale() == 512.0
    opt.zero_grad()
    p.grad = pt.asarray(np.array([np.inf, 1, 1], np.float32), device=device).astype(pt.float16)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(p.numpy().astype(np.float32), 0.8, rtol=1e-3)  # skipped
    assert scaler.get_scale() == 256.0


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_amsgrad_matches_torch(device, name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)  # NOTE: not the module's RNG: the data must not depend on test order
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) * s for s in (3.0, 0.1, 1.0, 0.01, 2.0)]
    tp = torch.tensor(w0, requires_grad=True)
    pp = pt.asarray(w0, device=device).requires_grad_()
    topt = getattr(torch.optim, name)([tp], lr=0.05, amsgrad=True, weight_decay=0.01)
    popt = getattr(pt.optim, name)([pp], lr=0.05, amsgrad=True, weight_decay=0.01)
    for g in grads:
        tp.grad = torch.tensor(g)
        pp.grad = pt.asarray(g, device=device)
        topt.step()
        popt.step()
    # float32 rounding of 5 steps of size ~lr = 0.05: about 1e-6 absolute, so 1e-5 (2e-4 of a step).
    np.testing.assert_allclose(pp.numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_add_param_group_checks(device):
    a = pt.asarray(np.ones(2, np.float32), device=device).requires_grad_()
    b = pt.asarray(np.ones(3, np.float32), device=device).requires_grad_()
    opt = pt.optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="non-leaf"):
        pt.optim.SGD([a * 2.0], lr=0.1)
