"""Third batch of PyTorch spellings a ported script types: type()/detach_/in-place views, index_add/index_copy/
masked_scatter/fill_diagonal_/scatter_reduce, distance and statistics functions, creation helpers, NAdam/RAdam/
Adamax/Adadelta and ChainedScheduler; forward and gradient parity with PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import pair, rand

import portatensor as pt

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(3)


def _t(a, device, **kw):
    return pt.asarray(np.asarray(a), device=device, **kw)


def _close(a, b, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a.numpy() if hasattr(a, "numpy") and not isinstance(a, np.ndarray)
                                          else a), b.detach().numpy() if hasattr(b, "detach") else b,
                               rtol=rtol, atol=atol)


# -- 1. Tensor methods -----------------------------------------------------------------------------------------------

def test_type_strings_and_casts(device):
    x = _t(np.ones(3, np.float32), device)
    prefix = "torch.cuda." if device.type == "gpu" else "torch."
    assert x.type() == prefix + "FloatTensor"
    assert x.long().type().endswith("LongTensor") and x.bool().type().endswith("BoolTensor")
    assert x.type(pt.float64).dtype == pt.float64 and x.type("torch.DoubleTensor").dtype == pt.float64
    assert x.type(pt.float32) is x and x.type("torch.cuda.IntTensor").dtype == pt.int32
    with pytest.raises(TypeError, match="unknown tensor type"):
        x.type("torch.WeirdTensor")


def test_detach_and_inplace_views(device):
    a = rand(3, 4)
    x = _t(a, device).requires_grad_()
    y = x * 2
    y.unsqueeze_(0)
    assert y.shape == (1, 3, 4)
    y.transpose_(1, 2)
    assert y.shape == (1, 4, 3)
    y.squeeze_(0)
    y.t_()
    assert y.shape == (3, 4)
    (y * _t(a, device)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a, rtol=1e-6)
    z = x * 3
    z.detach_()
    assert not z.requires_grad and z.grad_fn is None
    with pytest.raises(RuntimeError, match="leaf"):
        x.unsqueeze_(0)
    w = _t(a, device)
    w.squeeze_().unsqueeze_(-1)
    assert w.shape == (3, 4, 1)
    np.testing.assert_array_equal(w.numpy()[..., 0], a)


def test_pow_and_scatter_add_inplace(device):
    a = np.abs(rand(2, 3)) + 0.5
    pair(lambda x: (x * 1).pow_(3), lambda x: (x * 1).pow_(3), [a], device)
    pair(lambda x: (x * 1).pow_(0.5), lambda x: (x * 1).pow_(0.5), [a], device)
    idx = np.array([[0, 1, 0], [1, 0, 1]])
    src = rand(2, 3)
    pair(lambda x, s, i: (x * 1).scatter_add_(0, i, s), lambda x, s, i: (x * 1).scatter_add_(0, i, s),
         [a, src, idx], device)


def test_index_add_and_index_copy(device):
    a, src = rand(4, 3), rand(4, 2)
    idx = np.array([2, 0])
    rep = np.array([1, 1, 3, 1])
    pair(lambda x, s, i: x.index_add(1, i, s[:, :2], alpha=2.0), lambda x, s, i: x.index_add(1, i, s[:, :2], alpha=2.0),
         [a, src, idx], device)
    pair(lambda x, s, i: (x * 1).index_add_(0, i, s.repeat(1, 2)[:, :3]),
         lambda x, s, i: (x * 1).index_add_(0, i, s.repeat(1, 2)[:, :3]), [a, src, rep], device)
    pair(lambda x, s, i: x.index_copy(1, i, s), lambda x, s, i: x.index_copy(1, i, s), [a, src, idx], device)
    pair(lambda x, s, i: (x * 1).index_copy_(0, i, s.t()), lambda x, s, i: (x * 1).index_copy_(0, i, s.t()),
         [a, src[:3], idx], device)
    with pytest.raises(ValueError, match="must have shape"):
        _t(a, device).index_add(0, _t(idx, device), _t(src, device))


def test_masked_scatter_and_fill_diagonal(device):
    a, src = rand(3, 4), rand(20)
    mask = RNG.random((3, 4)) > 0.5
    row = RNG.random((1, 4)) > 0.4
    for m in (mask, row):
        pair(lambda x, s, mk: x.masked_scatter(mk, s), lambda x, s, mk: x.masked_scatter(mk, s), [a, src, m], device)
    pair(lambda x, s, mk: (x * 1).masked_scatter_(mk, s), lambda x, s, mk: (x * 1).masked_scatter_(mk, s),
         [a, src, mask], device)
    with pytest.raises(ValueError, match="selects"):
        _t(a, device).masked_scatter(_t(np.ones((3, 4), bool), device), _t(src[:5], device))
    for shape, wrap in (((3, 4), False), ((7, 3), False), ((7, 3), True), ((3, 3, 3), False)):
        b = rand(*shape)
        pair(lambda x, w=wrap: (x * 1).fill_diagonal_(5.0, w), lambda x, w=wrap: (x * 1).fill_diagonal_(5.0, w), [b],
             device)
    with pytest.raises(ValueError, match="fill_diagonal_"):
        _t(rand(2, 3, 4), device).fill_diagonal_(1.0)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(device, reduce, include_self):
    a = rand(4, 5)
    src = rand(3, 5)
    src[0, 1] = a[2, 1]                 # ties for amax/amin
    src[1, 2] = 0.0                     # a zero for prod
    src[2, 3] = 0.0
    idx = np.array([[2, 2, 0, 1, 1], [0, 2, 1, 1, 3], [2, 0, 1, 1, 3]])

    def f(x, s, i):
        return x.scatter_reduce(0, i, s, reduce, include_self=include_self)

    pair(f, f, [a, src, idx], device)
    def g(x, s, i):
        return x.scatter_reduce(1, i.t()[:4] % 5, s.t()[:4], reduce, include_self=include_self)

    pair(g, g, [a, src, idx], device)


def test_scatter_reduce_int_and_errors(device):
    x = np.arange(6).reshape(2, 3)
    i = np.array([[0, 0, 2], [1, 0, 2]])
    s = np.array([[5, 7, 1], [2, 3, 4]])
    for r in ("sum", "amax", "amin", "prod"):
        got = _t(x, device).scatter_reduce(1, _t(i, device), _t(s, device), r)
        want = torch.tensor(x).scatter_reduce(1, torch.tensor(i), torch.tensor(s), r)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(ValueError, match="reduce must be"):
        _t(x, device).scatter_reduce(1, _t(i, device), _t(s, device), "max")
