"""``from portatensor.utils.data import DataLoader, TensorDataset`` (PyTorch's path to ``portatensor.data``)."""

from __future__ import annotations

from ..data import *  # noqa: F403 - the same names under PyTorch's module path
from ..data import __all__ as __all__  # noqa: PLE0605
