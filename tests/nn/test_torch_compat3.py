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
    if device.info.fp64:
        assert x.type(pt.float64).dtype == pt.float64 and x.type("torch.DoubleTensor").dtype == pt.float64
    else:
        with pytest.raises(TypeError, match="float64 needs cl_khr_fp64"):
            x.type("torch.DoubleTensor")
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


# -- 2. functions ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
def test_cdist_compute_modes(device, mode):
    """cdist's three compute modes against torch, small (direct below 26 rows by default) and large (matmul)."""
    for a, b in ((rand(5, 4), rand(6, 4)), (rand(30, 3), rand(27, 3))):
        pair(lambda x, y: pt.cdist(x, y, compute_mode=mode), lambda x, y: torch.cdist(x, y, compute_mode=mode),
             [a, b], device, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="compute_mode"):
        pt.cdist(_t(rand(2, 3), device), _t(rand(2, 3), device), compute_mode="fast")


def test_distances(device):
    a, b = rand(5, 4), rand(6, 4)
    pair(lambda x, y: pt.cosine_similarity(x, y[:5], dim=1), lambda x, y: torch.cosine_similarity(x, y[:5], dim=1),
         [a, b], device)
    pair(lambda x, y: pt.pairwise_distance(x, y[:5]), lambda x, y: torch.pairwise_distance(x, y[:5]), [a, b], device)
    for p in (2.0, 1.0, 3.0, float("inf")):
        pair(lambda x, y, p=p: pt.cdist(x, y, p), lambda x, y, p=p: torch.cdist(x, y, p), [a, b], device,
             rtol=1e-4, atol=1e-4)
    pair(lambda x, y: pt.cdist(x.reshape(1, 5, 4), y.reshape(2, 3, 4)),
         lambda x, y: torch.cdist(x.reshape(1, 5, 4), y.reshape(2, 3, 4)), [a, b], device, rtol=1e-4, atol=1e-4)
    x = _t(a, device).requires_grad_()
    d = pt.cdist(x, x)
    d.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.allclose(np.diag(d.detach().numpy()), 0, atol=1e-3)
    cs, pd = pt.nn.CosineSimilarity(dim=1), pt.nn.PairwiseDistance()
    _close(cs(_t(a, device), _t(b[:5], device)), torch.nn.CosineSimilarity(dim=1)(torch.tensor(a), torch.tensor(b[:5])))
    _close(pd(_t(a, device), _t(b[:5], device)), torch.nn.PairwiseDistance()(torch.tensor(a), torch.tensor(b[:5])))


def test_median_kthvalue_mode(device):
    a = rand(4, 7)
    pair(lambda x: pt.median(x), lambda x: torch.median(x), [a], device)
    pair(lambda x: x.median(1)[0], lambda x: x.median(1)[0], [a], device)
    v, i = pt.median(_t(a, device), dim=0, keepdim=True)
    tv, ti = torch.median(torch.tensor(a), dim=0, keepdim=True)
    _close(v, tv)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    pair(lambda x: pt.kthvalue(x, 3, 1)[0], lambda x: torch.kthvalue(x, 3, 1)[0], [a], device)
    v, i = pt.kthvalue(_t(a, device), 2, 0)
    np.testing.assert_array_equal(i.numpy(), torch.kthvalue(torch.tensor(a), 2, 0)[1].numpy())
    ints = np.array([[1, 3, 3, 2, 1, 3], [5, 4, 4, 5, 0, 9]])
    v, i = pt.mode(_t(ints, device), 1)
    tv, ti = torch.mode(torch.tensor(ints), 1)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(np.take_along_axis(ints, i.numpy()[:, None], 1)[:, 0], tv.numpy())
    f = np.array([[1.0, 2.0, 2.0, 0.5]], np.float32)
    pair(lambda x: x.mode(-1)[0], lambda x: x.mode(-1)[0], [f], device)
    with pytest.raises(ValueError, match="kthvalue"):
        pt.kthvalue(_t(a, device), 8, 1)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_quantile(device, interpolation):
    a = rand(3, 8)
    for q in (0.3, [0.0, 0.25, 0.5, 1.0]):
        for dim, keep in ((None, False), (1, False), (0, True), (None, True)):
            def f(x, mod, q=q, dim=dim, keep=keep):
                qq = q if isinstance(q, float) else (_t(np.float32(q), device) if mod is pt else torch.tensor(q))
                return mod.quantile(x, qq, dim, keep, interpolation=interpolation)

            pair(lambda x, f=f: f(x, pt), lambda x, f=f: f(x, torch), [a], device)
    b = a.copy()
    b[0, 2] = b[1, :] = np.nan
    got = pt.nanquantile(_t(b, device), 0.4, 1, interpolation=interpolation)
    _close(got, torch.nanquantile(torch.tensor(b), 0.4, 1, interpolation=interpolation))
    _close(pt.quantile(_t(b, device), 0.4, 1), torch.quantile(torch.tensor(b), 0.4, 1))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pt.quantile(_t(a, device), 1.5)


