"""More PyTorch spellings a ported script types: data splits and subsets, einsum, inference_mode, backends,
Size, default dtype, diag/trace/unfold, random draws, erf family; against PyTorch CPU / NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64

import portatensor as pt
from portatensor import data

RNG = np.random.default_rng(11)


def _t(a, device, requires_grad=False, **kw):
    a = np.asarray(a)
    if a.dtype in (np.float64, np.complex128) and "dtype" not in kw:
        need_fp64(device)  # float64 references at float64 tolerances: skipped where the device has no fp64
    t = pt.asarray(a, device=device, **kw)
    return t.requires_grad_() if requires_grad else t


# -- data ------------------------------------------------------------------------------------------------------------

def test_random_split_lengths_and_fractions(device):
    ds = data.TensorDataset(_t(np.arange(10, dtype=np.float32), device))
    pt.manual_seed(0)
    a, b = data.random_split(ds, [7, 3])
    assert (len(a), len(b)) == (7, 3)
    seen = sorted(int(a[i][0].item()) for i in range(7)) + sorted(int(b[i][0].item()) for i in range(3))
    assert sorted(seen) == list(range(10))
    pt.manual_seed(0)
    a2, _ = data.random_split(ds, [7, 3])
    assert list(a2.indices) == list(a.indices)
    parts = data.random_split(ds, [0.5, 0.3, 0.2], generator=pt.Generator(device=device).manual_seed(5))
    assert [len(p) for p in parts] == [5, 3, 2]
    again = data.random_split(ds, [0.5, 0.3, 0.2], generator=pt.Generator().manual_seed(5))
    assert [list(p.indices) for p in again] == [list(p.indices) for p in parts]
    parts = data.random_split(data.TensorDataset(_t(np.arange(11), device)), [0.34, 0.33, 0.33])
    assert [len(p) for p in parts] == [4, 4, 3]  # 3 + 3 + 3 by floor, the two left over to the first splits
    with pytest.raises(ValueError, match="add up"):
        data.random_split(ds, [4, 4])


def test_subset_and_concat(device):
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    ds = data.TensorDataset(_t(x, device), _t(np.arange(12), device))
    sub = data.Subset(ds, [3, 1, 8])
    assert len(sub) == 3 and sub[1][1].item() == 1
    np.testing.assert_array_equal(sub[-1][0].numpy(), x[8])
    cat = data.ConcatDataset([sub, ds])
    assert len(cat) == 15 and cat.cumulative_sizes == [3, 15]
    assert cat[2][1].item() == 8 and cat[3][1].item() == 0 and cat[-1][1].item() == 11
    with pytest.raises(IndexError, match="out of range"):
        cat[15]
    xs, ys = next(iter(data.DataLoader(cat, batch_size=15)))
    assert xs.shape == (15, 2) and ys.numpy().tolist() == [3, 1, 8] + list(range(12))


@pytest.mark.parametrize("shuffle", [False, True])
def test_dataloader_over_nested_subsets_gathers_rows(device, shuffle, monkeypatch):
    x = RNG.standard_normal((20, 3)).astype(np.float32)
    y = np.arange(20)
    ds = data.TensorDataset(_t(x, device), _t(y, device))
    inner = data.Subset(ds, list(range(19, -1, -1)))      # reversed
    outer = data.Subset(inner, np.array([0, 2, 4, 6, 8, 10, 12]))  # rows 19, 17, ..., 7
    calls = []
    monkeypatch.setattr(data.Dataset, "__getitem__", lambda *a: calls.append(a))
    dl = data.DataLoader(outer, batch_size=3, shuffle=shuffle, seed=1)
    got = [(xb.numpy(), yb.numpy()) for xb, yb in dl]
    assert not calls and [len(b[1]) for b in got] == [3, 3, 1]
    rows = np.concatenate([b[1] for b in got])
    assert sorted(rows.tolist()) == [7, 9, 11, 13, 15, 17, 19]
    if not shuffle:
        assert rows.tolist() == [19, 17, 15, 13, 11, 9, 7]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in got]), x[rows])


def test_random_split_validation_loader(device):
    ds = data.TensorDataset(_t(RNG.standard_normal((50, 4)).astype(np.float32), device), _t(np.arange(50), device))
    train, val = data.random_split(ds, [0.8, 0.2])
    n = sum(len(yb) for _, yb in data.DataLoader(train, batch_size=16, shuffle=True, drop_last=True))
    assert n == 32
    ids = np.concatenate([yb.numpy() for _, yb in data.DataLoader(val, batch_size=4)])
    assert ids.tolist() == [int(i) for i in val.indices]
    from portatensor.utils.data import random_split  # noqa: F401  (PyTorch's module path)


# -- einsum ----------------------------------------------------------------------------------------------------------

EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("bhqk,bhkd->bqhd", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...d,d->b...", [(2, 3, 4, 5), (5,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,a->bd", [(2, 3, 4), (4, 5), (2,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("ijk,jil->kl", [(3, 4, 2), (4, 3, 5)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_torch(device, eq, shapes):
    torch = pytest.importorskip("torch")
    arrs = [RNG.standard_normal(s) for s in shapes]
    tin = [torch.tensor(a, requires_grad=True) for a in arrs]
    pin = [_t(a, device, requires_grad=True) for a in arrs]
    tout = torch.einsum(eq, *tin)
    pout = pt.einsum(eq, *pin)
    assert pout.shape == tuple(tout.shape)
    np.testing.assert_allclose(pout.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(tout.shape)
    tout.backward(torch.tensor(g))
    pout.backward(_t(g, device))
    for p, t in zip(pin, tin, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_einsum_list_form_and_errors(device):
    a, b = _t(np.ones((2, 3), np.float32), device), _t(np.ones((3, 4), np.float32), device)
    assert pt.einsum("ij,jk->ik", [a, b]).shape == (2, 4)
    with pytest.raises(ValueError, match="size"):
        pt.einsum("ij,jk->ik", a, a)
    with pytest.raises(ValueError, match="operand"):
        pt.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="subscripts"):
        pt.einsum("ijk->i", a)


# -- strided views, diag, trace --------------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_trace_diagonal_match_torch(device, k):
    torch = pytest.importorskip("torch")
    v, m = RNG.standard_normal(4), RNG.standard_normal((4, 5))
    for a, fn in ((v, lambda lib, x: lib.diag(x, k)), (m, lambda lib, x: lib.diag(x, k)),
                  (m, lambda lib, x: x.diag(k)), (m[:, :4], lambda lib, x: x.trace()),
                  (RNG.standard_normal((3, 4, 5)), lambda lib, x: lib.diagonal(x, k, 2, 0)),
                  (RNG.standard_normal((3, 4, 5)), lambda lib, x: x.diagonal(k, -1, 1))):
        t, p = torch.tensor(a, requires_grad=True), _t(a, device, requires_grad=True)
        to, po = fn(torch, t), fn(pt, p)
        np.testing.assert_allclose(po.numpy(), to.detach().numpy())
        g = RNG.standard_normal(tuple(to.shape))
        to.backward(torch.tensor(g))
        po.backward(_t(g, device))
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("dim,size,step", [(0, 3, 2), (1, 2, 1), (-1, 2, 3), (1, 4, 4)])
def test_unfold_matches_torch(device, dim, size, step):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((5, 4, 6))
    t, p = torch.tensor(a, requires_grad=True), _t(a, device, requires_grad=True)
    to, po = t.unfold(dim, size, step), p.unfold(dim, size, step)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy())
    g = RNG.standard_normal(tuple(to.shape))
    to.backward(torch.tensor(g))
    po.backward(_t(g, device))
    np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy())
    with pytest.raises(ValueError, match="unfold"):
        p.unfold(0, 9, 1)


def test_unfold_is_a_view(device):
    x = _t(np.arange(6, dtype=np.float32), device)
    w = x.unfold(0, 2, 2)
    assert w._storage is x._storage and w.shape == (3, 2)
    np.testing.assert_array_equal(x[1:].unfold(0, 3, 1).numpy(), [[1, 2, 3], [2, 3, 4], [3, 4, 5]])


# -- elementwise: erf family, isclose --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erf_family_matches_torch(device, name, dtype):
    torch = pytest.importorskip("torch")
    a = RNG.uniform(-0.99, 0.99, 50) if name == "erfinv" else RNG.uniform(-4, 4, 50)
    a = a.astype(dtype)
    t, p = torch.tensor(a, requires_grad=True), _t(a, device, requires_grad=True)
    to, po = getattr(torch, name)(t), getattr(pt, name)(p)
    tol = dict(rtol=2e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), **tol)
    np.testing.assert_allclose(getattr(p, name)().numpy(), po.numpy())
    to.sum().backward()
    po.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=tol["rtol"] * 10, atol=tol["atol"])


def test_erfinv_edges(device):
    torch = pytest.importorskip("torch")
    a = np.array([-1.0, 1.0, 0.0, 1.5, -0.999999, 0.999999])
    np.testing.assert_allclose(pt.erfinv(_t(a, device)).numpy(), torch.erfinv(torch.tensor(a)).numpy(), rtol=1e-12)
    with pytest.raises(TypeError):
        pt.erf(_t([1, 2], device))


def test_isclose_matches_torch(device):
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, np.inf, np.nan, 1e-9, -np.inf])
    b = np.array([1.0 + 1e-6, 2.1, np.inf, np.nan, 0.0, np.inf])
    for kw in (dict(), dict(rtol=0.1), dict(equal_nan=True), dict(atol=0.0, rtol=0.0)):
        want = torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy()
        np.testing.assert_array_equal(pt.isclose(_t(a, device), _t(b, device), **kw).numpy(), want)
        np.testing.assert_array_equal(_t(a, device).isclose(_t(b, device), **kw).numpy(), want)


# -- random ----------------------------------------------------------------------------------------------------------

def test_multinomial(device):
    w = _t([0.0, 1.0, 3.0, 0.0], device, dtype=pt.float32)
    pt.manual_seed(0)
    s = pt.multinomial(w, 4000, replacement=True).numpy()
    assert s.dtype == np.int64 and set(s.tolist()) <= {1, 2}
    assert abs((s == 2).mean() - 0.75) < 0.04
    rows = _t(np.array([[1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 5.0, 1.0, 1.0]]), device)
    s = rows.multinomial(3)
    assert s.shape == (2, 3)
    for r, allowed in zip(s.numpy(), ({0, 1, 2, 3}, {2, 3, 4}), strict=True):
        assert len(set(r.tolist())) == 3 and set(r.tolist()) <= allowed
    firsts = [int(pt.multinomial(_t([1.0, 9.0], device), 1).item()) for _ in range(200)]
    assert 0.8 < np.mean(firsts) < 0.98
    pt.manual_seed(3)
    a = pt.multinomial(rows, 2).numpy()
    pt.manual_seed(3)
    np.testing.assert_array_equal(pt.multinomial(rows, 2).numpy(), a)
    with pytest.raises(ValueError, match="without replacement"):
        pt.multinomial(w, 5)


def test_bernoulli_randint_like_random_(device):
    pt.manual_seed(1)
    p = pt.full((2000,), 0.25, device=device)
    b = pt.bernoulli(p)
    assert b.dtype == pt.float32 and set(np.unique(b.numpy()).tolist()) <= {0.0, 1.0}
    assert abs(b.numpy().mean() - 0.25) < 0.04
    z = pt.zeros(1000, device=device).bernoulli_(0.75)
    assert abs(z.numpy().mean() - 0.75) < 0.05
    r = pt.randint_like(z, 3, 7)
    assert r.dtype == pt.float32 and set(np.unique(r.numpy()).tolist()) == {3.0, 4.0, 5.0, 6.0}
    assert set(np.unique(pt.randint_like(z, 2).numpy()).tolist()) == {0.0, 1.0}
    i = pt.zeros(500, dtype=pt.int64, device=device)
    assert i.random_(5) is i and set(np.unique(i.numpy()).tolist()) == {0, 1, 2, 3, 4}
    i.random_(-3, -1)
    assert set(np.unique(i.numpy()).tolist()) == {-3, -2}
    u8 = pt.zeros(300, dtype=pt.uint8, device=device).random_()
    assert u8.numpy().max() > 200


def test_index_fill_matches_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 4))
    t, p = torch.tensor(a, requires_grad=True), _t(a, device, requires_grad=True)
    to = t.index_fill(1, torch.tensor([0, 2]), -1.5)
    po = p.index_fill(1, _t([0, 2], device), -1.5)
    np.testing.assert_array_equal(po.numpy(), to.detach().numpy())
    (to * to).sum().backward()
    (po * po).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy())
    q = _t(a, device)
    assert q.index_fill_(0, _t([1], device), 0.0) is q and not q.numpy()[1].any()
    np.testing.assert_array_equal(pt.index_fill(_t(a, device), -1, _t([3], device), 2.0).numpy()[:, 3], 2.0)


# -- modes, namespaces, dtypes ---------------------------------------------------------------------------------------

def test_inference_mode(device):
    x = _t(np.ones(3, np.float32), device, requires_grad=True)
    with pt.inference_mode():
        assert not pt.is_grad_enabled() and not (x * 2).requires_grad
    assert pt.is_grad_enabled()
    with pt.inference_mode(False):
        assert (x * 2).requires_grad

    @pt.inference_mode()
    def f(t):
        return t * 2

    @pt.inference_mode
    def g(t):
        return t * 3

    assert not f(x).requires_grad and not g(x).requires_grad and pt.is_grad_enabled()


def test_backends_namespace():
    pt.backends.cudnn.benchmark = True
    pt.backends.cudnn.deterministic = True
    pt.backends.cuda.matmul.allow_tf32 = True
    assert pt.backends.cudnn.benchmark and pt.backends.cudnn.deterministic
    assert not pt.backends.mps.is_available() and not pt.backends.cudnn.is_available()
    pt.backends.cudnn.benchmark = False


def test_size_and_dtype_properties(device):
    x = pt.zeros(2, 3, device=device)
    s = x.size()
    assert isinstance(s, pt.Size) and s == (2, 3) and s.numel() == 6 and x.size(1) == 3
    assert pt.Size([4, 5])[1] == 5 and repr(pt.Size([4])) == "portatensor.Size([4])"
    assert pt.float32.is_floating_point and not pt.int32.is_floating_point and not pt.complex64.is_floating_point
    assert pt.complex64.is_complex and not pt.float64.is_complex
    assert pt.int8.is_signed and pt.float16.is_signed and not pt.uint8.is_signed and not pt.bool.is_signed


def test_set_default_dtype(device):
    need_fp64(device)
    assert pt.get_default_dtype() is pt.float32
    try:
        pt.set_default_dtype(pt.float64)
        assert pt.get_default_dtype() is pt.float64
        assert pt.zeros(2, device=device).dtype == pt.float64
        assert pt.tensor([1.0, 2.0]).dtype == pt.float64 and pt.tensor([1, 2]).dtype == pt.int64
        assert pt.rand(3).dtype == pt.float64 and pt.arange(0.0, 1.0, 0.5).dtype == pt.float64
        assert pt.nn.Linear(2, 2).weight.dtype == pt.float64
        with pytest.raises(TypeError, match="float32 and float64"):
            pt.set_default_dtype(pt.int32)
    finally:
        pt.set_default_dtype(pt.float32)
    assert pt.zeros(2, device=device).dtype == pt.float32


def test_view_of_non_contiguous_matches_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((2, 3, 8))
    cases = [(lambda x: x[:, :, 2:6], (2, 3, 2, 2)), (lambda x: x.transpose(0, 1), (3, 2, 2, 4)),
             (lambda x: x[:, :, 2:6], (-1, 2, 2)), (lambda x: x.permute(2, 0, 1), (4, 2, 2, 3)),
             (lambda x: x[:, :1], (2, 8)), (lambda x: x[:, 1], (-1,)), (lambda x: x.transpose(0, 1), (6, 8))]
    for sel, shape in cases:
        t, p = torch.tensor(a, requires_grad=True), _t(a, device, requires_grad=True)
        try:
            to = sel(t).view(shape)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="view size is not compatible"):
                sel(p).view(shape)
            continue
        po = sel(p).view(shape)
        assert po.shape == tuple(to.shape) and po.strides == to.stride() and po._storage is p._storage
        np.testing.assert_array_equal(po.numpy(), to.detach().numpy())
        g = RNG.standard_normal(po.shape)
        to.backward(torch.tensor(g))
        po.backward(_t(g, device))
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())


# -- thin spellings --------------------------------------------------------------------------------------------------

WRAPPERS = [
    ("addmm", lambda L, a, b, c: L.addmm(a[:2, :4], b[:2, :3], c[:3, :4], beta=0.5, alpha=2.0)),
    ("baddbmm", lambda L, a, b, c: L.baddbmm(a[:2, :2], a.reshape(3, 2, 2)[:2], c.reshape(3, 2, 2)[1:], alpha=0.5)),
    ("dot", lambda L, a, b, c: L.dot(a[0], c[1])),
    ("mv", lambda L, a, b, c: L.mv(b, a[0, :3])),
    ("x.mv/outer", lambda L, a, b, c: b.mv(a[1, :3]).outer(a[0])),
    ("lerp", lambda L, a, b, c: L.lerp(a, c, 0.3)),
    ("clone", lambda L, a, b, c: L.clone(a) * 2),
    ("rsqrt", lambda L, a, b, c: L.rsqrt(a * a + 1)),
    ("clamp_min/max", lambda L, a, b, c: L.clamp_min(a, 0.1) + L.clamp_max(c, -0.1)),
    ("repeat_interleave", lambda L, a, b, c: L.repeat_interleave(a, 2, dim=1)),
    ("amax/amin", lambda L, a, b, c: L.amax(a, 1) + L.amin(c, dim=(0, 1), keepdim=True)),
    ("swapaxes/movedim/t", lambda L, a, b, c: L.swapaxes(a, 0, 1) + L.movedim(c, 0, 1) + L.t(a)),
    ("hstack/vstack", lambda L, a, b, c: L.hstack([a, c]).sum() + L.vstack([a[0], c[1]]).sum()),
    ("unflatten", lambda L, a, b, c: L.unflatten(a, 1, (2, 2)) * 3),
    ("reshape_as/addcmul/addcdiv", lambda L, a, b, c: a.reshape_as(c.t()).addcmul(c.t(), c.t(), value=0.5)
     .addcdiv(c.t(), c.t() * c.t() + 1)),
    ("frac/sgn", lambda L, a, b, c: (a * 3).frac() + c.sgn()),
]


@pytest.mark.parametrize("name,fn", WRAPPERS, ids=[w[0] for w in WRAPPERS])
def test_thin_spellings_match_torch(device, name, fn):
    torch = pytest.importorskip("torch")
    arrs = [RNG.standard_normal((3, 4)), RNG.standard_normal((3, 3)), RNG.standard_normal((3, 4))]
    tin = [torch.tensor(a, requires_grad=True) for a in arrs]
    pin = [_t(a, device, requires_grad=True) for a in arrs]
    to, po = fn(torch, *tin), fn(pt, *pin)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    to.sum().backward()
    po.sum().backward()
    for p, t in zip(pin, tin, strict=True):
        if t.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(force=True), rtol=1e-12, atol=1e-12)


def test_nan_to_num_isin_misc(device):
    torch = pytest.importorskip("torch")
    a = np.array([1.0, np.nan, np.inf, -np.inf], np.float32)
    for kw in (dict(), dict(nan=2.0, posinf=9.0, neginf=-9.0)):
        np.testing.assert_array_equal(pt.nan_to_num(_t(a, device), **kw).numpy(),
                                      torch.nan_to_num(torch.tensor(a), **kw).numpy())
    e, tst = np.array([[1, 2], [3, 4]]), np.array([2, 4, 7])
    np.testing.assert_array_equal(pt.isin(_t(e, device), _t(tst, device)).numpy(),
                                  torch.isin(torch.tensor(e), torch.tensor(tst)).numpy())
    assert pt.isin(_t(e, device), [1], invert=True).numpy().tolist() == [[False, True], [True, True]]
    x = _t(np.arange(4), device)
    assert x.short().dtype == pt.int16 and x.byte().dtype == pt.uint8 and x.char().dtype == pt.int8
    assert x.pin_memory() is x and x[1:].storage_offset() == 1
    assert pt.dropout(_t(np.ones(4, np.float32), device), 0.5, False).numpy().tolist() == [1.0] * 4
    with pytest.raises(ValueError, match="1-d"):
        pt.dot(_t(np.ones((2, 2)), device), _t(np.ones(2), device))
