"""nn: functional ops and modules against PyTorch CPU (forward and gradients), gradcheck in float64."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

RNG = np.random.default_rng(0)


def _t(a, device, grad=True):
    t = pt.asarray(np.asarray(a), device=device)
    return t.requires_grad_() if grad else t


def _torch_pair(fn_pt, fn_torch, arrays, device, rtol=1e-5, atol=1e-6):
    torch = pytest.importorskip("torch")
    ps = [_t(a, device, a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    po, to = fn_pt(*ps), fn_torch(*ts)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = RNG.standard_normal(to.shape).astype(np.float32)
    (po * pt.asarray(w, device=device)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for p_, t_ in zip(ps, ts, strict=True):
        if t_.grad is not None:
            np.testing.assert_allclose(p_.grad.numpy(), t_.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "sigmoid", "tanh", "softplus", "leaky_relu"])
def test_activations_match_torch(device, name):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    _torch_pair(getattr(F, name), getattr(torch.nn.functional, name), [x], device)


@pytest.mark.parametrize("dim", [-1, 0])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_match_torch(device, dim, log):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 6)).astype(np.float32) * 3
    f = F.log_softmax if log else F.softmax
    g = torch.log_softmax if log else torch.softmax
    _torch_pair(lambda a: f(a, dim), lambda a: g(a, dim), [x], device)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_match_torch(device, smoothing, reduction):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((6, 5)).astype(np.float32)
    t = np.array([0, 4, -100, 2, 1, 3], dtype=np.int64)
    _torch_pair(lambda a, b: F.cross_entropy(a, b, label_smoothing=smoothing, reduction=reduction),
                lambda a, b: torch.nn.functional.cross_entropy(a, b, label_smoothing=smoothing, reduction=reduction),
                [x, t], device)


def test_cross_entropy_nd_and_nll(device):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    t = RNG.integers(0, 4, (2, 3)).astype(np.int64)
    _torch_pair(F.cross_entropy, torch.nn.functional.cross_entropy, [x, t], device)
    lp = RNG.standard_normal((5, 4)).astype(np.float32)
    t2 = RNG.integers(0, 4, (5,)).astype(np.int64)
    _torch_pair(F.nll_loss, torch.nn.functional.nll_loss, [lp, t2], device)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
                                  "binary_cross_entropy"])
def test_losses_match_torch(device, name):
    torch = pytest.importorskip("torch")
    x = RNG.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    y = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
    _torch_pair(getattr(F, name), getattr(torch.nn.functional, name), [x, y], device, rtol=1e-4)


def test_layer_norm_embedding_linear_match_torch(device):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 4, 8)).astype(np.float32)
    w = RNG.standard_normal((8,)).astype(np.float32)
    b = RNG.standard_normal((8,)).astype(np.float32)
    _torch_pair(lambda a, c, d: F.layer_norm(a, (8,), c, d), lambda a, c, d: torch.nn.functional.layer_norm(
        a, (8,), c, d), [x, w, b], device, rtol=1e-4, atol=1e-5)
    table = RNG.standard_normal((7, 5)).astype(np.float32)
    idx = np.array([[1, 6, 1], [0, 2, 6]], dtype=np.int64)
    _torch_pair(lambda i, t: F.embedding(i, t), lambda i, t: torch.nn.functional.embedding(i, t),
                [idx, table], device)
    W = RNG.standard_normal((5, 8)).astype(np.float32)
    _torch_pair(F.linear, torch.nn.functional.linear, [x, W, RNG.standard_normal(5).astype(np.float32)], device,
                rtol=1e-4, atol=1e-5)


def test_attention_matches_torch(device):
    torch = pytest.importorskip("torch")
    q, k, v = (RNG.standard_normal((2, 5, 4)).astype(np.float32) for _ in range(3))
    _torch_pair(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c, is_causal=True),
                [q, k, v], device, rtol=1e-4, atol=1e-5)


def test_gradcheck_fused_rows_float64(device):
    if not device.info.fp64:
        pytest.skip("no fp64")
    x = pt.asarray(RNG.standard_normal((3, 5)), dtype=pt.float64, device=device).requires_grad_()
    t = pt.asarray(np.array([1, 4, 0]), device=device)
    pt.autograd.gradcheck(lambda a: F.softmax(a, 0), [x])
    pt.autograd.gradcheck(lambda a: F.log_softmax(a, 1), [x])
    pt.autograd.gradcheck(lambda a: F.cross_entropy(a, t, label_smoothing=0.2), [x])
    pt.autograd.gradcheck(lambda a: F.layer_norm(a, (5,)), [x])
    pt.autograd.gradcheck(lambda a: F.gelu(a) + F.silu(a) * F.sigmoid(a), [x])


def test_module_api(device):
    m = nn.Sequential(nn.Linear(4, 8, device=device), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2, device=device))
    names = [n for n, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert isinstance(m[0].weight, nn.Parameter) and m[0].weight.requires_grad
    assert "Linear(in_features=4, out_features=8, bias=True)" in repr(m)
    m.eval()
    assert not m[2].training
    x = pt.asarray(RNG.standard_normal((3, 4)).astype(np.float32), device=device)
    np.testing.assert_allclose(m(x).numpy(), m(x).numpy())  # eval: dropout is the identity
    sd = m.state_dict()
    m2 = nn.Sequential(nn.Linear(4, 8, device=device), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2, device=device))
    m2.load_state_dict(sd)
    m2.eval()
    np.testing.assert_allclose(m2(x).numpy(), m(x).numpy())
    with pytest.raises(RuntimeError, match="missing"):
        m2.load_state_dict({"0.weight": sd["0.weight"]})
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])
    md = nn.ModuleDict({"a": nn.Linear(2, 3)})
    assert len(ml) == 2 and len(list(md.parameters())) == 2


def test_dropout_and_rng_reproducible(device):
    pt.manual_seed(3)
    a = pt.rand(1000, device=device).numpy()
    x = pt.ones((10000,), device=device)
    d = F.dropout(x, 0.3).numpy()
    pt.manual_seed(3)
    assert (pt.rand(1000, device=device).numpy() == a).all()
    assert (F.dropout(x, 0.3).numpy() == d).all()
    assert abs((d == 0).mean() - 0.3) < 0.03 and np.allclose(d[d != 0], 1 / 0.7)
    n = pt.randn(20000, device=device).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    r = pt.randint(0, 5, (1000,), device=device).numpy()
    assert r.min() == 0 and r.max() == 4
    assert sorted(pt.randperm(50, device=device).numpy().tolist()) == list(range(50))


def test_init_and_clip(device):
    w = pt.empty((64, 32), device=device)
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    bound = np.sqrt(6 / 32)
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > bound * 0.8
    nn.init.zeros_(w)
    assert not w.numpy().any()
    p = pt.asarray(np.ones(4, np.float32), device=device).requires_grad_()
    (p * 10.0).sum().backward()
    norm = nn.utils.clip_grad_norm_([p], 1.0)
    np.testing.assert_allclose(norm.item(), 20.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(p.grad.numpy()), 1.0, rtol=1e-4)


def test_save_load_roundtrip(device, tmp_path):
    state = {"f": pt.asarray(RNG.standard_normal((2, 3)).astype(np.float32), device=device),
             "i": pt.asarray(np.arange(5, dtype=np.int8), device=device),
             "h": pt.asarray(np.ones(3), dtype=pt.float16, device=device),
             "nested": [1, 2.5, "x", None, (True,)]}
    pt.save(state, tmp_path / "s.pt")
    back = pt.load(tmp_path / "s.pt")
    for k in ("f", "i", "h"):
        assert back[k].dtype == state[k].dtype and back[k].shape == state[k].shape
        np.testing.assert_array_equal(back[k].numpy(), state[k].numpy())
    assert back["nested"] == [1, 2.5, "x", None, (True,)]
