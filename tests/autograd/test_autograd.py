"""Autograd: the engine's semantics, gradcheck in float64 and parity with PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64, tensor_of

import portatensor as pt

RNG = np.random.default_rng(0)


_t = tensor_of
_f64 = need_fp64


def test_leaf_grad_and_accumulation(device):
    x = _t(np.array([1.0, 2.0, 3.0], np.float32), device)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4, 6])
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5, 7, 9])
    assert x.is_leaf and x.grad_fn is None


def test_broadcast_grad_reduced_to_operand_shape(device):
    a = _t(RNG.standard_normal((4, 3)).astype(np.float32), device)
    b = _t(RNG.standard_normal((3,)).astype(np.float32), device)
    c = _t(RNG.standard_normal((4, 1)).astype(np.float32), device)
    ((a + b) * c).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), c.numpy().sum() * np.ones(3), rtol=1e-5)
    np.testing.assert_allclose(c.grad.numpy(), (a.numpy() + b.numpy()).sum(1, keepdims=True), rtol=1e-5)
    assert b.grad.shape == (3,) and c.grad.shape == (4, 1)


def test_no_grad_and_enable_grad(device):
    x = _t(np.ones(3, np.float32), device)
    with pt.no_grad():
        y = x * 2
        with pt.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad
    assert pt.autograd.is_grad_enabled()


def test_detach_and_requires_grad_errors(device):
    x = _t(np.ones(3, np.float32), device)
    y = (x * 2).detach()
    assert not y.requires_grad
    with pytest.raises(RuntimeError):
        (x * 2).backward()  # not a scalar
    with pytest.raises(RuntimeError):
        pt.asarray([1, 2], device=device).requires_grad_()


def test_inplace_modification_of_saved_tensor_raises(device):
    x = _t(np.array([1.0, 2.0], np.float32), device)
    y = x * 1.0
    z = (y * y).sum()
    y += 1  # y was saved by multiply
    with pytest.raises(RuntimeError, match="multiplyBackward"):
        z.backward()


def test_inplace_on_leaf_raises(device):
    x = _t(np.ones(2, np.float32), device)
    with pytest.raises(RuntimeError, match="leaf"):
        x += 1
    with pt.no_grad():
        x += 1
    np.testing.assert_allclose(x.numpy(), [2, 2])


def test_inplace_on_nonleaf_is_recorded(device):
    x = _t(np.array([1.0, 2.0], np.float32), device)
    y = x * 3.0
    y += x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4, 4])


def test_second_backward_needs_retain_graph(device):
    x = _t(np.array([1.0, 2.0], np.float32), device)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4, 8])
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_autograd_grad_and_double_backward(device):
    x = _t(np.array([1.0, 2.0, 3.0], np.float32), device)
    y = (x * x * x).sum()
    (g,) = pt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * np.array([1, 4, 9]))
    assert x.grad is None
    (g2,) = pt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), 6 * np.array([1, 2, 3]))


def test_custom_function(device):
    class Cube(pt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x * x * 3.0

    x = _t(np.array([1.0, -2.0], np.float32), device)
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 12])


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "reciprocal", "square"]


@pytest.mark.parametrize("name", UNARY)
def test_gradcheck_unary(device, name):
    dt = _f64(device)
    a = RNG.uniform(0.3, 2.0, (3, 2)) * (1 if name in ("log", "sqrt", "reciprocal") else RNG.choice([-1, 1], (3, 2)))
    x = _t(a, device, dtype=dt)
    pt.autograd.gradcheck(lambda t: getattr(t, name)(), [x])


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow"])
def test_gradcheck_binary_broadcast(device, op):
    dt = _f64(device)
    a = _t(RNG.uniform(0.5, 2.0, (2, 3)), device, dtype=dt)
    b = _t(RNG.uniform(0.5, 2.0, (3,)), device, dtype=dt)
    pt.autograd.gradcheck(lambda x, y: getattr(x, f"__{op}__")(y), [a, b])


def test_gradcheck_matmul_reductions_views(device):
    dt = _f64(device)
    a = _t(RNG.standard_normal((2, 3, 4)), device, dtype=dt)
    b = _t(RNG.standard_normal((4, 5)), device, dtype=dt)
    v = _t(RNG.standard_normal((4,)), device, dtype=dt)
    pt.autograd.gradcheck(lambda x, y: x @ y, [a, b])
    pt.autograd.gradcheck(lambda x, y: x @ y, [a, v])
    pt.autograd.gradcheck(lambda x, y: y @ x.mT, [a, v])
    pt.autograd.gradcheck(lambda x: x.sum(dim=1, keepdim=True) * x.mean(dim=(0, 2)).reshape(1, 3, 1), [a])
    pt.autograd.gradcheck(lambda x: x.permute(2, 0, 1)[1:3, :, ::2].reshape(-1) * 2.0, [a])
    pt.autograd.gradcheck(lambda x: pt.cat([x, x[:, :1] * 3.0], dim=1).flatten(1), [a])
    pt.autograd.gradcheck(lambda x: pt.autograd.function.stack([x, x], dim=0).unsqueeze(0).squeeze(0), [b])
    pt.autograd.gradcheck(lambda x: x.clamp(-0.5, 0.5) + x.t().expand(2, 5, 4).sum(0).t(), [b])


def test_parity_with_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((5, 4)).astype(np.float32)
    w = RNG.standard_normal((3, 4)).astype(np.float32)
    bias = RNG.standard_normal((3,)).astype(np.float32)

    def f(lib, x, W, B):
        h = (x @ W.t() + B)
        return (h.tanh() * h.sigmoid() + (h * h).exp().log()).sum() / 7.0

    tx, tW, tB = (torch.tensor(v, requires_grad=True) for v in (a, w, bias))
    px, pW, pB = (_t(v, device) for v in (a, w, bias))
    tl, pl = f(torch, tx, tW, tB), f(pt, px, pW, pB)
    tl.backward()
    pl.backward()
    np.testing.assert_allclose(pl.item(), tl.item(), rtol=1e-5)
    for p_, t_ in ((px, tx), (pW, tW), (pB, tB)):
        np.testing.assert_allclose(p_.grad.numpy(), t_.grad.numpy(), rtol=1e-4, atol=1e-5)
