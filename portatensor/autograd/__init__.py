"""Layer 6: tape-based autograd.

Importing this package wraps the array layer's generic paths (elementwise,
reduce, matmul) so that ops on tensors requiring grad are recorded, and gives
``Tensor`` its autograd attributes (requires_grad, grad, grad_fn, backward,
detach) and the PyTorch-style methods training code types without thinking.
"""

from __future__ import annotations

from . import engine, function, tensor_methods
from .engine import (
    Meta,
    Node,
    backward,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .function import Function, FunctionCtx
from .gradcheck import gradcheck

tensor_methods.install()

__all__ = [
    "Function", "FunctionCtx", "Meta", "Node", "backward", "enable_grad", "engine", "function", "grad",
    "gradcheck", "is_grad_enabled", "no_grad", "set_grad_enabled",
]
