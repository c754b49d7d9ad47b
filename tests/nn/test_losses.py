"""Losses with class weights, pos_weight, smooth L1 / Huber and the loss modules, against PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

T = np.array([0, 4, -100, 2, 1, 3, 4], dtype=np.int64)
W = np.array([0.5, 2.0, 1.0, 3.0, 0.25], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_weight_match_torch(device, reduction, smoothing):
    torch = pytest.importorskip("torch")
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    pair(lambda x, t, w: F.cross_entropy(x, t, w, **kw), lambda x, t, w: torch.nn.functional.cross_entropy(
        x, t, w.detach(), **kw), [rand(7, 5), T, W], device)
    # class weights given as a view (offset into a larger buffer)
    pair(lambda x, t, w: F.cross_entropy(x, t, w[2:7], **kw), lambda x, t, w: torch.nn.functional.cross_entropy(
        x, t, w.detach()[2:7], **kw), [rand(7, 5), T, rand(9)], device)
    # ignore_index that is a real class
    pair(lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=4, **kw), lambda x, t, w: torch.nn.functional.
         cross_entropy(x, t, w.detach(), ignore_index=4, **kw), [rand(7, 5), np.abs(T) % 5, W], device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_nd_weight_match_torch(device, reduction):
    torch = pytest.importorskip("torch")
    t = np.random.default_rng(0).integers(0, 5, (2, 3, 4))
    t[0, 1, 2] = -100
    pair(lambda x, t_, w: F.cross_entropy(x, t_, w, reduction=reduction, label_smoothing=0.1),
         lambda x, t_, w: torch.nn.functional.cross_entropy(x, t_, w.detach(), reduction=reduction,
                                                            label_smoothing=0.1),
         [rand(2, 5, 3, 4), t, W], device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_weight_match_torch(device, reduction):
    torch = pytest.importorskip("torch")
    pair(lambda x, t, w: F.nll_loss(F.log_softmax(x, 1), t, w, reduction=reduction),
         lambda x, t, w: torch.nn.functional.nll_loss(x.log_softmax(1), t, w.detach(), reduction=reduction),
         [rand(7, 5), T, W], device)
    t = np.random.default_rng(1).integers(0, 5, (2, 6))
    pair(lambda x, t_: F.nll_loss(x, t_, ignore_index=3, reduction=reduction),
         lambda x, t_: torch.nn.functional.nll_loss(x, t_, ignore_index=3, reduction=reduction),
         [rand(2, 5, 6), t], device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_weights_match_torch(device, reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    t = (np.random.default_rng(2).random((4, 3)) > 0.5).astype(np.float32)
    pw, w = np.array([0.5, 2.0, 3.0], np.float32), np.abs(rand(4, 3))
    x = rand(4, 3) * 3
    x[0, 0] = 0.0  # a zero logit: PyTorch's gradient there is sigmoid(0) - t
    pair(lambda a, b, c, d: F.binary_cross_entropy_with_logits(a, b, c, reduction=reduction, pos_weight=d),
         lambda a, b, c, d: tf.binary_cross_entropy_with_logits(a, b, c.detach(), reduction=reduction,
                                                                pos_weight=d.detach()), [x, t, w, pw], device)
    pair(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
         lambda a, b: tf.binary_cross_entropy_with_logits(a, b, reduction=reduction), [x, t], device)
    p = 1 / (1 + np.exp(-x))
    pair(lambda a, b, c: F.binary_cross_entropy(a, b, c, reduction=reduction),
         lambda a, b, c: tf.binary_cross_entropy(a, b, c.detach(), reduction=reduction), [p, t, w], device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
def test_smooth_l1_huber_match_torch(device, reduction, beta):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a, b = rand(5, 4) * 2, rand(5, 4)
    pair(lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
         lambda x, y: tf.smooth_l1_loss(x, y, reduction=reduction, beta=beta), [a, b], device)
    if beta:
        pair(lambda x, y: F.huber_loss(x, y, reduction=reduction, delta=beta),
             lambda x, y: tf.huber_loss(x, y, reduction=reduction, delta=beta), [a, b], device)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_probability_targets_match_torch(device, reduction, smoothing):
    torch = pytest.importorskip("torch")
    p2 = np.random.default_rng(3).dirichlet(np.ones(5), 7).astype(np.float32)
    p4 = np.random.default_rng(4).dirichlet(np.ones(5), (2, 3, 4)).transpose(0, 3, 1, 2).astype(np.float32).copy()
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    for x, p in ((rand(7, 5), p2), (rand(2, 5, 3, 4), p4), (rand(5), p2[0])):
        pair(lambda a, b, w: F.cross_entropy(a, b, w, **kw),
             lambda a, b, w: torch.nn.functional.cross_entropy(a, b, w.detach(), **kw), [x, p, W], device)


def test_loss_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    x, tgt, y = rand(7, 5), T, rand(7, 5)
    p, b = 1 / (1 + np.exp(-x)), (y > 0).astype(np.float32)
    w, pw = pt.asarray(W, device=device), pt.asarray(np.full(5, 2.0, np.float32), device=device)
    cases = [(nn.CrossEntropyLoss(w, label_smoothing=0.1), tnn.CrossEntropyLoss(torch.tensor(W), label_smoothing=0.1),
              x, tgt),
             (nn.NLLLoss(w, reduction="sum"), tnn.NLLLoss(torch.tensor(W), reduction="sum"), x, tgt),
             (nn.MSELoss(), tnn.MSELoss(), x, y), (nn.L1Loss(reduction="sum"), tnn.L1Loss(reduction="sum"), x, y),
             (nn.BCELoss(), tnn.BCELoss(), p, b),
             (nn.BCEWithLogitsLoss(pos_weight=pw), tnn.BCEWithLogitsLoss(pos_weight=torch.full((5,), 2.0)), x, b),
             (nn.SmoothL1Loss(beta=0.5), tnn.SmoothL1Loss(beta=0.5), x, y),
             (nn.HuberLoss(delta=0.5), tnn.HuberLoss(delta=0.5), x, y)]
    for m, tm, a, c in cases:
        got = m(pt.asarray(a, device=device), pt.asarray(c, device=device)).numpy()
        np.testing.assert_allclose(got, tm(torch.tensor(a), torch.tensor(c)).numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=repr(m))
        assert sorted(m.state_dict()) == sorted(tm.state_dict()), repr(m)
    assert repr(nn.L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"


def test_loss_bad_input(device):
    x = pt.asarray(rand(3, 5), device=device)
    t = pt.asarray(np.array([0, 1, 2]), device=device)
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        F.cross_entropy(x, t, pt.asarray(np.ones(4, np.float32), device=device))
    with pytest.raises(ValueError, match="does not match"):
        F.nll_loss(x, pt.asarray(np.array([0, 1]), device=device))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(TypeError, match="class indices"):
        F.cross_entropy(x, pt.asarray(np.array([True, False, True]), device=device))
    with pytest.raises(ValueError, match="probability target"):
        F.cross_entropy(x, x[:2])


def test_gradcheck_losses_float64(device):
    need_fp64(device)
    t = pt.asarray(np.array([1, 4, 0, 2]), device=device)
    w = pt.asarray(W.astype(np.float64), device=device)
    gradcheck64(device, lambda a: F.cross_entropy(a, t, w, label_smoothing=0.3), rand(4, 5))
    gradcheck64(device, lambda a: F.nll_loss(a, t, w), rand(4, 5))
    tb = pt.asarray((rand(4, 5) > 0).astype(np.float64), device=device)
    gradcheck64(device, lambda a, pw: F.binary_cross_entropy_with_logits(a, tb, pos_weight=pw), rand(4, 5),
                np.abs(rand(5)) + 0.5)
    gradcheck64(device, lambda a, b: F.smooth_l1_loss(a, b, beta=0.5) + F.huber_loss(a, b, delta=0.7), rand(4, 5),
                rand(4, 5))
