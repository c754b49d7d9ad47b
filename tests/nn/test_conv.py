"""conv1d/conv2d, pooling, normalisation layers and attention modules against PyTorch CPU; gradcheck in float64."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

RNG = np.random.default_rng(1)


def _pair(fn_pt, fn_torch, arrays, device, rtol=1e-5, atol=1e-5):
    """Forward and gradient parity (gradient of sum(out * w) for a random w)."""
    torch = pytest.importorskip("torch")
    ps = [pt.asarray(a, device=device).requires_grad_() for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    po, to = fn_pt(*ps), fn_torch(*ts)
    assert po.shape == tuple(to.shape)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    w = RNG.standard_normal(tuple(to.shape)).astype(np.float32)
    (po * pt.asarray(w, device=device)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for p_, t_ in zip(ps, ts, strict=True):
        np.testing.assert_allclose(p_.grad.numpy(), t_.grad.numpy(), rtol=rtol * 10, atol=atol * 10)


def _r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1)),
                                dict(padding=1, groups=2), dict(padding="same")])
def test_conv2d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    cg = 4 // kw.get("groups", 1)
    _pair(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw),
          [_r(2, 4, 7, 6), _r(6, cg, 3, 3), _r(6)], device)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2), dict(padding=1, groups=3)])
def test_conv1d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    cg = 3 // kw.get("groups", 1)
    _pair(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **kw),
          [_r(2, 3, 11), _r(6, cg, 3), _r(6)], device)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(3, 2), stride=(1, 2))])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_match_torch(device, kw, kind):
    torch = pytest.importorskip("torch")
    f, g = (F.max_pool2d, torch.nn.functional.max_pool2d) if kind == "max" else \
        (F.avg_pool2d, torch.nn.functional.avg_pool2d)
    _pair(lambda x: f(x, **kw), lambda x: g(x, **kw), [_r(2, 3, 7, 6)], device)


@pytest.mark.parametrize("size", [(1, 1), (3, 2), 4])
def test_adaptive_avg_pool2d_match_torch(device, size):
    torch = pytest.importorskip("torch")
    _pair(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: torch.nn.functional.adaptive_avg_pool2d(x, size),
          [_r(2, 3, 7, 8)], device)


def test_conv_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    m = nn.Conv2d(3, 4, 3, stride=2, padding=1, device=device)
    tm = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    m.load_state_dict({k: pt.asarray(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()})
    x = _r(2, 3, 8, 8)
    np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    m1 = nn.Conv1d(3, 5, 2, bias=False, device=device)
    assert m1.weight.shape == (5, 3, 2) and m1.bias is None
    assert m1(pt.asarray(_r(3, 9), device=device)).shape == (5, 8)
    seq = nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(2, 1), nn.AdaptiveAvgPool2d(1))
    assert seq(pt.asarray(x, device=device)).shape == (2, 3, 1, 1)
    assert "Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))" in repr(m)


def test_conv_bad_input(device):
    x = pt.asarray(_r(1, 4, 5, 5), device=device)
    with pytest.raises(ValueError, match="groups"):
        F.conv2d(x, pt.asarray(_r(3, 2, 3, 3), device=device), groups=2)
    with pytest.raises(ValueError, match="too small"):
        F.conv2d(x, pt.asarray(_r(2, 4, 7, 7), device=device))
    with pytest.raises(TypeError):
        F.conv2d(pt.asarray(np.ones((1, 4, 5, 5), dtype=np.int32), device=device), x)


def test_gradcheck_conv_pool_float64(device):
    if not device.info.fp64:
        pytest.skip("no fp64")
    x = pt.asarray(RNG.standard_normal((1, 2, 5, 4)), dtype=pt.float64, device=device).requires_grad_()
    w = pt.asarray(RNG.standard_normal((2, 1, 2, 2)), dtype=pt.float64, device=device).requires_grad_()
    pt.autograd.gradcheck(lambda a, b: F.conv2d(a, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2), [x, w])
    pt.autograd.gradcheck(lambda a: F.max_pool2d(a, 2, 1, 1), [x])
    pt.autograd.gradcheck(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), [x])


# -- batch / group norm ---------------------------------------------------------------
# (70, 3), (5, 2, 7), (2, 3, 9, 11): a channel's walk wraps rows 0, 1 and many times per work-group step.
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (3, 3, 4, 5), (70, 3), (5, 2, 7), (2, 3, 9, 11)])
def test_batch_norm_training_match_torch(device, shape):
    torch = pytest.importorskip("torch")
    C = shape[1]
    rm, rv = _r(C), np.abs(_r(C)) + 0.5
    prm, prv = pt.asarray(rm, device=device), pt.asarray(rv, device=device)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    _pair(lambda x, w, b: F.batch_norm(x, prm, prv, w, b, training=True, momentum=0.2),
          lambda x, w, b: torch.nn.functional.batch_norm(x, trm, trv, w, b, training=True, momentum=0.2),
          [_r(*shape), _r(C), _r(C)], device, atol=1e-4)
    np.testing.assert_allclose(prm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(prv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    _pair(lambda x, w, b: F.batch_norm(x, prm, prv, w, b), lambda x, w, b: torch.nn.functional.batch_norm(
        x, trm, trv, w, b), [_r(*shape), _r(C), _r(C)], device, atol=1e-4)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm_match_torch(device, groups):
    torch = pytest.importorskip("torch")
    _pair(lambda x, w, b: F.group_norm(x, groups, w, b), lambda x, w, b: torch.nn.functional.group_norm(
        x, groups, w, b), [_r(2, 6, 3, 4), _r(6), _r(6)], device, atol=1e-4)


def test_norm_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    for m, tm, shape in ((nn.BatchNorm2d(3, device=device), torch.nn.BatchNorm2d(3), (4, 3, 5, 5)),
                         (nn.BatchNorm1d(3, device=device), torch.nn.BatchNorm1d(3), (6, 3)),
                         (nn.GroupNorm(2, 4, device=device), torch.nn.GroupNorm(2, 4), (2, 4, 3))):
        assert sorted(m.state_dict()) == sorted(tm.state_dict()), (m.state_dict().keys(), tm.state_dict().keys())
        for mode in ("train", "train", "eval"):
            getattr(m, mode)(), getattr(tm, mode)()
            x = _r(*shape)
            np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                                       rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="4-d"):
        nn.BatchNorm2d(3, device=device)(pt.asarray(_r(2, 3), device=device))


def test_gradcheck_norms_float64(device):
    if not device.info.fp64:
        pytest.skip("no fp64")
    x = pt.asarray(RNG.standard_normal((3, 4, 2)), dtype=pt.float64, device=device).requires_grad_()
    w = pt.asarray(RNG.standard_normal(4), dtype=pt.float64, device=device).requires_grad_()
    pt.autograd.gradcheck(lambda a, b: F.batch_norm(a, None, None, b, None, training=True), [x, w])
    pt.autograd.gradcheck(lambda a, b: F.group_norm(a, 2, b), [x, w])


# -- attention ------------------------------------------------------------------------
def _copy_weights(m, tm, device):
    m.load_state_dict({k: pt.asarray(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_match_torch(device, batch_first):
    torch = pytest.importorskip("torch")
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()
    m = nn.MultiheadAttention(8, 2, batch_first=batch_first, device=device).eval()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    _copy_weights(m, tm, device)
    q, kv = _r(2, 5, 8), _r(2, 7, 8)
    if not batch_first:
        q, kv = q.transpose(1, 0, 2).copy(), kv.transpose(1, 0, 2).copy()
    kpm = np.zeros((2, 7), dtype=bool)
    kpm[1, 5:] = True
    po, pw = m(pt.asarray(q, device=device), pt.asarray(kv, device=device), pt.asarray(kv, device=device),
               key_padding_mask=pt.asarray(kpm, device=device))
    to, tw = tm(torch.tensor(q), torch.tensor(kv), torch.tensor(kv), key_padding_mask=torch.tensor(kpm))
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pw.numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_encoder_layer_match_torch(device, norm_first, activation):
    torch = pytest.importorskip("torch")
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation=activation, batch_first=True,
                                          norm_first=norm_first).eval()
    m = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, activation=activation, batch_first=True,
                                   norm_first=norm_first, device=device).eval()
    assert sorted(m.state_dict()) == sorted(tm.state_dict())
    _copy_weights(m, tm, device)
    x = _r(2, 6, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(6)
    po = m(pt.asarray(x, device=device), src_mask=pt.asarray(mask.numpy(), device=device))
    to = tm(torch.tensor(x), src_mask=mask)
    np.testing.assert_allclose(po.numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    m.train()
    xp = pt.asarray(x, device=device).requires_grad_()
    m(xp, is_causal=True).sum().backward()
    assert xp.grad.shape == x.shape and m.self_attn.in_proj_weight.grad is not None
