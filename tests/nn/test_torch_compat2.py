"""More PyTorch spellings a ported script types: data splits and subsets, einsum, inference_mode, backends,
Size, default dtype, diag/trace/unfold, random draws, erf family; against PyTorch CPU / NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import portatensor as pt
from portatensor import data

RNG = np.random.default_rng(11)


def _t(a, device, **kw):
    return pt.asarray(np.asarray(a), device=device, **kw)


# -- data ------------------------------------------------------------------------------------------------------------

def test_random_split_lengths_and_fractions(device):
    ds = data.TensorDataset(_t(np.arange(10, dtype=np.float32), device))
    pt.manual_seed(0)
    a, b = data.random_split(ds, [7, 3])
    assert (len(a), len(b)) == (7, 3)
    seen = sorted(int(a[i][0].item()) for i in range(7)) + sorted(int(b[i][0].item()) for i in range(3))
    assert sorted(seen) == list(range(10))
    pt.manual_seed(0)
    a2, _ = data.random_split(ds, [7, 3])
    assert list(a2.indices) == list(a.indices)
    g = pt.Generator().manual_seed(5) if hasattr(pt, "Generator") else pt.random.Generator(5)
    parts = data.random_split(ds, [0.5, 0.3, 0.2], generator=g)
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = data.random_split(data.TensorDataset(_t(np.arange(11), device)), [0.34, 0.33, 0.33])
    assert [len(p) for p in parts] == [4, 4, 3]  # 3 + 3 + 3 by floor, the two left over to the first splits
    with pytest.raises(ValueError, match="add up"):
        data.random_split(ds, [4, 4])


def test_subset_and_concat(device):
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    ds = data.TensorDataset(_t(x, device), _t(np.arange(12), device))
    sub = data.Subset(ds, [3, 1, 8])
    assert len(sub) == 3 and sub[1][1].item() == 1
    np.testing.assert_array_equal(sub[-1][0].numpy(), x[8])
    cat = data.ConcatDataset([sub, ds])
    assert len(cat) == 15 and cat.cumulative_sizes == [3, 15]
    assert cat[2][1].item() == 8 and cat[3][1].item() == 0 and cat[-1][1].item() == 11
    with pytest.raises(IndexError, match="out of range"):
        cat[15]
    xs, ys = next(iter(data.DataLoader(cat, batch_size=15)))
    assert xs.shape == (15, 2) and ys.numpy().tolist() == [3, 1, 8] + list(range(12))


@pytest.mark.parametrize("shuffle", [False, True])
def test_dataloader_over_nested_subsets_gathers_rows(device, shuffle, monkeypatch):
    x = RNG.standard_normal((20, 3)).astype(np.float32)
    y = np.arange(20)
    ds = data.TensorDataset(_t(x, device), _t(y, device))
    inner = data.Subset(ds, list(range(19, -1, -1)))      # reversed
    outer = data.Subset(inner, np.array([0, 2, 4, 6, 8, 10, 12]))  # rows 19, 17, ..., 7
    calls = []
    monkeypatch.setattr(data.Dataset, "__getitem__", lambda *a: calls.append(a))
    dl = data.DataLoader(outer, batch_size=3, shuffle=shuffle, seed=1)
    got = [(xb.numpy(), yb.numpy()) for xb, yb in dl]
    assert not calls and [len(b[1]) for b in got] == [3, 3, 1]
    rows = np.concatenate([b[1] for b in got])
    assert sorted(rows.tolist()) == [7, 9, 11, 13, 15, 17, 19]
    if not shuffle:
        assert rows.tolist() == [19, 17, 15, 13, 11, 9, 7]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in got]), x[rows])


def test_random_split_validation_loader(device):
    ds = data.TensorDataset(_t(RNG.standard_normal((50, 4)).astype(np.float32), device), _t(np.arange(50), device))
    train, val = data.random_split(ds, [0.8, 0.2])
    n = sum(len(yb) for _, yb in data.DataLoader(train, batch_size=16, shuffle=True, drop_last=True))
    assert n == 32
    ids = np.concatenate([yb.numpy() for _, yb in data.DataLoader(val, batch_size=4)])
    assert ids.tolist() == [int(i) for i in val.indices]
    from portatensor.utils.data import random_split  # noqa: F401  (PyTorch's module path)
