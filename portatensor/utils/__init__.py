"""PyTorch's ``torch.utils`` path: ``portatensor.utils.data`` is ``portatensor.data``."""

from __future__ import annotations

from . import data

__all__ = ["data"]
