"""Activations with parameters, padding (F.pad, pad modules, conv padding_mode and 'same' with even kernels),
attention masks, gradient clipping and small modules, against PyTorch CPU; gradcheck in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

ACTS = [("elu", {}), ("elu", dict(alpha=0.5)), ("selu", {}), ("celu", dict(alpha=2.0)), ("hardtanh", {}),
        ("hardtanh", dict(min_val=-0.5, max_val=2.0)), ("relu6", {}), ("hardsigmoid", {}), ("hardswish", {}),
        ("mish", {}), ("logsigmoid", {}), ("softsign", {}), ("softplus", dict(beta=2.0, threshold=3.0)),
        ("gelu", dict(approximate="tanh"))]


@pytest.mark.parametrize("name,kw", ACTS, ids=[f"{n}{i}" for i, (n, _) in enumerate(ACTS)])
def test_activations_match_torch(device, name, kw):
    torch = pytest.importorskip("torch")
    x = rand(6, 7) * 4
    x[0, :5] = [0.0, -1.0, 1.0, 6.0, 3.0]  # kinks: PyTorch's one-sided gradients there
    pair(lambda a: getattr(F, name)(a, **kw), lambda a: getattr(torch.nn.functional, name)(a, **kw), [x], device)


def test_activation_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    x = rand(3, 4, 5) * 3
    for m, tm in ((nn.ELU(0.3), tnn.ELU(0.3)), (nn.Softplus(2.0, 5.0), tnn.Softplus(2.0, 5.0)), (nn.Mish(), tnn.Mish()),
                  (nn.Hardtanh(-2.0, 1.5), tnn.Hardtanh(-2.0, 1.5)), (nn.GELU("tanh"), tnn.GELU("tanh")),
                  (nn.ReLU6(), tnn.ReLU6()), (nn.Hardswish(), tnn.Hardswish()), (nn.SELU(), tnn.SELU()),
                  (nn.CELU(0.7), tnn.CELU(0.7)), (nn.LogSigmoid(), tnn.LogSigmoid()), (nn.Softsign(), tnn.Softsign()),
                  (nn.Hardsigmoid(), tnn.Hardsigmoid())):
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=repr(m))
        assert repr(m) == repr(tm)
    m, tm = nn.PReLU(4, device=device), tnn.PReLU(4)
    assert repr(m) == repr(tm) and sorted(m.state_dict()) == sorted(tm.state_dict())
    w = np.array([0.1, -0.2, 0.3, 0.5], np.float32)
    pair(lambda a, b: F.prelu(a, b), lambda a, b: torch.nn.functional.prelu(a, b), [x[:, :, None, :] - 0.5, w],
         device)
    pair(lambda a, b: F.prelu(a, b), lambda a, b: torch.nn.functional.prelu(a, b), [x, w[:1]], device)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [(1, 2), (2, 0, 1, 3), (1, 1, 2, 2)])
def test_pad_match_torch(device, mode, padding):
    torch = pytest.importorskip("torch")
    x = rand(2, 3, 4, 5) if len(padding) == 4 else rand(3, 4, 5)  # PyTorch's supported ranks for each mode
    pair(lambda a: F.pad(a, padding, mode), lambda a: torch.nn.functional.pad(a, padding, mode), [x], device)
    if mode == "constant":
        pair(lambda a: F.pad(a, (-1, 2, 0, -2), value=1.5), lambda a: torch.nn.functional.pad(a, (-1, 2, 0, -2),
             value=1.5), [x], device)


def test_pad_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    x2, x1 = rand(2, 3, 4, 5), rand(2, 3, 6)
    for m, tm, x in ((nn.ZeroPad2d((1, 2, 0, 1)), tnn.ZeroPad2d((1, 2, 0, 1)), x2),
                     (nn.ZeroPad2d(2), tnn.ZeroPad2d(2), x2), (nn.ConstantPad2d(1, 3.0), tnn.ConstantPad2d(1, 3.0), x2),
                     (nn.ReflectionPad2d(2), tnn.ReflectionPad2d(2), x2),
                     (nn.ReplicationPad2d((1, 0, 2, 1)), tnn.ReplicationPad2d((1, 0, 2, 1)), x2),
                     (nn.CircularPad2d(1), tnn.CircularPad2d(1), x2), (nn.ZeroPad1d(2), tnn.ZeroPad1d(2), x1),
                     (nn.ConstantPad1d((1, 2), -1.0), tnn.ConstantPad1d((1, 2), -1.0), x1),
                     (nn.ReflectionPad1d(3), tnn.ReflectionPad1d(3), x1),
                     (nn.ReplicationPad1d(2), tnn.ReplicationPad1d(2), x1)):
        np.testing.assert_array_equal(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).numpy(),
                                      err_msg=repr(m))
        assert repr(m) == repr(tm)
    with pytest.raises(ValueError, match="too large"):
        F.pad(pt.asarray(x1, device=device), (6, 0), "reflect")
    with pytest.raises(ValueError, match="even length"):
        F.pad(pt.asarray(x1, device=device), (1, 2, 3))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("k,d", [(2, 1), (4, 1), ((2, 3), (1, 2)), (4, 2)])
def test_conv_same_even_kernel_match_torch(device, k, d):
    torch = pytest.importorskip("torch")
    kk = k if isinstance(k, tuple) else (k, k)
    pair(lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=d),
         lambda x, w, b: torch.nn.functional.conv2d(x, w, b, padding="same", dilation=d),
         [rand(2, 3, 7, 6), rand(4, 3, *kk), rand(4)], device)
    k1 = kk[1]
    pair(lambda x, w: F.conv1d(x, w, padding="same"), lambda x, w: torch.nn.functional.conv1d(x, w, padding="same"),
         [rand(2, 3, 9), rand(4, 3, k1)], device)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv_padding_mode_match_torch(device, mode, padding):
    torch = pytest.importorskip("torch")
    k = 4 if padding == "same" else 3
    m = nn.Conv2d(3, 4, k, padding=padding, padding_mode=mode, device=device)
    tm = torch.nn.Conv2d(3, 4, k, padding=padding, padding_mode=mode)
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    x = rand(2, 3, 6, 7)
    xp, xt = pt.asarray(x, device=device).requires_grad_(), torch.tensor(x, requires_grad=True)
    y, ty = m(xp), tm(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    m1 = nn.Conv1d(3, 2, 3, padding=1, padding_mode=mode, device=device)
    tm1 = torch.nn.Conv1d(3, 2, 3, padding=1, padding_mode=mode)
    m1.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm1.state_dict().items()})
    x1 = rand(2, 3, 8)
    np.testing.assert_allclose(m1(pt.asarray(x1, device=device)).numpy(), tm1(torch.tensor(x1)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_sdpa_masks_match_torch(device):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    q, k, v = rand(2, 4, 5, 8), rand(2, 4, 6, 8), rand(2, 4, 6, 8)
    keep = np.random.default_rng(5).random((5, 6)) > 0.3
    keep[:, 0] = True
    pair(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=pt.asarray(keep, device=device)),
         lambda a, b, c: tf.scaled_dot_product_attention(a, b, c, attn_mask=torch.tensor(keep)), [q, k, v], device,
         rtol=1e-4)
    pair(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.3),
         lambda a, b, c: tf.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.3), [q, k, v], device,
         rtol=1e-4)
    pair(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
         lambda a, b, c: tf.scaled_dot_product_attention(a, b, c, enable_gqa=True), [q, k[:, :2], v[:, :2]], device,
         rtol=1e-4)
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(*(pt.asarray(t, device=device) for t in (q, k, v)), is_causal=True,
                                       attn_mask=pt.asarray(keep, device=device))


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_bool_masks_match_torch(device, batch_first):
    torch = pytest.importorskip("torch")
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()
    m = nn.MultiheadAttention(8, 2, batch_first=batch_first, device=device).eval()
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
    x = rand(3, 5, 8) if batch_first else rand(5, 3, 8)
    blocked = np.triu(np.ones((5, 5), bool), 1)  # True = not allowed (MultiheadAttention's convention)
    kpm = np.zeros((3, 5), bool)
    kpm[2, 3:] = True
    for kw, tkw in ((dict(attn_mask=pt.asarray(blocked, device=device)), dict(attn_mask=torch.tensor(blocked))),
                    (dict(attn_mask=pt.asarray(blocked, device=device),
                          key_padding_mask=pt.asarray(kpm, device=device)),
                     dict(attn_mask=torch.tensor(blocked), key_padding_mask=torch.tensor(kpm)))):
        xp, xt = pt.asarray(x, device=device).requires_grad_(), torch.tensor(x, requires_grad=True)
        (o, w), (to, tw) = m(xp, xp, xp, **kw), tm(xt, xt, xt, **tkw)
        np.testing.assert_allclose(o.numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-5)
        o.sum().backward()
        to.sum().backward()
        np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf", 0.5])
def test_clip_grad_norm_match_torch(device, norm_type):
    torch = pytest.importorskip("torch")
    gs = [rand(3, 4), rand(5), rand(2, 2, 2) * 5]
    ps = [pt.asarray(np.zeros_like(g), device=device).requires_grad_() for g in gs]
    ts = [torch.zeros(g.shape, requires_grad=True) for g in gs]
    for p, t, g in zip(ps, ts, gs, strict=True):
        p.grad, t.grad = pt.asarray(g, device=device), torch.tensor(g)
    n = nn.utils.clip_grad_norm_(ps, 1.5, norm_type=norm_type)
    tn = torch.nn.utils.clip_grad_norm_(ts, 1.5, norm_type=float(norm_type))
    np.testing.assert_allclose(float(n.item()), float(tn), rtol=1e-5)
    for p, t in zip(ps, ts, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_clip_grad_nonfinite_and_value(device):
    torch = pytest.importorskip("torch")
    p = pt.asarray(np.zeros(3, np.float32), device=device).requires_grad_()
    p.grad = pt.asarray(np.array([1.0, np.inf, 2.0], np.float32), device=device)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    g = rand(4, 5) * 3
    p = pt.asarray(np.zeros_like(g), device=device).requires_grad_()
    p.grad = pt.asarray(g, device=device)
    t = torch.zeros(g.shape, requires_grad=True)
    t.grad = torch.tensor(g)
    nn.utils.clip_grad_value_([p], 0.7)
    torch.nn.utils.clip_grad_value_([t], 0.7)
    np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    assert float(nn.utils.clip_grad_norm_([pt.asarray(np.zeros(2, np.float32), device=device)], 1.0).item()) == 0.0
    vec = nn.utils.parameters_to_vector([p])
    nn.utils.vector_to_parameters(vec * 2.0, [p])
    np.testing.assert_allclose(p.numpy(), 0.0)


def test_dropout2d_unflatten(device):
    pt.manual_seed(0)
    x = pt.asarray(np.ones((8, 16, 3, 3), np.float32), device=device)
    y = nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert (per_channel == per_channel[:, :, :1]).all()  # whole channels kept or dropped
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    y1 = nn.Dropout1d(0.5)(pt.asarray(np.ones((4, 16, 5), np.float32), device=device)).numpy()
    assert (y1 == y1[:, :, :1]).all()
    d = nn.Dropout2d(0.5).eval()
    assert d(x) is x
    u = nn.Unflatten(1, (4, 4))
    assert u(pt.asarray(np.ones((2, 16, 3), np.float32), device=device)).shape == (2, 4, 4, 3)
    assert repr(u) == "Unflatten(dim=1, unflattened_size=(4, 4))"


def test_gradcheck_extras_float64(device):
    r = np.random.default_rng(4)
    x = r.standard_normal((3, 4)) * 2
    gradcheck64(device, lambda a: F.elu(a) + F.mish(a) + F.softplus(a, 2.0, 1.0) + F.hardtanh(a, -0.5, 0.5), x)
    gradcheck64(device, lambda a: F.pad(a, (1, 2, 2, 1), "reflect").sum(0) + F.pad(a, (2, 1, 1, 0), "circular")[:3],
                x)
    gradcheck64(device, lambda a, w: F.conv2d(a, w, padding="same"), r.standard_normal((1, 2, 4, 5)),
                r.standard_normal((2, 2, 2, 2)))
    gradcheck64(device, lambda a, b: F.prelu(a, b), x.reshape(1, 3, 4), np.array([0.2, -0.1, 0.4]))


def test_transformer_encoder_and_deepcopy_match_torch(device):
    torch = pytest.importorskip("torch")
    import copy

    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False).eval()
    m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, device=device), 2,
                              norm=nn.LayerNorm(8, device=device)).eval()
    assert sorted(m.state_dict()) == sorted(tm.state_dict())
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
    x = rand(2, 5, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    np.testing.assert_allclose(m(pt.asarray(x, device=device), mask=pt.asarray(mask.numpy(), device=device)).numpy(),
                               tm(torch.tensor(x), mask=mask).detach().numpy(), rtol=1e-4, atol=1e-5)
    c = copy.deepcopy(m)
    assert c.layers[0].linear1.weight is not m.layers[0].linear1.weight
    assert isinstance(c.layers[0].linear1.weight, nn.Parameter) and c.layers[0].linear1.weight.requires_grad
    np.testing.assert_array_equal(c.layers[1].norm2.bias.numpy(), m.layers[1].norm2.bias.numpy())
    with pt.no_grad():
        c.layers[0].linear1.weight.fill_(0.0)
    assert float(m.layers[0].linear1.weight.abs().sum().item()) > 0


def test_embedding_padding_idx_and_normalize_match_torch(device):
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 2, 1], [2, 3, 2]])
    for pad in (2, -1):
        pair(lambda w, i, p=pad: F.embedding(i, w, padding_idx=p),
             lambda w, i, p=pad: torch.nn.functional.embedding(i, w, padding_idx=p), [rand(4, 3), idx], device)
    m = nn.Embedding(4, 3, padding_idx=1, device=device)
    assert float(m.weight[1].abs().sum().item()) == 0.0
    pair(lambda a: F.normalize(a, dim=1), lambda a: torch.nn.functional.normalize(a, dim=1), [rand(4, 5)], device)
    pair(lambda a: F.normalize(a, p=3.0, dim=0), lambda a: torch.nn.functional.normalize(a, p=3.0, dim=0),
         [rand(4, 5)], device)
    pair(lambda a, b: F.cosine_similarity(a, b, dim=-1), lambda a, b: torch.nn.functional.cosine_similarity(
        a, b, dim=-1), [rand(4, 5), rand(4, 5)], device)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_decoder_match_torch(device, norm_first):
    torch = pytest.importorskip("torch")
    kw = dict(dropout=0.0, batch_first=True, norm_first=norm_first)
    tm = torch.nn.Transformer(8, 2, 2, 2, 16, **kw).eval()
    m = nn.Transformer(8, 2, 2, 2, 16, device=device, **kw).eval()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
    src, tgt = rand(2, 6, 8), rand(2, 5, 8)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    mask = nn.Transformer.generate_square_subsequent_mask(5, device=device)
    np.testing.assert_array_equal(mask.numpy(), tmask.numpy())
    kpm = np.zeros((2, 6), bool)
    kpm[1, 4:] = True
    sp, tp = pt.asarray(src, device=device).requires_grad_(), torch.tensor(src, requires_grad=True)
    o = m(sp, pt.asarray(tgt, device=device), tgt_mask=mask, src_key_padding_mask=pt.asarray(kpm, device=device),
          memory_key_padding_mask=pt.asarray(kpm, device=device))
    to = tm(tp, torch.tensor(tgt), tgt_mask=tmask, src_key_padding_mask=torch.tensor(kpm),
            memory_key_padding_mask=torch.tensor(kpm))
    np.testing.assert_allclose(o.numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-4)
    o.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(sp.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_multihead_attention_kdim_vdim_match_torch(device):
    torch = pytest.importorskip("torch")
    tm = torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=6, batch_first=True).eval()
    m = nn.MultiheadAttention(8, 2, kdim=4, vdim=6, batch_first=True, device=device).eval()
    assert [(n, p.shape) for n, p in m.named_parameters()] == [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
    q, k, v = rand(2, 3, 8), rand(2, 5, 4), rand(2, 5, 6)
    pair(lambda a, b, c: m(a, b, c)[0], lambda a, b, c: tm(a, b, c)[0], [q, k, v], device, rtol=1e-4, atol=1e-5)
