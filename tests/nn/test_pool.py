"""Pooling (ceil_mode, return_indices, count_include_pad, divisor_override, 1-d, adaptive max) against PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, ceil_mode=True),
                                dict(kernel_size=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1), dilation=(2, 1)),
                                # windows inside the image: the unrolled maxpool_inside kernel
                                dict(kernel_size=2), dict(kernel_size=3, stride=1, dilation=2),
                                dict(kernel_size=(2, 3), stride=(1, 2))])
def test_max_pool2d_indices_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    x = rand(2, 3, 7, 6)
    pair(lambda a: F.max_pool2d(a, **kw), lambda a: torch.nn.functional.max_pool2d(a, **kw), [x], device)
    y, i = F.max_pool2d(pt.asarray(x, device=device), return_indices=True, **kw)
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    assert i.dtype == pt.int64
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=2, padding=1)])
def test_max_pool2d_nan_wins(device, kw):
    """A NaN in a window is its maximum, at the NaN's index (both kernels: windows inside, and padded)."""
    torch = pytest.importorskip("torch")
    x = rand(1, 2, 6, 6)
    x[0, 0, 1, 1] = x[0, 1, 4, 5] = np.nan
    y, i = F.max_pool2d(pt.asarray(x, device=device), return_indices=True, **kw)
    ty, ti = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_max_pool2d_ties_go_to_first(device):
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 3, 3] = 1.0
    pair(lambda a: F.max_pool2d(a, 2), lambda a: torch.nn.functional.max_pool2d(a, 2), [x], device)
    pair(lambda a: F.max_pool2d(F.relu(a), 3, 1, 1), lambda a: torch.nn.functional.max_pool2d(a.relu(), 3, 1, 1),
         [x - 0.5], device)


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=2, divisor_override=3),
                                dict(kernel_size=(3, 2), padding=(1, 0))])
def test_avg_pool2d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    pair(lambda a: F.avg_pool2d(a, **kw), lambda a: torch.nn.functional.avg_pool2d(a, **kw), [rand(2, 3, 7, 6)],
         device)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=1, dilation=2)])
def test_pool1d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rand(2, 3, 11)
    pair(lambda a: F.max_pool1d(a, **kw), lambda a: tf.max_pool1d(a, **kw), [x], device)
    _, i = F.max_pool1d(pt.asarray(x, device=device), return_indices=True, **kw)
    np.testing.assert_array_equal(i.numpy(), tf.max_pool1d(torch.tensor(x), return_indices=True, **kw)[1].numpy())
    if "dilation" not in kw:
        pair(lambda a: F.avg_pool1d(a, **kw), lambda a: tf.avg_pool1d(a, **kw), [x], device)
        pair(lambda a: F.avg_pool1d(a, count_include_pad=False, **kw),
             lambda a: tf.avg_pool1d(a, count_include_pad=False, **kw), [x[0]], device)


@pytest.mark.parametrize("size", [(3, 2), 4, (None, 3), 1])
def test_adaptive_max_pool2d_match_torch(device, size):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rand(2, 3, 7, 8)
    pair(lambda a: F.adaptive_max_pool2d(a, size), lambda a: tf.adaptive_max_pool2d(a, size), [x], device)
    _, i = F.adaptive_max_pool2d(pt.asarray(x, device=device), size, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), tf.adaptive_max_pool2d(torch.tensor(x), size, True)[1].numpy())


@pytest.mark.parametrize("size", [3, 5, 1])
def test_adaptive_pool1d_match_torch(device, size):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x = rand(2, 3, 10)
    pair(lambda a: F.adaptive_avg_pool1d(a, size), lambda a: tf.adaptive_avg_pool1d(a, size), [x], device)
    pair(lambda a: F.adaptive_max_pool1d(a, size), lambda a: tf.adaptive_max_pool1d(a, size), [x], device)


def test_pool_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    x2, x1 = rand(2, 3, 9, 7), rand(2, 3, 9)
    cases = [(nn.MaxPool2d(3, 2, ceil_mode=True), tnn.MaxPool2d(3, 2, ceil_mode=True), x2),
             (nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
              tnn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), x2),
             (nn.AvgPool2d(2, divisor_override=2), tnn.AvgPool2d(2, divisor_override=2), x2),
             (nn.AdaptiveMaxPool2d((2, 3)), tnn.AdaptiveMaxPool2d((2, 3)), x2),
             (nn.MaxPool1d(2), tnn.MaxPool1d(2), x1), (nn.AvgPool1d(3, 2, 1), tnn.AvgPool1d(3, 2, 1), x1),
             (nn.AdaptiveAvgPool1d(4), tnn.AdaptiveAvgPool1d(4), x1),
             (nn.AdaptiveMaxPool1d(4), tnn.AdaptiveMaxPool1d(4), x1)]
    for m, tm, x in cases:
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).numpy(),
                                   rtol=1e-6, atol=1e-6, err_msg=repr(m))
    y, i = nn.MaxPool2d(2, return_indices=True)(pt.asarray(x2[0], device=device))  # unbatched
    ty, ti = tnn.MaxPool2d(2, return_indices=True)(torch.tensor(x2[0]))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert y.shape == tuple(ty.shape)
    assert "ceil_mode=True" in repr(cases[0][0])


def test_pool_bad_input(device):
    x = pt.asarray(rand(1, 2, 5, 5), device=device)
    with pytest.raises(ValueError, match="half of kernel"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_max_pool2d(x, 0)
    with pytest.raises(ValueError, match="3-d"):
        F.max_pool1d(x, 2)


def test_gradcheck_pool_float64(device):
    x = np.random.default_rng(3).standard_normal((1, 2, 5, 6))
    gradcheck64(device, lambda a: F.max_pool2d(a, 3, 2, 1, ceil_mode=True), x)
    gradcheck64(device, lambda a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False), x)
    gradcheck64(device, lambda a: F.adaptive_max_pool2d(a, (2, 4)), x)
    gradcheck64(device, lambda a: F.max_pool1d(a, 2, 1) + F.adaptive_avg_pool1d(a, 5), x[0])
