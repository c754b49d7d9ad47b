"""The digits demo reaches the issue's accuracy bar."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_digits_mlp_reaches_96_percent(device):
    pytest.importorskip("sklearn")
    from portatensor.demo import train_digits_mlp

    r = train_digits_mlp(10, device=device, verbose=False)
    assert r["accuracy"] >= 0.96, r
    assert len(r["epoch_ms"]) == 10
