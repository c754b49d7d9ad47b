"""PyTorch spellings a ported script types: device strings, creation varargs, dim= on namespace functions,
cumprod's gradient (zeros included), and the Tensor methods added for porting; against PyTorch CPU / NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64

import portatensor as pt

RNG = np.random.default_rng(7)


def _t(a, device, **kw):
    a = np.asarray(a)
    if a.dtype in (np.float64, np.complex128) and "dtype" not in kw:
        need_fp64(device)  # float64 references at float64 tolerances: skipped where the device has no fp64
    return pt.asarray(a, device=device, **kw)


# -- devices ---------------------------------------------------------------------------------------------------------

def test_device_strings(device):
    cpu = pt.get_device("cpu")
    assert cpu.type == "cpu" or not any(d.type == "cpu" for d in pt.devices())
    assert pt.device("cpu") is cpu and pt.get_device("CPU") is cpu
    assert pt.cuda.is_available() == (pt.cuda.device_count() > 0)
    if pt.cuda.is_available():
        assert pt.get_device("cuda").type == "gpu" and pt.device("cuda", 0) is pt.get_device("cuda:0")
    else:
        with pytest.raises(ValueError, match="GPU"):
            pt.get_device("cuda")
    dev = "cuda" if pt.cuda.is_available() else "cpu"
    x = pt.zeros(3, device=dev)
    assert x.to(dev).device is x.device and x.device is pt.device(dev)
    assert x.is_cuda == (x.device.type == "gpu")


# -- creation --------------------------------------------------------------------------------------------------------

def test_creation_varargs_and_requires_grad(device):
    for fn in (pt.zeros, pt.ones, pt.empty):
        assert fn(2, 3, device=device).shape == (2, 3)
        wide = pt.float64 if device.info.fp64 else pt.float16
        assert fn((2, 3), dtype=wide, device=device).dtype == wide
        assert fn([4], device=device).shape == (4,)
        assert fn(5, device=device).shape == (5,)
        assert fn((), device=device).shape == ()
    assert pt.zeros(2, 2, requires_grad=True, device=device).requires_grad
    assert pt.full((2,), 3.0, requires_grad=True, device=device).requires_grad
    assert pt.arange(0.0, 3.0, requires_grad=True, device=device).requires_grad
    assert not pt.ones(2, device=device).requires_grad
    np.testing.assert_array_equal(pt.ones(2, 3, device=device).numpy(), np.ones((2, 3), np.float32))
    assert pt.from_numpy(np.arange(3)).dtype == pt.int64
    assert pt.as_tensor([1.0, 2.0]).dtype == pt.float32
    assert pt.long is pt.int64 and pt.float is pt.float32 and pt.double is pt.float64
    assert pt.rand_like(pt.ones(2, 3, device=device)).shape == (2, 3)
    with pytest.raises(TypeError):
        pt.zeros()


# -- namespace functions with PyTorch's keywords -------------------------------------------------------------------

def test_namespace_dim_keywords(device):
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    x = _t(a, device)
    np.testing.assert_allclose(pt.sum(x, dim=1).numpy(), a.sum(1), rtol=1e-5)
    np.testing.assert_allclose(pt.sum(x, 1, keepdim=True).numpy(), a.sum(1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(pt.sum(x, axis=0).numpy(), a.sum(0), rtol=1e-5)  # the standard's call still works
    np.testing.assert_allclose(pt.mean(x, dim=0).numpy(), a.mean(0), rtol=1e-5)
    v, i = pt.max(x, dim=1)
    np.testing.assert_array_equal(v.numpy(), a.max(1))
    np.testing.assert_array_equal(i.numpy(), a.argmax(1))
    assert pt.max(x, 1).indices.shape == (4,)
    np.testing.assert_array_equal(pt.max(x).numpy(), a.max())
    np.testing.assert_array_equal(pt.max(x, x * 0).numpy(), np.maximum(a, 0))
    np.testing.assert_array_equal(pt.min(x, dim=0, keepdim=True).values.numpy(), a.min(0, keepdims=True))
    np.testing.assert_array_equal(pt.argmax(x, dim=1).numpy(), a.argmax(1))
    np.testing.assert_array_equal(pt.stack([x, x], dim=1).numpy(), np.stack([a, a], 1))
    np.testing.assert_array_equal(pt.concat([x, x], dim=1).numpy(), np.concatenate([a, a], 1))
    np.testing.assert_array_equal(pt.flip(x, dims=(0,)).numpy(), a[::-1])
    np.testing.assert_array_equal(pt.roll(x, 1, 0).numpy(), np.roll(a, 1, 0))
    np.testing.assert_array_equal(pt.argsort(x, dim=1, descending=True).numpy(), np.argsort(-a, 1, kind="stable"))
    np.testing.assert_array_equal(pt.triu(x, diagonal=1).numpy(), np.triu(a, 1))
    assert pt.squeeze(_t(a[None, :, None], device)).shape == (4, 5)
    assert pt.squeeze(x[None], 0).shape == (4, 5)
    np.testing.assert_array_equal(pt.all(x > -100, dim=1).numpy(), np.ones(4, bool))
    rows, cols = pt.where(x > 0)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(a > 0)[0])
    np.testing.assert_array_equal(pt.where(x > 0, x, 0.0).numpy(), np.where(a > 0, a, 0))
    np.testing.assert_allclose(pt.softmax(x, dim=1).numpy().sum(1), np.ones(4), rtol=1e-5)
    assert pt.unsqueeze(x, 0).shape == (1, 4, 5) and pt.transpose(x, 0, 1).shape == (5, 4)
    np.testing.assert_array_equal(pt.clamp(x, min=0).numpy(), np.clip(a, 0, None))
    assert [c.shape for c in pt.chunk(x, 2, dim=1)] == [(4, 3), (4, 2)]
    np.testing.assert_allclose(pt.cumsum(x, dim=1).numpy(), np.cumsum(a, 1), rtol=1e-5, atol=1e-6)
    assert pt.allclose(x, x + 1e-9) and not pt.allclose(x, x + 1)
    assert pt.numel(x) == 20 and pt.is_tensor(x) and pt.is_floating_point(x)


# -- cumprod ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows", [[[1.5, 2.0, 0.5, 3.0], [2.0, -1.0, 3.0, 0.5]],
                                  [[0.0, 2.0, 3.0, 4.0], [1.0, 2.0, 0.0, 5.0]],
                                  [[2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 1.0, 2.0]]])
def test_cumprod_grad_matches_torch(device, rows):
    torch = pytest.importorskip("torch")
    a = np.array(rows, np.float32)
    w = RNG.standard_normal(a.shape).astype(np.float32)
    for dim in (0, 1):
        x = _t(a, device).requires_grad_()
        y = pt.cumprod(x, dim=dim)
        (y * _t(w, device)).sum().backward()
        t = torch.tensor(a, requires_grad=True)
        ty = torch.cumprod(t, dim)
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_cumulative_prod_records(device):
    x = _t([1.0, 2.0, 3.0], device).requires_grad_()
    y = pt.cumulative_prod(x, include_initial=True)
    np.testing.assert_array_equal(y.detach().numpy(), [1, 1, 2, 6])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [9, 4, 2])


# -- Tensor methods --------------------------------------------------------------------------------------------------

def test_tensor_methods_match_torch(device):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((4, 5)).astype(np.float32)
    x, t = _t(a, device), torch.tensor(a)
    idx = np.array([[0], [2], [4], [1]])
    np.testing.assert_array_equal(pt.zeros(4, 5, device=device).scatter_(1, _t(idx, device), 1.0).numpy(),
                                  torch.zeros(4, 5).scatter_(1, torch.tensor(idx), 1.0).numpy())
    np.testing.assert_array_equal(x.scatter(1, _t(idx, device), _t(a[:, :1], device)).numpy(),
                                  t.scatter(1, torch.tensor(idx), t[:, :1]).numpy())
    np.testing.assert_array_equal((x > 0).nonzero().numpy(), (t > 0).nonzero().numpy())
    np.testing.assert_allclose(x.clone().exp_().numpy(), t.clone().exp_().numpy(), rtol=1e-5)
    np.testing.assert_array_equal(x.clone().relu_().numpy(), t.clone().relu_().numpy())
    np.testing.assert_allclose(x.clone().lerp_(x * 2, 0.25).numpy(), t.clone().lerp_(t * 2, 0.25).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.clone().addcmul_(x, x, value=0.5).numpy(),
                               t.clone().addcmul_(t, t, value=0.5).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=0).numpy(), t.repeat_interleave(2, dim=0).numpy())
    np.testing.assert_array_equal(x.tril(-1).numpy(), t.tril(-1).numpy())
    assert x.stride() == t.stride() and x.t().stride(0) == t.t().stride(0)
    assert x.equal(x.clone()) and not x.equal(x + 1) and x.allclose(x)
    np.testing.assert_allclose(x.cumprod(1).numpy(), t.cumprod(1).numpy(), rtol=1e-5)


def test_inplace_random_and_grad(device):
    w = pt.empty(200, 50, device=device)
    w.normal_(0.0, 0.02)
    assert abs(float(w.std()) - 0.02) < 0.002
    w.t().uniform_(-1, 1)  # a non-contiguous view is filled through a copy
    assert -1 <= float(w.min()) and float(w.max()) < 1
    b = pt.full((1000,), 0.3, device=device).bernoulli()
    assert set(np.unique(b.numpy())) <= {0.0, 1.0} and 0.2 < float(b.mean()) < 0.4
    x = _t([1.0, -2.0, 3.0], device).requires_grad_()
    y = x * 1.0
    y.exp_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, -2.0, 3.0]), rtol=1e-5)


def test_utils_data_alias():
    from portatensor.utils.data import DataLoader, TensorDataset

    assert DataLoader is pt.data.DataLoader and TensorDataset is pt.data.TensorDataset


# -- nn.utils.rnn and nn.init.orthogonal_ ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_packed_sequence_rnn_matches_torch(device, mode):
    torch = pytest.importorskip("torch")
    from portatensor import nn
    from portatensor.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    torch.manual_seed(0)
    tm = getattr(torch.nn, mode)(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    pm = getattr(nn, mode)(3, 4, num_layers=2, batch_first=True, bidirectional=True, device=device)
    pm.load_state_dict({k: pt.asarray(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()})
    a = RNG.random((3, 5, 3)).astype(np.float32)
    lens = [2, 5, 3]
    tx, px = torch.tensor(a, requires_grad=True), _t(a, device).requires_grad_()
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lens, batch_first=True, enforce_sorted=False)
    pp = pack_padded_sequence(px, lens, batch_first=True, enforce_sorted=False)
    np.testing.assert_array_equal(pp.data.detach().numpy(), tp.data.detach().numpy())
    assert pp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    (to, th), (po, ph) = tm(tp), pm(pp)
    th, ph = (th[0], ph[0]) if mode == "LSTM" else (th, ph)
    tpad, tl = torch.nn.utils.rnn.pad_packed_sequence(to, batch_first=True)
    ppad, pl = pad_packed_sequence(po, batch_first=True)
    assert pl.tolist() == tl.tolist()
    np.testing.assert_allclose(ppad.detach().numpy(), tpad.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ph.detach().numpy(), th.detach().numpy(), atol=1e-6)
    (tpad.sum() + th.pow(2).sum()).backward()
    (ppad.sum() + (ph * ph).sum()).backward()
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), atol=1e-6)


def test_pad_sequence_matches_torch(device):
    torch = pytest.importorskip("torch")
    from portatensor.nn.utils.rnn import pad_sequence, unpad_sequence

    seqs = [RNG.random((n, 2)).astype(np.float32) for n in (3, 1, 2)]
    for batch_first in (False, True):
        for side in ("right", "left"):
            got = pad_sequence([_t(s, device) for s in seqs], batch_first=batch_first, padding_value=-1.0,
                               padding_side=side)
            want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=batch_first,
                                                   padding_value=-1.0, padding_side=side)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    back = unpad_sequence(pad_sequence([_t(s, device) for s in seqs]), [3, 1, 2])
    for b, s in zip(back, seqs, strict=True):
        np.testing.assert_array_equal(b.numpy(), s)
    assert pt.nn.utils.clip_grad_norm_ is not None  # the package keeps nn.utils' functions


def test_orthogonal_init(device):
    from portatensor import nn

    for shape in [(4, 6), (6, 4), (3, 2, 5)]:
        w = nn.init.orthogonal_(pt.empty(*shape, device=device), gain=2.0)
        m = w.numpy().reshape(shape[0], -1).astype(np.float64)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-5)


def test_nn_utils_package_functions(device):
    from portatensor import nn

    lin = nn.Linear(3, 2, device=device)
    lin(pt.ones(4, 3, device=device)).sum().backward()
    total = nn.utils.clip_grad_norm_(lin.parameters(), 0.5)
    assert float(total) > 0.5
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0, lin.parameters())
    assert float(lin.weight.abs().sum()) == 0.0
