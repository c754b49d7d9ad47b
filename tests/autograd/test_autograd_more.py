"""Autograd of var, std, logsumexp, prod (with zeros) and indexing: finite differences and PyTorch parity."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64, tensor_of

import portatensor as pt

RNG = np.random.default_rng(7)


_t = tensor_of
_f64 = need_fp64


def _parity(torch, device, fn, arrays, rtol=1e-5, atol=1e-6):
    """fn(lib, *tensors) -> scalar loss, run on both libraries; compares the loss and every gradient."""
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    ps = [_t(a, device, grad=a.dtype.kind == "f") for a in arrays]
    tl, pl = fn(torch, *ts), fn(pt, *ps)
    tl.backward()
    pl.backward()
    np.testing.assert_allclose(pl.item(), tl.item(), rtol=rtol, atol=atol)
    for p_, t_ in zip(ps, ts, strict=False):
        if t_.requires_grad:
            np.testing.assert_allclose(p_.grad.numpy(), t_.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


# -- var, std, logsumexp, prod ---------------------------------------------------------
def test_gradcheck_var_std(device):
    dt = _f64(device)
    x = _t(RNG.standard_normal((3, 4, 2)), device, dtype=dt)
    pt.autograd.gradcheck(lambda a: pt.var(a, axis=1, correction=1), [x])
    pt.autograd.gradcheck(lambda a: pt.std(a, axis=(0, 2), keepdims=True), [x])
    pt.autograd.gradcheck(lambda a: a.var(), [x])
    pt.autograd.gradcheck(lambda a: a.std(dim=-1, unbiased=False, keepdim=True), [x])
    pt.autograd.gradcheck(lambda a: a.var(0, correction=2), [x])


def test_var_std_namespace_defaults(device):
    a = RNG.standard_normal((5, 3)).astype(np.float32)
    x = _t(a, device)
    np.testing.assert_allclose(pt.var(x, axis=0).numpy(), a.var(0), rtol=1e-5)  # the standard: correction 0
    np.testing.assert_allclose(x.var(0).numpy(), a.var(0, ddof=1), rtol=1e-5)  # PyTorch's method: unbiased
    np.testing.assert_allclose(x.std(False).numpy(), a.std(), rtol=1e-5)
    np.testing.assert_allclose(pt.std(x, dim=1, unbiased=True).numpy(), a.std(1, ddof=1), rtol=1e-5)
    with pytest.raises(TypeError):
        pt.var(x, correction=1, unbiased=True)


def test_gradcheck_logsumexp_prod(device):
    dt = _f64(device)
    x = _t(RNG.standard_normal((3, 4)), device, dtype=dt)
    pt.autograd.gradcheck(lambda a: a.logsumexp(dim=1), [x])
    pt.autograd.gradcheck(lambda a: a.logsumexp(dim=(0, 1), keepdim=True), [x])
    z = RNG.uniform(0.5, 1.5, (3, 4))
    z[0, 1] = 0.0  # one zero in row 0
    z[1, 0] = z[1, 3] = 0.0  # two zeros in row 1
    pt.autograd.gradcheck(lambda a: a.prod(dim=1), [_t(z, device, dtype=dt)])
    pt.autograd.gradcheck(lambda a: pt.prod(a), [_t(z[2:], device, dtype=dt)])
    pt.autograd.gradcheck(lambda a: pt.prod(a, axis=0, keepdims=True), [_t(z, device, dtype=dt)])


def test_logsumexp_extremes(device):
    x = pt.asarray(np.array([[-np.inf, -np.inf], [1000.0, 1000.0], [0.0, -np.inf]], np.float32), device=device)
    got = x.logsumexp(1).numpy()
    np.testing.assert_allclose(got, [-np.inf, 1000.0 + np.log(2.0), 0.0], rtol=1e-6)


def test_stats_parity_with_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    a[1, 2] = 0.0
    _parity(torch, device, lambda lib, x: (x.var(dim=1) * x.std(0, keepdim=True).sum()).sum(), [a])
    _parity(torch, device, lambda lib, x: x.var(dim=0, correction=0).sum() + x.std(unbiased=False), [a])
    _parity(torch, device, lambda lib, x: (x.logsumexp(1) ** 2).sum(), [a])
    _parity(torch, device, lambda lib, x: x.prod(dim=1).sum() + x[2:].prod(), [a])


# -- indexing ------------------------------------------------------------------------------
def test_gradcheck_advanced_indexing(device):
    dt = _f64(device)
    x = _t(RNG.standard_normal((4, 3, 2)), device, dtype=dt)
    idx = pt.asarray([0, 2, 2, 3, 0], device=device)
    pt.autograd.gradcheck(lambda a: a[idx], [x])  # repeated rows: gradients accumulate
    pt.autograd.gradcheck(lambda a: a[[1, 1, 3]], [x])
    pt.autograd.gradcheck(lambda a: a[1:, [0, 2, 2]], [x])  # basic + advanced
    pt.autograd.gradcheck(lambda a: a[[0, 1], :, [1, 1]], [x])  # separated advanced indices
    pt.autograd.gradcheck(lambda a: a[..., pt.asarray([1, 1], device=device)] * 2.0, [x])
    mask = pt.asarray(RNG.standard_normal((4, 3)) > 0, device=device)
    pt.autograd.gradcheck(lambda a: a[mask], [x])  # boolean mask
    pt.autograd.gradcheck(lambda a: a[:, pt.asarray([True, False, True], device=device)], [x])


def test_index_grad_double_backward(device):
    x = _t(np.arange(4.0, dtype=np.float32), device)
    idx = pt.asarray([1, 1, 3], device=device)
    y = (x[idx] ** 3).sum()
    (g,) = pt.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [0, 6, 0, 27])
    (g2,) = pt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), [0, 12, 0, 18])


def test_gradcheck_gather_scatter_add_index_select(device):
    dt = _f64(device)
    x = _t(RNG.standard_normal((3, 4)), device, dtype=dt)
    index = pt.asarray(np.array([[0, 0, 3], [1, 2, 2]]), device=device)
    pt.autograd.gradcheck(lambda a: a.gather(1, index), [x])
    pt.autograd.gradcheck(lambda a: pt.gather(a, 0, pt.asarray([[2, 0, 1, 2]], device=device)), [x])
    src = _t(RNG.standard_normal((2, 4)), device, dtype=dt)
    pt.autograd.gradcheck(lambda a, s: a.scatter_add(1, index, s), [x, src])
    pt.autograd.gradcheck(lambda a: a.index_select(0, pt.asarray([2, 2, 0], device=device)), [x])
    pt.autograd.gradcheck(lambda a: pt.index_select(a, 1, pt.asarray([3, 1, 3], device=device)), [x])


def test_indexing_parity_with_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((5, 4)).astype(np.float32)
    w = RNG.standard_normal((5, 4)).astype(np.float32)
    idx = np.array([4, 0, 4, 4, 1])
    col = np.array([[0, 3], [1, 1], [2, 0], [3, 3], [0, 0]])

    def f(lib, x, w):
        i = lib.tensor(idx) if lib is torch else pt.asarray(idx, device=device)
        c = lib.tensor(col) if lib is torch else pt.asarray(col, device=device)
        m = x > 0.2
        y = (x[i] * w[i]).sum() + x[m].sum() * 2.0 + x[1:, [0, 3, 3]].sum()
        y = y + (x.gather(1, c) ** 2).sum() + x.index_select(1, c[:, 0]).sum()
        y = y + (x.scatter_add(0, c, w[:, :2]) ** 2).sum()
        return y + x.masked_fill(m, 0.5).sum() + lib.where(m, x * 3.0, w).sum()

    _parity(torch, device, f, [a, w], rtol=1e-5, atol=1e-5)


def test_setitem_is_differentiable(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((4, 3)).astype(np.float32)
    v = RNG.standard_normal((3,)).astype(np.float32)

    def f(lib, x, v):
        y = x * 2.0
        y[1] = v * 3.0  # basic index
        i = lib.tensor([0, 2]) if lib is torch else pt.asarray([0, 2], device=device)
        y[i, 1:] = 0.0  # advanced index
        y[y > 3.0] = 1.0  # boolean mask
        return (y * y).sum()

    _parity(torch, device, f, [a, v])


def test_setitem_errors(device):
    x = _t(np.ones((2, 3), np.float32), device)
    with pytest.raises(RuntimeError, match="leaf"):
        x[0] = 1.0
    with pt.no_grad():
        x[0] = 5.0
    assert x.numpy()[0, 0] == 5.0
    y = x * 1.0
    z = (y * y).sum()
    y[pt.asarray([1], device=device)] = 0.0  # y was saved by multiply
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        z.backward()


def test_masked_fill_inplace_and_errors(device):
    x = _t(np.arange(6.0, dtype=np.float32).reshape(2, 3), device)
    y = x * 1.0
    y.masked_fill_(x > 2.5, 0.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 1, 1], [0, 0, 0]])
    with pytest.raises(TypeError):
        x.masked_fill(pt.asarray([1, 0, 1], device=device), 0.0)
    with pytest.raises(ValueError):
        x.gather(1, pt.asarray([0, 1], device=device))
    with pytest.raises(TypeError):
        x.index_select(0, pt.asarray([0.0], device=device))


def test_backward_inputs_and_nonscalar(device):
    x = _t(np.array([1.0, 2.0], np.float32), device)
    w = _t(np.array([3.0, 4.0], np.float32), device)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1, 2])
    with pytest.raises(RuntimeError, match="scalar"):
        (x * w).backward()


# -- trigonometric, hyperbolic and two-operand functions -------------------------------------------------
_UNIT = RNG.uniform(-0.9, 0.9, (2, 3))  # inside asin/acos/atanh's domain
_ABOVE_ONE = RNG.uniform(1.1, 3.0, (2, 3))  # acosh's
_ANY = RNG.standard_normal((2, 3))
_ELEMENTWISE_GRAD = {
    "tan": (lambda m, x: m.tan(x), _UNIT),
    "sinh": (lambda m, x: m.sinh(x), _ANY),
    "cosh": (lambda m, x: m.cosh(x), _ANY),
    "asin": (lambda m, x: m.asin(x), _UNIT),
    "acos": (lambda m, x: m.acos(x), _UNIT),
    "atan": (lambda m, x: m.atan(x), _ANY),
    "asinh": (lambda m, x: m.asinh(x), _ANY),
    "acosh": (lambda m, x: m.acosh(x), _ABOVE_ONE),
    "atanh": (lambda m, x: m.atanh(x), _UNIT),
    "atan2": (lambda m, x: m.atan2(x, x[:1] * 2.0 - 0.3), _ANY),
    "hypot": (lambda m, x: m.hypot(x, x[:1] * 2.0), _ANY),
    "copysign": (lambda m, x: m.copysign(x, -x[:1] + 0.1), _ANY),
    "remainder": (lambda m, x: m.remainder(x * 5.0, x[:1] + 2.5), _UNIT),
}


@pytest.mark.parametrize("name", sorted(_ELEMENTWISE_GRAD))
def test_elementwise_function_gradients(device, name):
    """Backward rules of the standard's trigonometric, hyperbolic and two-operand functions: finite
    differences in float64, and torch's gradients (each operand broadcast, so the rules reduce too)."""
    torch = pytest.importorskip("torch")
    _f64(device)
    fn, a = _ELEMENTWISE_GRAD[name]
    pt.autograd.gradcheck(lambda x: fn(pt, x), [_t(a, device, grad=True)], eps=1e-6, atol=1e-5)
    _parity(torch, device, lambda m, x: (fn(m, x) ** 2).sum(), [a], rtol=1e-9, atol=1e-12)


def test_floor_divide_and_hypot_at_zero_gradients(device):
    """floor_divide is piecewise constant: 0 (torch has no rule); hypot at (0, 0) gives 0, not torch's NaN."""
    x = _t(np.array([0.0, 3.0, -4.0], np.float32), device, grad=True)
    y = _t(np.array([0.0, 4.0, 2.0], np.float32), device, grad=True)
    pt.sum(pt.floor_divide(x, y + 1.0) + pt.hypot(x, y)).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.6, -4.0 / np.hypot(4.0, 2.0)], rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 0.8, 2.0 / np.hypot(4.0, 2.0)], rtol=1e-6)
