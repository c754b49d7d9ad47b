"""The standard's namespace functions record for backward (none silently drops a gradient)."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt

RNG = np.random.default_rng(11)


def _x(device, shape=(2, 3)):
    if not device.info.fp64:
        pytest.skip(f"{device} has no fp64")
    return pt.asarray(RNG.standard_normal(shape), dtype=pt.float64, device=device).requires_grad_()


CASES = {
    "stack": lambda x: pt.stack([x, x * 2.0], axis=1),
    "concat": lambda x: pt.concat([x, x[:, :1]], axis=1),
    "concat_none": lambda x: pt.concat([x, x], axis=None),
    "reshape": lambda x: pt.reshape(x.mT, (3, 2)),
    "reshape_copy": lambda x: pt.reshape(x, (6,), copy=True),
    "flip": lambda x: pt.flip(x, axis=1) * pt.flip(x),
    "permute_dims": lambda x: pt.permute_dims(x, (1, 0)),
    "squeeze": lambda x: pt.squeeze(pt.expand_dims(x, axis=0), 0),
    "moveaxis": lambda x: pt.moveaxis(pt.expand_dims(x, axis=2), 0, 2),
    "broadcast_to": lambda x: pt.broadcast_to(x[:1], (4, 2, 3)),
    "broadcast_arrays": lambda x: pt.broadcast_arrays(x, x[:1])[1],
    "roll": lambda x: pt.roll(x, 1, axis=1) + pt.roll(x, (1, -1), axis=(0, 1)),
    "roll_flat": lambda x: pt.roll(x, 4),
    "tile": lambda x: pt.tile(x, (2, 1, 2)),
    "repeat": lambda x: pt.repeat(x, 2, axis=0),
    "repeat_counts": lambda x: pt.repeat(x, pt.asarray([0, 2, 1], device=x.device), axis=1),
    "unstack": lambda x: pt.unstack(x, axis=1)[2],
    "take": lambda x: pt.take(x, pt.asarray([1, 1, 0], device=x.device), axis=0),
    "take_along_axis": lambda x: pt.take_along_axis(x, pt.asarray([[2, 2], [0, 1]], device=x.device), axis=1),
    "cumulative_sum": lambda x: pt.cumulative_sum(x, axis=1),
    "cumulative_sum_initial": lambda x: pt.cumulative_sum(x, axis=0, include_initial=True),
    "sort": lambda x: pt.sort(x, axis=1, descending=True),
    "astype": lambda x: pt.astype(pt.astype(x, pt.float32), pt.float64) * 1.0,
    "logaddexp": lambda x: pt.logaddexp(x, x * 0.5),
    "tensordot": lambda x: pt.tensordot(x, x * 3.0, axes=([1], [1])),
    "vecdot": lambda x: pt.vecdot(x, x),
    "where": lambda x: pt.where(x > 0, x, x * x),
    "matrix_transpose": lambda x: pt.matrix_transpose(x) * 2.0,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_namespace_gradcheck(device, name):
    x = _x(device)
    fn = CASES[name]
    out = fn(x)
    assert out.requires_grad, f"{name} dropped the gradient"
    eps = 1e-2 if name == "astype" else 1e-6  # linear, but rounded through float32
    pt.autograd.gradcheck(fn, [x], eps=eps, atol=1e-4 if name == "astype" else 1e-5)


def test_cumulative_prod_records(device):
    x = pt.asarray(np.ones(3, np.float32), device=device).requires_grad_()
    pt.cumulative_prod(x).sum().backward()  # rule and zero handling: tests/nn/test_torch_compat.py
    assert x.grad.numpy().tolist() == [3, 2, 1]
    with pt.no_grad():
        assert pt.cumulative_prod(x).numpy().tolist() == [1, 1, 1]


def test_unrecorded_paths_unchanged(device):
    x = pt.asarray(np.arange(6.0, dtype=np.float32).reshape(2, 3), device=device)
    np.testing.assert_array_equal(pt.roll(x, 1, axis=1).numpy(), np.roll(x.numpy(), 1, axis=1))
    np.testing.assert_array_equal(pt.tile(x, (2, 1)).numpy(), np.tile(x.numpy(), (2, 1)))
    np.testing.assert_array_equal(pt.sort(-x, axis=1).numpy(), np.sort(-x.numpy(), axis=1))
    assert not pt.stack([x, x]).requires_grad


NORM_CASES = {
    "vector_norm_2": lambda x: pt.linalg.vector_norm(x, axis=1),
    "vector_norm_3": lambda x: pt.linalg.vector_norm(x, ord=3),
    "vector_norm_0.5": lambda x: pt.linalg.vector_norm(x, ord=0.5, axis=0),
    "vector_norm_-1": lambda x: pt.linalg.vector_norm(x, ord=-1),
    "matrix_norm_fro": lambda x: pt.linalg.matrix_norm(x),
}


@pytest.mark.parametrize("name", sorted(NORM_CASES))
def test_norm_gradients(device, name):
    """p-norms differentiate as torch's do (against torch where installed), and a zero vector's (or zero
    entry's) gradient is 0, not the NaN that sqrt(0) and |0|^(p-1), p < 1, would give."""
    torch = pytest.importorskip("torch")
    x = _x(device, (3, 4))
    fn = NORM_CASES[name]
    pt.autograd.gradcheck(fn, [x], eps=1e-6, atol=1e-5)
    h = RNG.standard_normal((3, 4))
    h[1] = 0.0   # a zero row: a zero vector for axis=1, zero entries otherwise
    h[0, 2] = 0.0
    for value in (h, np.zeros((3, 4))):
        x = pt.asarray(value, dtype=pt.float64, device=device).requires_grad_()
        pt.sum(fn(x)).backward()
        tx = torch.tensor(value, requires_grad=True)
        tfn = {"vector_norm_2": lambda t: torch.linalg.vector_norm(t, dim=1),
               "vector_norm_3": lambda t: torch.linalg.vector_norm(t, ord=3),
               "vector_norm_0.5": lambda t: torch.linalg.vector_norm(t, ord=0.5, dim=0),
               "vector_norm_-1": lambda t: torch.linalg.vector_norm(t, ord=-1),
               "matrix_norm_fro": lambda t: torch.linalg.matrix_norm(t)}[name]
        tfn(tx).sum().backward()
        got = x.grad.numpy()
        assert np.isfinite(got).all(), got
        np.testing.assert_allclose(got, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
