"""nn.functional.linear as one autograd node, and matmul gradients that keep their operand's layout."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64

import portatensor as pt
from portatensor.nn import functional as F

RNG = np.random.default_rng(7)


_f64 = need_fp64


@pytest.mark.parametrize("xshape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(device, xshape, bias):
    f64 = _f64(device)
    x = pt.asarray(RNG.standard_normal(xshape), dtype=f64, device=device).requires_grad_()
    w = pt.asarray(RNG.standard_normal((3, 4)), dtype=f64, device=device).requires_grad_()
    b = pt.asarray(RNG.standard_normal(3), dtype=f64, device=device).requires_grad_() if bias else None
    args = [x, w] + ([b] if bias else [])
    assert pt.autograd.gradcheck(lambda *a: F.linear(*a), args)


def test_linear_matches_torch_and_grads_are_row_major(device):
    torch = pytest.importorskip("torch")
    xn = RNG.standard_normal((6, 5)).astype(np.float32)
    wn = RNG.standard_normal((4, 5)).astype(np.float32)
    bn = RNG.standard_normal(4).astype(np.float32)
    gn = RNG.standard_normal((6, 4)).astype(np.float32)
    x, w, b = (pt.asarray(a, device=device).requires_grad_() for a in (xn, wn, bn))
    out = F.linear(x, w, b)
    out.backward(pt.asarray(gn, device=device))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xn, wn, bn))
    tout = torch.nn.functional.linear(tx, tw, tb)
    tout.backward(torch.tensor(gn))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    for ours, ref in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert out.grad_fn.name == "LinearBackward"
    assert w.grad.is_contiguous() and w.grad.shape == (4, 5)


def test_linear_second_derivative(device):
    f64 = _f64(device)
    x = pt.asarray(RNG.standard_normal((3, 2)), dtype=f64, device=device).requires_grad_()
    w = pt.asarray(RNG.standard_normal((2, 2)), dtype=f64, device=device).requires_grad_()
    (gx,) = pt.autograd.grad((F.linear(x, w) ** 2).sum(), [x], create_graph=True)
    gx.sum().backward()
    # d/dw of sum_ij 2 (x w^T)_ik w_kj  =  2 * (ones(3,2) w^T x ... ): compare with finite differences in NumPy.
    xn, wn = x.numpy(), w.numpy()

    def f(wv):
        return (2 * (xn @ wv.T) @ wv).sum()

    num = np.zeros_like(wn)
    for i in np.ndindex(wn.shape):
        d = np.zeros_like(wn)
        d[i] = 1e-6
        num[i] = (f(wn + d) - f(wn - d)) / 2e-6
    np.testing.assert_allclose(w.grad.numpy(), num, rtol=1e-6, atol=1e-6)


def test_matmul_with_transposed_weight_grad_lands_row_major(device):
    x = pt.asarray(RNG.standard_normal((5, 3)).astype(np.float32), device=device)
    w = pt.asarray(RNG.standard_normal((4, 3)).astype(np.float32), device=device).requires_grad_()
    (x @ w.T).sum().backward()
    assert w.grad.is_contiguous()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((5, 4), np.float32).T @ x.numpy(), rtol=1e-5)


def test_linear_bad_shapes(device):
    x = pt.ones((2, 3), device=device)
    with pytest.raises(ValueError, match="does not match weight"):
        F.linear(x, pt.ones((4, 5), device=device))
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(x, pt.ones((4, 3), device=device), pt.ones(5, device=device))
