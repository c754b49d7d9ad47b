"""optim: fused steps against PyTorch's optimizers, schedulers, and a 50-step training parity run."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

RNG = np.random.default_rng(0)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99))),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kw", CASES)
def test_optimizer_matches_torch(device, name, kw):
    torch = pytest.importorskip("torch")
    w0 = RNG.standard_normal((3, 4)).astype(np.float32)
    grads = [RNG.standard_normal((3, 4)).astype(np.float32) for _ in range(5)]
    tp = torch.tensor(w0, requires_grad=True)
    pp = pt.asarray(w0, device=device).requires_grad_()
    topt = getattr(torch.optim, name)([tp], **kw)
    popt = getattr(pt.optim, name)([pp], **kw)
    for g in grads:
        tp.grad = torch.tensor(g)
        pp.grad = pt.asarray(g, device=device)
        topt.step()
        popt.step()
    np.testing.assert_allclose(pp.numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_zero_grad_and_state_dict(device):
    p = pt.asarray(np.ones(3, np.float32), device=device).requires_grad_()
    opt = pt.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    opt.zero_grad()
    assert p.grad is None
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 1 and sd["param_groups"][0]["lr"] == 0.1
    opt2 = pt.optim.Adam([p], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.state[p]["step"] == 1
    (p * p).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert not p.grad.numpy().any()


def test_schedulers_match_torch():
    torch = pytest.importorskip("torch")
    for name, kw in [("StepLR", dict(step_size=2, gamma=0.5)), ("CosineAnnealingLR", dict(T_max=5)),
                     ("LinearLR", dict(start_factor=0.25, total_iters=3)),
                     ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e))]:
        tp = torch.zeros(1, requires_grad=True)
        topt = torch.optim.SGD([tp], lr=1.0)
        ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        pp = pt.zeros((1,)).requires_grad_()
        popt = pt.optim.SGD([pp], lr=1.0)
        ps = getattr(pt.optim.lr_scheduler, name)(popt, **kw)
        for _ in range(7):
            topt.step()
            popt.step()
            ts.step()
            ps.step()
            assert abs(ts.get_last_lr()[0] - ps.get_last_lr()[0]) < 1e-12, name


def test_mlp_training_parity_with_torch(device):
    """The same MLP, weights copied from PyTorch, the same batches, 50 SGD steps: losses within 1e-4."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    pm = nn.Sequential(nn.Linear(64, 256, device=device), nn.ReLU(), nn.Linear(256, 10, device=device))
    pm.load_state_dict({k: pt.asarray(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()})
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    popt = pt.optim.SGD(pm.parameters(), lr=0.1, momentum=0.9)
    x = RNG.uniform(0, 1, (50, 64, 64)).astype(np.float32)
    y = RNG.integers(0, 10, (50, 64)).astype(np.int64)
    tl, pl = [], []
    for i in range(50):
        lt = torch.nn.functional.cross_entropy(tm(torch.tensor(x[i])), torch.tensor(y[i]))
        topt.zero_grad()
        lt.backward()
        topt.step()
        lp = F.cross_entropy(pm(pt.asarray(x[i], device=device)), pt.asarray(y[i], device=device))
        popt.zero_grad()
        lp.backward()
        popt.step()
        tl.append(lt.item())
        pl.append(lp.detach())
    pl = [float(v.item()) for v in pl]
    np.testing.assert_allclose(pl, tl, rtol=1e-4)
    assert tl[-1] < tl[0]


def test_data_loader(device):
    x = pt.asarray(np.arange(10, dtype=np.float32).reshape(10, 1), device=device)
    y = pt.asarray(np.arange(10), device=device)
    ds = pt.data.TensorDataset(x, y)
    dl = pt.data.DataLoader(ds, batch_size=4)
    batches = [(a.numpy().ravel().tolist(), b.numpy().tolist()) for a, b in dl]
    assert [b for _, b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dl = pt.data.DataLoader(ds, batch_size=4, shuffle=True, drop_last=True, seed=1)
    seen = [b.numpy().tolist() for _, b in dl]
    assert len(seen) == 2 and len(set(sum(seen, []))) == 8
    for a, b in pt.data.DataLoader(ds, batch_size=3, shuffle=True, seed=2):
        assert (a.numpy().ravel() == b.numpy()).all()
    dl2 = pt.data.DataLoader([(np.float32(i), i) for i in range(5)], batch_size=2)
    first = next(iter(dl2))
    assert first[1].numpy().tolist() == [0, 1]