def test_nan_reductions_bincount_bucketize(device):
    a = rand(3, 4)
    a[0, 1] = a[2, 3] = np.nan
    pair(lambda x: pt.nansum(x, 1), lambda x: torch.nansum(x, 1), [a], device)
    pair(lambda x: pt.nanmean(x), lambda x: torch.nanmean(x), [a], device)
    pair(lambda x: x.nanmean(0, True), lambda x: x.nanmean(0, True), [a], device)
    ints = np.array([0, 3, 3, 1, 7, 3])
    w = rand(6)
    np.testing.assert_array_equal(pt.bincount(_t(ints, device)).numpy(), torch.bincount(torch.tensor(ints)).numpy())
    np.testing.assert_array_equal(pt.bincount(_t(ints, device), minlength=10).numpy(),
                                  torch.bincount(torch.tensor(ints), minlength=10).numpy())
    _close(pt.bincount(_t(ints, device), _t(w, device)), torch.bincount(torch.tensor(ints), torch.tensor(w)))
    bounds = np.array([0.0, 0.5, 1.0, 2.0], np.float32)
    x = np.array([[-1.0, 0.5, 0.7], [1.0, 2.0, 3.0]], np.float32)
    for right in (False, True):
        got = pt.bucketize(_t(x, device), _t(bounds, device), right=right)
        want = torch.bucketize(torch.tensor(x), torch.tensor(bounds), right=right)
        assert got.dtype == pt.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert pt.bucketize(_t(x, device), _t(bounds, device), out_int32=True).dtype == pt.int32
    with pytest.raises(ValueError, match="non-negative"):
        pt.bincount(_t(np.array([1, -1]), device))


def test_tensor_split_logspace_moments(device):
    a = rand(7, 4)
    for spec in (3, [1, 5], [2, -2, 9], 7):
        got = pt.tensor_split(_t(a, device), spec)
        want = torch.tensor_split(torch.tensor(a), spec)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _close(g, w)
    assert [p.shape for p in _t(a, device).tensor_split(3, 1)] == [(7, 2), (7, 1), (7, 1)]
    _close(pt.logspace(-2, 2, 9, device=device), torch.logspace(-2, 2, 9), rtol=1e-6)
    _close(pt.logspace(0, 3, 4, base=2.0, device=device), torch.logspace(0, 3, 4, base=2.0))
    pair(lambda x: pt.var_mean(x, 1)[0] + pt.var_mean(x, 1)[1], lambda x: torch.var_mean(x, 1)[0] + torch.var_mean(
        x, 1)[1], [a], device)
    pair(lambda x: pt.std_mean(x, 0, correction=0, keepdim=True)[0],
         lambda x: torch.std_mean(x, 0, correction=0, keepdim=True)[0], [a], device)
    v, m = pt.var_mean(_t(a, device))
    tv, tm = torch.var_mean(torch.tensor(a))
    _close(v, tv)
    _close(m, tm)
    _close(pt.var_mean(_t(a, device), False)[0], torch.var_mean(torch.tensor(a), False)[0])


def test_rot90_kron_cross_products(device):
    a = rand(2, 3, 4)
    for k in (0, 1, 2, 3, -1, 5):
        pair(lambda x, k=k: pt.rot90(x, k, (1, 2)), lambda x, k=k: torch.rot90(x, k, (1, 2)), [a], device)
    pair(lambda x: x.rot90(), lambda x: x.rot90(), [a], device)
    b, c = rand(2, 3), rand(3, 2, 2)
    pair(lambda x, y: pt.kron(x, y), lambda x, y: torch.kron(x, y), [b, c], device)
    pair(lambda x, y: pt.kron(x[0], y[0]), lambda x, y: torch.kron(x[0], y[0]), [b, c], device)
    u, v = rand(4, 3), rand(4, 3)
    pair(lambda x, y: pt.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1), [u, v], device)
    pair(lambda x, y: x.t().cross(y.t(), 0), lambda x, y: x.t().cross(y.t(), 0), [u, v], device)
    pair(lambda x, y: pt.cross(x[:3], y[:3, :1]), lambda x, y: torch.cross(x[:3], y[:3, :1]), [u, v], device)
    p, q = rand(3), rand(2)
    pair(lambda x, y: pt.cartesian_prod(x, y), lambda x, y: torch.cartesian_prod(x, y), [p, q], device)
    pair(lambda x, y, z: pt.block_diag(x, y, z[0, 0]),
         lambda x, y, z: torch.block_diag(x, y, z[0, 0]), [b, p, c], device)
    for off, d1, d2 in ((0, -2, -1), (1, -2, -1), (-2, 0, 2), (0, 1, 0)):
        pair(lambda x, o=off, i=d1, j=d2: pt.diag_embed(x, o, i, j),
             lambda x, o=off, i=d1, j=d2: torch.diag_embed(x, o, i, j), [b], device)
    with pytest.raises(ValueError, match="expected 3"):
        pt.cross(_t(b, device), _t(b, device), dim=0)


