"""The second batch of lr schedulers (lr and momentum sequences, state dicts) and Adagrad, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt

torch = pytest.importorskip("torch")


def _pair(opt_name, sched, kw, groups=1, **okw):
    tps = [torch.zeros(1, requires_grad=True) for _ in range(groups)]
    pps = [pt.zeros((1,)).requires_grad_() for _ in range(groups)]
    topt = getattr(torch.optim, opt_name)([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(tps)], **okw)
    popt = getattr(pt.optim, opt_name)([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(pps)], **okw)
    tkw = kw(topt) if callable(kw) else kw
    pkw = kw(popt) if callable(kw) else kw
    return topt, popt, getattr(torch.optim.lr_scheduler, sched)(topt, **tkw), \
        getattr(pt.optim.lr_scheduler, sched)(popt, **pkw)


def _same(topt, popt, ts, ps, key="momentum"):
    assert ps.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=1e-15)
    for tg, pg in zip(topt.param_groups, popt.param_groups, strict=True):
        assert pg["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15)
        if key in tg:
            assert pg[key] == pytest.approx(tg[key], rel=1e-12)


CASES = [
    ("SGD", "MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.5), {}),
    ("SGD", "ExponentialLR", dict(gamma=0.9), {}),
    ("SGD", "ConstantLR", dict(factor=0.5, total_iters=4), {}),
    ("SGD", "PolynomialLR", dict(total_iters=6, power=2.0), {}),
    ("SGD", "CosineAnnealingWarmRestarts", dict(T_0=3), {}),
    ("SGD", "CosineAnnealingWarmRestarts", dict(T_0=2, T_mult=2, eta_min=0.01), {}),
    ("SGD", "OneCycleLR", dict(max_lr=1.0, total_steps=20), dict(momentum=0.9)),
    ("SGD", "OneCycleLR", dict(max_lr=[1.0, 2.0], epochs=4, steps_per_epoch=5, pct_start=0.25,
                                anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
     dict(momentum=0.9)),
    ("Adam", "OneCycleLR", dict(max_lr=0.5, total_steps=20, three_phase=True), {}),
    ("AdamW", "OneCycleLR", dict(max_lr=0.5, total_steps=20, cycle_momentum=False), {}),
    ("SGD", "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3), dict(momentum=0.9)),
    ("SGD", "CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2, step_size_down=4, mode="triangular2"),
     dict(momentum=0.9)),
    ("Adam", "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9), {}),
    ("SGD", "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False,
                             scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"), {}),
    ("SGD", "MultiplicativeLR", dict(lr_lambda=lambda e: 0.95), {}),
]


@pytest.mark.parametrize("opt,sched,kw,okw", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("groups", [1, 2])
def test_schedule_matches_torch(opt, sched, kw, okw, groups):
    if groups == 1:
        kw = {k: v[0] if k in ("max_lr", "base_lr") and isinstance(v, list) else v for k, v in kw.items()}
    topt, popt, ts, ps = _pair(opt, sched, kw, groups, **okw)
    key = "betas" if opt.startswith("Adam") else "momentum"
    _same(topt, popt, ts, ps, key)
    for _ in range(19):
        topt.step()
        popt.step()
        ts.step()
        ps.step()
        _same(topt, popt, ts, ps, key)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_warm_restarts_fractional_epochs():
    topt, popt, ts, ps = _pair("SGD", "CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2), 1)
    for e in [0.5, 1.25, 3.0, 4.5, 9.9, 10.0, 2.0]:
        ts.step(e)
        ps.step(e)
        _same(topt, popt, ts, ps)


def test_sequential_lr_matches_torch():
    def make(lib, opt):
        s = lib.optim.lr_scheduler
        return dict(schedulers=[s.LinearLR(opt, start_factor=0.1, total_iters=3), s.ExponentialLR(opt, gamma=0.8),
                                s.CosineAnnealingWarmRestarts(opt, T_0=3)], milestones=[3, 7])

    tp, pp = torch.zeros(1, requires_grad=True), pt.zeros((1,)).requires_grad_()
    topt, popt = torch.optim.SGD([tp], lr=1.0), pt.optim.SGD([pp], lr=1.0)
    ts = torch.optim.lr_scheduler.SequentialLR(topt, **make(torch, topt))
    ps = pt.optim.lr_scheduler.SequentialLR(popt, **make(pt, popt))
    _same(topt, popt, ts, ps)
    for i in range(15):
        topt.step()
        popt.step()
        ts.step()
        ps.step()
        _same(topt, popt, ts, ps)
        if i == 5:
            sd = ps.state_dict()
    ps2 = pt.optim.lr_scheduler.SequentialLR(popt, **make(pt, popt))
    ps2.load_state_dict(sd)
    assert ps2.last_epoch == 6 and ps2._schedulers[1].last_epoch == sd["_schedulers"][1]["last_epoch"]


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", factor=0.5, patience=1, threshold=0.1),
                                dict(patience=0, cooldown=2, min_lr=0.02, threshold_mode="abs", threshold=0.05),
                                dict(patience=1, min_lr=[0.0, 0.05], eps=1e-3)])
def test_reduce_on_plateau_matches_torch(kw):
    topt, popt, ts, ps = _pair("SGD", "ReduceLROnPlateau", kw, 2)
    metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.2]
    for m in metrics * 2:
        ts.step(torch.tensor(m))
        ps.step(pt.asarray(m))
        _same(topt, popt, ts, ps)
        assert ps.num_bad_epochs == ts.num_bad_epochs and ps.best == ts.best


def test_state_dict_round_trip():
    topt, popt, ts, ps = _pair("SGD", "OneCycleLR", dict(max_lr=1.0, total_steps=30), 1, momentum=0.9)
    for _ in range(10):
        ps.step()
    sd = ps.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 10
    p2 = pt.optim.SGD([pt.zeros((1,)).requires_grad_()], lr=0.1, momentum=0.9)
    s2 = pt.optim.lr_scheduler.OneCycleLR(p2, max_lr=1.0, total_steps=30)
    s2.load_state_dict(sd)
    s2.step()
    ps.step()
    assert s2.get_last_lr() == ps.get_last_lr()
    r = pt.optim.lr_scheduler.ReduceLROnPlateau(popt, patience=0)
    r.step(1.0)
    r.step(2.0)
    r2 = pt.optim.lr_scheduler.ReduceLROnPlateau(popt)
    r2.load_state_dict(r.state_dict())
    assert r2.best == 1.0 and r2.patience == 0


def test_errors():
    popt = pt.optim.SGD([pt.zeros((1,)).requires_grad_()], lr=0.1)
    s = pt.optim.lr_scheduler
    with pytest.raises(ValueError, match="Factor"):
        s.ReduceLROnPlateau(popt, factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        s.ReduceLROnPlateau(popt, mode="avg")
    with pytest.raises(ValueError, match="total_steps"):
        s.OneCycleLR(popt, max_lr=1.0)
    with pytest.raises(ValueError, match="momentum"):
        s.OneCycleLR(pt.optim.Optimizer([pt.zeros((1,)).requires_grad_()], {"lr": 0.1}), max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="T_0"):
        s.CosineAnnealingWarmRestarts(popt, T_0=0)
    with pytest.raises(ValueError, match="milestone"):
        s.SequentialLR(popt, [s.ExponentialLR(popt, 0.9)], milestones=[2])
    one = s.OneCycleLR(popt, max_lr=1.0, total_steps=2, cycle_momentum=False)
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step"):
        one.step()


@pytest.mark.parametrize("kw", [dict(), dict(lr=0.05, lr_decay=0.1, weight_decay=0.01),
                                dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6, maximize=True)])
def test_adagrad_matches_torch(device, kw):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((5, 7)).astype(np.float32)
    tp = torch.tensor(w0, requires_grad=True)
    pp = pt.asarray(w0, device=device).requires_grad_()
    topt, popt = torch.optim.Adagrad([tp], **kw), pt.optim.Adagrad([pp], **kw)
    for _ in range(20):
        g = rng.standard_normal((5, 7)).astype(np.float32)
        tp.grad = torch.tensor(g)
        pp.grad = pt.asarray(g, device=device)
        topt.step()
        popt.step()
    np.testing.assert_allclose(pp.numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(popt.state[pp]["sum"].numpy(), topt.state[tp]["sum"].numpy(), rtol=1e-5)
    assert popt.state_dict()["state"][0]["step"] == 20


def test_adagrad_trains_and_rejects_bad_args(device):
    with pytest.raises(ValueError, match="lr_decay"):
        pt.optim.Adagrad([pt.zeros((1,)).requires_grad_()], lr_decay=-1.0)
    w = pt.asarray(np.full(3, 2.0, np.float32), device=device).requires_grad_()
    opt = pt.optim.Adagrad([w], lr=0.5)
    for _ in range(50):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert float(abs(w).max()) < 0.5


def test_adagrad_float16_master_weights(device):
    w0 = np.linspace(-1, 1, 12, dtype=np.float32)
    tp = torch.tensor(w0, requires_grad=True)
    pp = pt.asarray(w0.astype(np.float16), device=device).requires_grad_()
    topt, popt = torch.optim.Adagrad([tp], lr=0.01), pt.optim.Adagrad([pp], lr=0.01)
    for _ in range(5):
        tp.grad = torch.tensor(w0)
        pp.grad = pt.asarray(w0.astype(np.float16), device=device)
        topt.step()
        popt.step()
    np.testing.assert_allclose(popt.state[pp]["master"].numpy(), tp.detach().numpy(), rtol=1e-3, atol=1e-3)
    assert pp.dtype == pt.float16
