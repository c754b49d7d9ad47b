"""conv_transpose1d/2d and ConvTranspose1d/2d against PyTorch CPU; gradcheck in float64."""

from __future__ import annotations

import numpy as np
import pytest
from torch_parity import gradcheck64, pair, rand

import portatensor as pt
from portatensor import nn
from portatensor.nn import functional as F

CASES = [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 1), dilation=(1, 2)),
         dict(padding=1, groups=2), dict(stride=3, padding=2, output_padding=(2, 0), dilation=2),
         dict(stride=2, dilation=2, output_padding=1), dict(stride=(4, 3), padding=(0, 1))]


@pytest.mark.parametrize("kw", CASES, ids=[str(i) for i in range(len(CASES))])
def test_conv_transpose2d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    og = 3 if kw.get("groups") else 6
    pair(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
         lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw),
         [rand(2, 4, 5, 6), rand(4, og, 3, 3), rand(6)], device)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=2)])
def test_conv_transpose1d_match_torch(device, kw):
    torch = pytest.importorskip("torch")
    pair(lambda x, w: F.conv_transpose1d(x, w, **kw), lambda x, w: torch.nn.functional.conv_transpose1d(x, w, **kw),
         [rand(2, 4, 7), rand(4, 3, 3)], device)


def test_conv_transpose_modules_match_torch(device):
    torch = pytest.importorskip("torch")
    for m, tm, x in ((nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1, device=device),
                      torch.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), rand(2, 3, 5, 5)),
                     (nn.ConvTranspose1d(2, 4, 3, groups=2, bias=False, device=device),
                      torch.nn.ConvTranspose1d(2, 4, 3, groups=2, bias=False), rand(2, 2, 6)),
                     (nn.ConvTranspose2d(3, 2, 2, stride=2, device=device), torch.nn.ConvTranspose2d(3, 2, 2, stride=2),
                      rand(3, 4, 4))):
        assert repr(m) == repr(tm)
        theirs = [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
        assert [(n, p.shape) for n, p in m.named_parameters()] == theirs
        m.load_state_dict({n: pt.asarray(v.detach().numpy(), device=device) for n, v in tm.state_dict().items()})
        np.testing.assert_allclose(m(pt.asarray(x, device=device)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(pt.asarray(rand(1, 3, 4, 4), device=device), pt.asarray(rand(3, 2, 3, 3), device=device),
                           stride=2, output_padding=2)


def test_gradcheck_conv_transpose_float64(device):
    r = np.random.default_rng(9)
    gradcheck64(device, lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2),
                r.standard_normal((1, 2, 3, 3)), r.standard_normal((2, 1, 3, 2)))


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=2)])
def test_conv_transpose2d_im2col_path_matches_implicit_gemm(device, kw):
    """float32 runs the implicit-GEMM path, bfloat16 storage col2im + matmul: both against PyTorch in float64."""
    torch = pytest.importorskip("torch")
    x_np, w_np = rand(2, 4, 5, 6), rand(4, 3, 3, 3)
    tx = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(w_np, dtype=torch.float64, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, **kw)
    (ty * ty).sum().backward()
    refs = (ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy())
    for dt, tol in ((pt.float32, 1e-4), (pt.bfloat16, 0.1)):
        x, w = pt.asarray(x_np, dtype=dt, device=device), pt.asarray(w_np, dtype=dt, device=device)
        x.requires_grad_()
        w.requires_grad_()
        y = F.conv_transpose2d(x, w, **kw)
        assert y.dtype == dt
        pt.sum(y * y).backward()
        for ours, ref in zip((y, x.grad, w.grad), refs, strict=True):
            scale = np.abs(ref).max()
            np.testing.assert_allclose(pt.astype(ours, pt.float32).numpy() / scale, ref / scale, rtol=tol, atol=tol)
