"""PyTorch-style Tensor methods (in-place ops, split/chunk/repeat, topk/sort, cumsum, norm, hooks): torch parity."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt

RNG = np.random.default_rng(5)


def _both(torch, device, a):
    return torch.tensor(a, requires_grad=True), pt.asarray(a, device=device).requires_grad_()


def _check(torch, device, fn, a, rtol=1e-5):
    tx, px = _both(torch, device, a)
    tl, pl = fn(tx), fn(px)
    tl.backward()
    pl.backward()
    np.testing.assert_allclose(pl.item(), tl.item(), rtol=rtol, atol=1e-5)
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=rtol * 10, atol=1e-5)


CASES = {
    "split_chunk": lambda x: sum((p * (i + 1.0)).sum() for i, p in enumerate(x.split(2, dim=1)))
    + sum((c * c).sum() for c in x.chunk(2, 0)) + sum(u.sum() * 2.0 for u in x.split([1, 3], 0)),
    "repeat": lambda x: (x.repeat(2, 1, 2) ** 2).sum(),
    "topk_sort": lambda x: (x.topk(2, dim=1).values ** 2).sum() + (x.sort(dim=0, descending=True)[0] * 3.0)[0].sum(),
    "cumsum": lambda x: (x.cumsum(1) ** 2).sum(),
    "norm": lambda x: x.norm() + x.norm(dim=1).sum() + x.norm(p=1) + x.norm(p=3, dim=0, keepdim=True).sum(),
    "amax": lambda x: x.amax(dim=1).sum() + x.amin(),
    "unary": lambda x: (x.log1p().neg() + x.expm1()).sum(),
    "narrow_select_unbind": lambda x: x.narrow(1, 1, 2).sum() * 2.0 + x.select(0, 2).sum() + x.unbind(1)[3].sum(),
    "flip_roll_movedim": lambda x: (x.flip(0) * x).sum() + (x.roll(1, 1) * x).sum() + x.movedim(0, 1)[0].sum(),
    "mm": lambda x: x.mm(x.t()).sum(),
    "add_sub_alpha": lambda x: (x.add(x * x, alpha=2.0) - x.sub(1.0, alpha=3.0)).sum(),
    "masked_select": lambda x: (x.masked_select(x > 0.3) ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_methods_match_torch(device, name):
    torch = pytest.importorskip("torch")
    a = RNG.uniform(0.1, 1.0, (4, 4)).astype(np.float32)
    _check(torch, device, CASES[name], a)


def test_inplace_methods(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 4)).astype(np.float32)

    def f(x):
        y = x * 1.0
        y.mul_(2.0).add_(x, alpha=0.5).sub_(1.0).div_(3.0).clamp_(-0.3, 0.5)
        return (y * y).sum()

    _check(torch, device, f, a)
    x = pt.asarray(a, device=device).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1.0)
    ema = pt.asarray(np.zeros(3, np.float32), device=device)
    ema.mul_(0.9).add_(pt.asarray(np.ones(3, np.float32), device=device), alpha=0.1)
    np.testing.assert_allclose(ema.numpy(), 0.1, rtol=1e-6)


def test_new_and_misc(device):
    x = pt.asarray(np.ones((2, 3), np.float16), device=device)
    z = x.new_zeros(4, 5)
    assert z.shape == (4, 5) and z.dtype is pt.float16 and not z.numpy().any()
    assert x.new_ones((2,)).numpy().tolist() == [1, 1]
    assert x.new_full((2,), 3.0).numpy().tolist() == [3, 3]
    assert x.new_tensor([1, 2]).dtype is pt.float16
    assert x.is_floating_point() and x.element_size() == 2 and x.nelement() == 6 and x.ndimension() == 2
    assert x.type_as(pt.asarray([1.0], device=device)).dtype is pt.float32
    assert x.eq(1.0).numpy().all() and not x.gt(1.0).numpy().any()


def test_register_hook(device):
    x = pt.asarray(np.array([1.0, 2.0], np.float32), device=device).requires_grad_()
    seen = []
    h = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    y = x * 3.0
    y.register_hook(lambda g: g * 2.0)  # doubles the gradient flowing through y
    (y.sum() + (y * y).sum()).backward()
    want = 2.0 * (1.0 + 2.0 * 3.0 * np.array([1.0, 2.0])) * 3.0
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6)
    assert len(seen) == 1  # called once, with the summed gradient
    h.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    assert len(seen) == 1
