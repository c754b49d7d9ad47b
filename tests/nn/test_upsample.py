"""interpolate / Upsample (nearest, linear, bilinear; size or scale_factor; align_corners) against PyTorch CPU."""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

CASES = [dict(scale_factor=2), dict(size=(5, 7)), dict(size=(3, 2)), dict(scale_factor=(1.5, 0.5)),
         dict(scale_factor=2, mode="bilinear"), dict(size=(7, 3), mode="bilinear"),
         dict(size=(7, 9), mode="bilinear", align_corners=True), dict(scale_factor=0.75, mode="bilinear"),
         dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)]


@pytest.mark.parametrize("kw", CASES, ids=[str(i) for i in range(len(CASES))])
def test_interpolate_2d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    pair(lambda a: F.interpolate(a, **kw), lambda a: torch.nn.functional.interpolate(a, **kw), [rand(2, 3, 4, 5)],
         device)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=7, mode="linear"),
                                dict(size=4, mode="linear", align_corners=True), dict(scale_factor=2.5, mode="linear")])
def test_interpolate_1d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    pair(lambda a: F.interpolate(a, **kw), lambda a: torch.nn.functional.interpolate(a, **kw), [rand(2, 3, 6)], device)


def test_upsample_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    x = rand(1, 2, 3, 4)
    for m, tm in ((nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
                  (nn.Upsample(size=(5, 6), mode="bilinear"), torch.nn.Upsample(size=(5, 6), mode="bilinear")),
                  (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
                  (nn.UpsamplingBilinear2d(size=(6, 5)), torch.nn.UpsamplingBilinear2d(size=(6, 5)))):
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=repr(m))
        assert repr(m) == repr(tm)
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(pt.asarray(x, device=device))
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(pt.asarray(x, device=device), scale_factor=2, mode="bicubic")
    gradcheck64(device, lambda a: F.interpolate(a, size=(5, 3), mode="bilinear"), rand(1, 2, 3, 4))