def test_normal(device):
    pt.manual_seed(0)
    m = _t(np.full((2000,), 3.0, np.float32), device).requires_grad_()
    s = _t(np.full((2000,), 0.5, np.float32), device).requires_grad_()
    x = pt.normal(m, s)
    assert x.shape == (2000,) and abs(float(x.mean().item()) - 3.0) < 0.1 and abs(float(x.std().item()) - 0.5) < 0.05
    x.sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), 1.0)
    y = pt.normal(1.0, 2.0, (3, 4), device=device)
    assert y.shape == (3, 4) and y.dtype == pt.float32
    assert pt.normal(m, 1.0).shape == (2000,)
    with pytest.raises(TypeError, match="size"):
        pt.normal(0.0, 1.0)


# -- 3. optimizers and ChainedScheduler ------------------------------------------------------------------------------

_OPTIMS = [
    ("Adamax", {}), ("Adamax", {"weight_decay": 0.1, "betas": (0.8, 0.9), "maximize": True}),
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.05}),
    ("NAdam", {}), ("NAdam", {"weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}), ("RAdam", {"weight_decay": 0.1, "betas": (0.9, 0.9)}),
    ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.9, 0.9)}),
]


@pytest.mark.parametrize(("name", "kw"), _OPTIMS)
def test_optimizer_parity_20_steps(device, name, kw):
    w0, b0 = rand(5, 3), rand(5)
    xs = [rand(8, 3) for _ in range(20)]
    pw, pb = _t(w0, device).requires_grad_(), _t(b0, device).requires_grad_()
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    popt = getattr(pt.optim, name)([pw, pb], **kw)
    topt = getattr(torch.optim, name)([tw, tb], **kw)
    for x in xs:
        popt.zero_grad()
        topt.zero_grad()
        ((_t(x, device) @ pw.t() + pb).tanh() ** 2).sum().backward()
        ((torch.tensor(x) @ tw.t() + tb).tanh() ** 2).sum().backward()
        popt.step()
        topt.step()
    np.testing.assert_allclose(pw.detach().numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pb.detach().numpy(), tb.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert popt.state_dict()["state"][0]["step"] == 20


def test_optimizer_bad_hyperparameters():
    p = [pt.zeros(2).requires_grad_()]
    with pytest.raises(ValueError, match="lr=-1"):
        pt.optim.NAdam(p, lr=-1)
    with pytest.raises(ValueError, match="betas"):
        pt.optim.Adamax(p, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="rho"):
        pt.optim.Adadelta(p, rho=2.0)


def _chain(mod, opt, with_lambda):
    ls = mod.optim.lr_scheduler
    out = [ls.ConstantLR(opt, factor=0.5, total_iters=3), ls.ExponentialLR(opt, gamma=0.9)]
    if with_lambda:
        out.append(ls.LambdaLR(opt, lambda e: 1.0 / (e + 1)))
    return out + [ls.StepLR(opt, 4, 0.5), ls.MultiStepLR(opt, [2, 5, 5], 0.7), ls.LinearLR(opt, 0.2, 1.0, 4),
                  ls.MultiplicativeLR(opt, lambda e: 0.99)]


@pytest.mark.parametrize("with_lambda", [False, True])
def test_chained_scheduler(with_lambda):
    p, tp = pt.zeros(2).requires_grad_(), torch.zeros(2, requires_grad=True)
    opt = pt.optim.SGD([p], lr=0.1)
    topt = torch.optim.SGD([tp], lr=0.1)
    ours, theirs = _chain(pt, opt, with_lambda), _chain(torch, topt, with_lambda)
    ch = pt.optim.lr_scheduler.ChainedScheduler(ours)
    tch = torch.optim.lr_scheduler.ChainedScheduler(theirs)
    got, want = [ch.get_last_lr()[0]], [tch.get_last_lr()[0]]
    for _ in range(12):
        opt.step()
        topt.step()
        ch.step()
        tch.step()
        got.append(ch.get_last_lr()[0])
        want.append(tch.get_last_lr()[0])
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert opt.param_groups[0]["lr"] == got[-1]
    sd = ch.state_dict()
    ch.load_state_dict(sd)
    with pytest.raises(TypeError, match="CosineAnnealingLR"):
        pt.optim.lr_scheduler.ChainedScheduler([pt.optim.lr_scheduler.CosineAnnealingLR(opt, 10)])
