"""RNN / LSTM / GRU and their cells against PyTorch CPU (weights copied): outputs, final states, gradients."""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import gradcheck64, rand

import portatensor as pt
from portatensor import nn


def _copy(m, tm, device):
    m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})


def _flat(out):
    return [out] if not isinstance(out, tuple) else [t for o in out for t in _flat(o)]


def _check(m, tm, device, x, hx=None, thx=None):
    torch = pytest.importorskip("torch")
    assert repr(m) == repr(tm)
    assert [(n, p.shape) for n, p in m.named_parameters()] == [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    _copy(m, tm, device)
    xp, xt = pt.asarray(x, device=device).requires_grad_(), torch.tensor(x, requires_grad=True)
    outs, touts = _flat(m(xp, hx)), _flat(tm(xt, thx))
    assert len(outs) == len(touts)
    loss, tloss = 0.0, 0.0
    for o, to in zip(outs, touts, strict=True):
        np.testing.assert_allclose(o.numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
        w = np.random.default_rng(0).standard_normal(tuple(to.shape)).astype(np.float32)
        loss = (o * pt.asarray(w, device=device)).sum() + loss
        tloss = (to * torch.tensor(w)).sum() + tloss
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(xp.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, batch_first=True), dict(bidirectional=True),
                                dict(num_layers=2, bidirectional=True, bias=False)])
def test_recurrent_layers_match_torch(device, kind, kw):
    torch = pytest.importorskip("torch")
    m, tm = getattr(nn, kind)(3, 4, device=device, **kw), getattr(torch.nn, kind)(3, 4, **kw)
    x = rand(2, 5, 3) if kw.get("batch_first") else rand(5, 2, 3)
    _check(m, tm, device, x)


def test_recurrent_initial_state_and_unbatched(device):
    torch = pytest.importorskip("torch")
    h0, c0 = rand(2, 3, 4), rand(2, 3, 4)
    _check(nn.LSTM(2, 4, num_layers=2, device=device), torch.nn.LSTM(2, 4, num_layers=2), device, rand(6, 3, 2),
           (pt.asarray(h0, device=device), pt.asarray(c0, device=device)), (torch.tensor(h0), torch.tensor(c0)))
    _check(nn.RNN(2, 4, nonlinearity="relu", device=device), torch.nn.RNN(2, 4, nonlinearity="relu"), device,
           rand(6, 2), pt.asarray(h0[0, :1], device=device), torch.tensor(h0[0, :1]))
    _check(nn.GRU(2, 4, device=device), torch.nn.GRU(2, 4), device, rand(6, 2))
    with pytest.raises(ValueError, match="initial state"):
        nn.GRU(2, 4, device=device)(pt.asarray(rand(6, 3, 2), device=device), pt.asarray(h0, device=device))


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_match_torch(device, kind):
    torch = pytest.importorskip("torch")
    m, tm = getattr(nn, kind)(3, 4, device=device), getattr(torch.nn, kind)(3, 4)
    _check(m, tm, device, rand(2, 3))
    _check(m, tm, device, rand(3))


def test_gradcheck_lstm_float64(device):
    if not device.info.fp64:
        pytest.skip("no fp64")
    m = nn.LSTM(2, 3, device=device, dtype=pt.float64)
    gradcheck64(device, lambda x: m(x)[0], np.random.default_rng(0).standard_normal((3, 2, 2)))
