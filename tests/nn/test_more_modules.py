"""Hooks, ParameterList/Dict, trunc_normal_, KL divergence, GLU, Softmin, distances, pixel shuffle and
instance norm, against PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import need_fp64
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F


def test_forward_hooks(device):
    m = nn.Linear(3, 2, device=device)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2.0,))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    x = pt.asarray(np.ones((4, 3), np.float32), device=device)
    y = m(x)
    assert seen == [(4, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(y.numpy(), m(x * 2.0).numpy(), rtol=1e-6)
    assert seen == [(4, 2)]
    with m.register_forward_hook(lambda mod, args, out: out * 0.0):
        assert float(m(x).abs().sum().item()) == 0.0
    assert float(m(x).abs().sum().item()) > 0.0


def test_parameter_containers(device):
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([pt.asarray(np.ones(2, np.float32), device=device) for _ in range(2)])
            self.d = nn.ParameterDict({"a": pt.asarray(np.zeros(3, np.float32), device=device)})

    m = M()
    assert [n for n, _ in m.named_parameters()] == ["ws.0", "ws.1", "d.a"]
    assert len(m.ws) == 2 and isinstance(m.ws[1], nn.Parameter) and "a" in m.d and m.d["a"].requires_grad
    m.ws.append(pt.asarray(np.ones(1, np.float32), device=device))
    assert len(list(m.parameters())) == 4


def test_trunc_normal(device):
    pt.manual_seed(0)
    t = nn.init.trunc_normal_(pt.empty((200, 100), device=device), mean=0.5, std=1.0, a=0.0, b=1.5).numpy()
    assert t.min() >= 0.0 and t.max() <= 1.5
    assert 0.3 < t.mean() < 0.9 and t.std() > 0.3  # spread over the interval, not piled on its ends
    assert (t == 0.0).mean() < 1e-3 and (t == 1.5).mean() < 1e-3


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "mean", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_match_torch(device, reduction, log_target):
    torch = pytest.importorskip("torch")
    p = np.random.default_rng(1).dirichlet(np.ones(5), 4).astype(np.float32)
    p[0, 1] = 0.0
    t = np.log(np.maximum(p, 1e-30)) if log_target else p
    # NOTE: targets without grad: PyTorch's d/dt at t = 0 is nan
    pair(lambda a, b: F.kl_div(F.log_softmax(a, 1), b.detach(), reduction=reduction, log_target=log_target),
         lambda a, b: torch.nn.functional.kl_div(a.log_softmax(1), b.detach(), reduction=reduction,
                                                 log_target=log_target),
         [rand(4, 5), t.astype(np.float32)], device)
    m, tm = nn.KLDivLoss(reduction=reduction), torch.nn.KLDivLoss(reduction=reduction)
    x = rand(4, 5)
    np.testing.assert_allclose(m(F.log_softmax(pt.asarray(x, device=device), 1), pt.asarray(p, device=device)).numpy(),
                               tm(torch.tensor(x).log_softmax(1), torch.tensor(p)).numpy(), rtol=1e-5, atol=1e-6)


def test_small_functionals_match_torch(device):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    pair(lambda a: F.glu(a, 1), lambda a: tf.glu(a, 1), [rand(3, 6, 2)], device)
    pair(lambda a: F.softmin(a, 0), lambda a: tf.softmin(a, 0), [rand(3, 4)], device)
    pair(lambda a: F.tanhshrink(a), lambda a: tf.tanhshrink(a), [rand(3, 4)], device)
    pair(lambda a, b: F.pairwise_distance(a, b), lambda a, b: tf.pairwise_distance(a, b), [rand(4, 5), rand(4, 5)],
         device)
    pair(lambda a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True),
         lambda a, b: tf.pairwise_distance(a, b, p=1.0, keepdim=True), [rand(4, 5), rand(4, 5)], device)
    pair(lambda a: F.pixel_shuffle(a, 2), lambda a: tf.pixel_shuffle(a, 2), [rand(2, 8, 3, 4)], device)
    pair(lambda a: F.pixel_unshuffle(a, 2), lambda a: tf.pixel_unshuffle(a, 2), [rand(2, 3, 4, 6)], device)
    x1, x2 = rand(4, 5), rand(4, 5)
    for m, tm, args in ((nn.GLU(), torch.nn.GLU(), (rand(2, 4),)), (nn.Softmin(1), torch.nn.Softmin(1), (x1,)),
                        (nn.CosineSimilarity(), torch.nn.CosineSimilarity(), (x1, x2)),
                        (nn.PairwiseDistance(), torch.nn.PairwiseDistance(), (x1, x2)),
                        (nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (rand(1, 4, 2, 2),)),
                        (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), (rand(1, 1, 4, 4),)),
                        (nn.Tanhshrink(), torch.nn.Tanhshrink(), (x1,))):
        got = m(*(pt.asarray(a, device=device) for a in args)).numpy()
        np.testing.assert_allclose(got, tm(*(torch.tensor(a) for a in args)).numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=repr(m))


@pytest.mark.parametrize("affine", [False, True])
def test_instance_norm_match_torch(device, affine):
    torch = pytest.importorskip("torch")
    for m, tm, x in ((nn.InstanceNorm2d(3, affine=affine, device=device), torch.nn.InstanceNorm2d(3, affine=affine),
                      rand(2, 3, 4, 5)),
                     (nn.InstanceNorm1d(3, affine=affine, device=device), torch.nn.InstanceNorm1d(3, affine=affine),
                      rand(2, 3, 6)),
                     (nn.InstanceNorm2d(3, device=device), torch.nn.InstanceNorm2d(3), rand(3, 4, 5))):
        assert sorted(m.state_dict()) == sorted(tm.state_dict()) and repr(m) == repr(tm)
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    pair(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), lambda a, w, b: torch.nn.functional.instance_norm(
        a, weight=w, bias=b), [rand(2, 3, 4, 5), rand(3), rand(3)], device, atol=1e-4)


def test_gradcheck_more_float64(device):
    need_fp64(device)
    r = np.random.default_rng(2)
    t = pt.asarray(r.dirichlet(np.ones(4), 3), device=device)
    gradcheck64(device, lambda a: F.kl_div(F.log_softmax(a, 1), t, reduction="batchmean"), r.standard_normal((3, 4)))
    gradcheck64(device, lambda a: F.glu(a) + F.pairwise_distance(a, a[::-1] * 1.0).reshape(-1, 1),
                r.standard_normal((3, 4)))


def test_batch_norm_fused_paths_match_torch(device):
    torch = pytest.importorskip("torch")
    # a permuted (non-contiguous) input, no affine parameters, no running statistics
    x = rand(5, 4, 3, 2)
    pair(lambda a: F.batch_norm(a.permute(0, 3, 1, 2), None, None, training=True),
         lambda a: torch.nn.functional.batch_norm(a.permute(0, 3, 1, 2), None, None, training=True), [x], device,
         atol=1e-4)
    # momentum=None: the cumulative average over batches; num_batches_tracked counts them
    m, tm = nn.BatchNorm1d(3, momentum=None, device=device), torch.nn.BatchNorm1d(3, momentum=None)
    for _ in range(3):
        b = rand(6, 3) * 2 + 1
        m(pt.asarray(b, device=device)), tm(torch.tensor(b))
    np.testing.assert_allclose(m.running_mean.numpy(), tm.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-5, atol=1e-6)
    assert int(m.num_batches_tracked.item()) == 3 and m.num_batches_tracked.dtype == pt.int64
    m.load_state_dict({k: pt.asarray(v.numpy(), device=device) for k, v in tm.state_dict().items()})
    m.eval()
    assert int(m.num_batches_tracked.item()) == 3
    # float64 (gradcheck) through the fused kernels, weight and bias both learnt
    r = np.random.default_rng(5)
    gradcheck64(device, lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True), r.standard_normal((4, 3, 2)),
                r.standard_normal(3), r.standard_normal(3))


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=(2, 3), stride=2, padding=1, dilation=(1, 2))])
def test_fold_unfold_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    pair(lambda a: F.unfold(a, **kw), lambda a: tf.unfold(a, **kw), [rand(2, 3, 7, 8)], device)
    L = tf.unfold(torch.zeros(1, 1, 7, 8), **kw).shape[-1]
    k = kw["kernel_size"] if isinstance(kw["kernel_size"], tuple) else (3, 3)
    pair(lambda a: F.fold(a, (7, 8), **kw), lambda a: tf.fold(a, (7, 8), **kw), [rand(2, 3 * k[0] * k[1], L)], device)
    m, tm = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    assert repr(m) == repr(tm)
    with pytest.raises(ValueError, match="does not match"):
        F.fold(pt.asarray(rand(1, 9, L + 1), device=device), (7, 8), **kw)


def test_shrink_threshold_and_helpers_match_torch(device):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rand(4, 5) * 2
    pair(lambda a: F.threshold(a, 0.3, -2.0), lambda a: tf.threshold(a, 0.3, -2.0), [x], device)
    pair(lambda a: F.hardshrink(a, 0.7), lambda a: tf.hardshrink(a, 0.7), [x], device)
    pair(lambda a: F.softshrink(a, 0.7), lambda a: tf.softshrink(a, 0.7), [x], device)
    for m, tm in ((nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)), (nn.Hardshrink(), torch.nn.Hardshrink()),
                  (nn.Softshrink(0.2), torch.nn.Softshrink(0.2))):
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-6)
        assert repr(m) == repr(tm)
    w = rand(5, 3)
    e = nn.Embedding.from_pretrained(pt.asarray(w, device=device))
    assert not e.weight.requires_grad and e(pt.asarray(np.array([4, 0]), device=device)).shape == (2, 3)
    assert nn.Embedding.from_pretrained(pt.asarray(w, device=device), freeze=False).weight.requires_grad
    seq = nn.Sequential(nn.Linear(2, 3, device=device), nn.Sequential(nn.BatchNorm1d(3, device=device)))
    assert seq.get_submodule("1.0") is seq[1][0] and seq.get_parameter("0.bias") is seq[0].bias
    assert seq.get_buffer("1.0.running_var").shape == (3,)
    with pytest.raises(AttributeError):
        seq.get_submodule("2")
    np.testing.assert_array_equal(nn.init.eye_(pt.empty((2, 3), device=device)).numpy(), np.eye(2, 3))
    d = nn.init.dirac_(pt.empty((4, 2, 3, 3), device=device), groups=2).numpy()
    t = torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2).numpy()
    np.testing.assert_array_equal(d, t)


def test_batch_norm_state_dict_save_load(device, tmp_path):
    m = nn.Sequential(nn.Conv2d(1, 2, 3, device=device), nn.BatchNorm2d(2, device=device))
    m(pt.asarray(rand(4, 1, 5, 5), device=device))
    pt.save(m.state_dict(), tmp_path / "bn.pt")
    sd = pt.load(tmp_path / "bn.pt")
    assert sd["1.num_batches_tracked"].shape == () and int(sd["1.num_batches_tracked"].item()) == 1
    m2 = nn.Sequential(nn.Conv2d(1, 2, 3, device=device), nn.BatchNorm2d(2, device=device))
    m2.load_state_dict(sd)
    np.testing.assert_array_equal(m2[1].running_var.numpy(), m[1].running_var.numpy())


def test_float16_storage_pool_norm_xent(device):
    """float16 tensors through the new kernels (computed in float32; zero stores must build for half)."""
    x32 = rand(2, 3, 6, 6)
    x = pt.asarray(x32, device=device).astype(pt.float16).requires_grad_()
    y = F.max_pool2d(F.batch_norm(x, None, None, training=True), 2)
    y.astype(pt.float32).sum().backward()
    ref = F.max_pool2d(F.batch_norm(pt.asarray(x32, device=device), None, None, training=True), 2)
    np.testing.assert_allclose(y.astype(pt.float32).numpy(), ref.numpy(), rtol=1e-2, atol=1e-2)
    assert x.grad.dtype == pt.float16 and np.isfinite(x.grad.astype(pt.float32).numpy()).all()
    lg = pt.asarray(rand(3, 5), device=device).astype(pt.float16).requires_grad_()
    loss = F.cross_entropy(lg, pt.asarray(np.array([1, -100, 4]), device=device), label_smoothing=0.1)
    loss.backward()
    assert lg.grad.astype(pt.float32).numpy()[1].tolist() == [0.0] * 5
