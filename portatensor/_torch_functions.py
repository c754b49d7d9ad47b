"""PyTorch's spellings of namespace functions, so ``import portatensor as torch`` scripts run.

Two kinds of names:

- the standard's functions that PyTorch calls with other keywords or a
  positional dim (``torch.sum(x, dim=1)``, ``torch.max(x, 1)``,
  ``torch.stack(xs, dim=1)``, ``torch.triu(m, diagonal=1)``): ``_torch_names``
  wraps them so both call styles work; the Array API call is unchanged;
- PyTorch functions the standard has no name for (``torch.unsqueeze``,
  ``torch.softmax``, ``torch.clamp``, ...): each calls the Tensor method of the
  same name, so it records for backward exactly like the method.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import dtypes as _dt
from .autograd.engine import GRAD
from .tensor import Tensor

_REDUCTION_NAMES = {"dim": "axis", "keepdim": "keepdims"}


def _torch_names(fn: Callable[..., Any], positional: tuple[str, ...] = ("axis", "keepdims"),
                 renames: dict[str, str] | None = None) -> Callable[..., Any]:
    """fn(first, **kw) that also takes PyTorch's keyword names and its positional arguments after the first."""
    renames = _REDUCTION_NAMES if renames is None else renames

    @functools.wraps(fn)
    def wrapper(first: Any, /, *args: Any, **kwargs: Any) -> Any:
        for theirs, ours in renames.items():
            if theirs in kwargs:
                if ours in kwargs:
                    raise TypeError(f"{fn.__name__}: pass {theirs}= or {ours}=, not both")
                kwargs[ours] = kwargs.pop(theirs)
        if len(args) > len(positional):
            raise TypeError(f"{fn.__name__}() takes at most {len(positional) + 1} positional arguments")
        for name, value in zip(positional, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{fn.__name__}() got multiple values for argument {name!r}")
            kwargs[name] = value
        return fn(first, **kwargs)

    return wrapper


def _extremum(standard: Callable[..., Tensor], elementwise: Callable[..., Tensor]) -> Callable[..., Any]:
    name = standard.__name__

    @functools.wraps(standard)
    def fn(x: Tensor, /, *args: Any, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Tensor):  # torch.max(a, b): the elementwise maximum
            if len(args) > 1 or dim is not None or kwargs:
                raise TypeError(f"{name}(a, b) takes no further arguments")
            return elementwise(x, args[0])
        if args:
            if dim is not None or len(args) > 2:
                raise TypeError(f"{name}(x, dim, keepdim) got too many arguments")
            dim, keepdim = args[0], (args[1] if len(args) > 1 else keepdim)
        if dim is not None:  # PyTorch's (values, indices)
            return getattr(x, name)(dim, keepdim)
        return standard(x, **kwargs)

    return fn


def _squeeze(standard: Callable[..., Tensor]) -> Callable[..., Tensor]:
    @functools.wraps(standard)
    def squeeze(x: Tensor, /, *args: Any, **kwargs: Any) -> Tensor:
        dim = kwargs.pop("dim", args[0] if args else kwargs.pop("axis", None))
        if dim is None:  # PyTorch: every dimension of size 1
            dim = tuple(i for i, n in enumerate(x.shape) if n == 1)
        return standard(x, axis=dim)

    return squeeze


def _where(standard: Callable[..., Tensor]) -> Callable[..., Any]:
    @functools.wraps(standard)
    def where(condition: Tensor, /, *args: Any) -> Any:
        if not args:  # torch.where(cond): the indices of the true elements, one tensor per dimension
            from ._searching_functions import nonzero

            return nonzero(condition)
        return standard(condition, *args)

    return where


# -- PyTorch functions without a standard name: each is the Tensor method -------------------------------------------

def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """``torch.clamp(x, min, max)``."""
    return input.clamp(min, max)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.sigmoid(x)``."""
    return input.sigmoid()


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.relu(x)``."""
    return input.relu()


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.softmax(x, dim)``."""
    return (input if dtype is None else input.to(_dt.as_dtype(dtype))).softmax(dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.log_softmax(x, dim)``."""
    return (input if dtype is None else input.to(_dt.as_dtype(dtype))).log_softmax(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``torch.unsqueeze(x, dim)``."""
    return input.unsqueeze(dim)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``torch.transpose(x, dim0, dim1)``."""
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``torch.permute(x, dims)``."""
    return input.permute(dims)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``torch.split(x, size_or_sections, dim)``."""
    return tensor.split(split_size_or_sections, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``torch.chunk(x, chunks, dim)``."""
    return input.chunk(chunks, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``torch.unbind(x, dim)``."""
    return input.unbind(dim)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``torch.narrow(x, dim, start, length)``."""
    return input.narrow(dim, start, length)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """``torch.topk``: (values, indices)."""
    return input.topk(k, dim, largest, sorted)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """``torch.mm``."""
    return input.mm(mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """``torch.bmm``."""
    return input.bmm(mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """``torch.outer``: the outer product of two vectors."""
    return input.unsqueeze(1) * vec2.unsqueeze(0)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.norm``: the vector p-norm over dim."""
    return input.norm(p, dim, keepdim, dtype)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.cumsum(x, dim)``."""
    return input.cumsum(dim, dtype=dtype)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.cumprod(x, dim)``: differentiable, zeros included."""
    return input.cumprod(dim, dtype=dtype)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``torch.masked_fill``."""
    return input.masked_fill(mask, value)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """``torch.allclose``: whether |a - b| <= atol + rtol |b| everywhere."""
    return input.allclose(other, rtol, atol, equal_nan)


def numel(input: Tensor) -> int:  # noqa: A002
    """``torch.numel``."""
    return input.numel()


def is_tensor(obj: Any) -> bool:
    """``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """``torch.is_floating_point``."""
    return input.dtype.kind == "f"


def is_grad_enabled() -> bool:
    """``torch.is_grad_enabled``."""
    return GRAD.enabled


def get_default_dtype() -> _dt.DType:
    """``torch.get_default_dtype``: the default floating-point dtype (float32)."""
    return _dt.default_float


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """``torch.rand_like``: uniform numbers in [0, 1) with input's shape, dtype and device."""
    from .random import rand

    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """``torch.randn_like``: standard normal numbers with input's shape, dtype and device."""
    from .random import randn

    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def device(type: Any, index: int | None = None) -> Any:  # noqa: A002 - PyTorch's name
    """``torch.device("cuda")``, ``torch.device("cpu")``, ``torch.device("cuda", 1)``: the selected Device."""
    from .runtime.device import get_device

    return get_device(type if index is None else f"{type}:{index}")


__all__ = ["allclose", "bmm", "chunk", "clamp", "cumprod", "cumsum", "device", "get_default_dtype",
           "is_floating_point", "is_grad_enabled", "is_tensor", "log_softmax", "masked_fill", "mm", "narrow", "norm",
           "numel", "outer", "permute", "rand_like", "randn_like", "relu", "sigmoid", "softmax", "split", "topk",
           "transpose", "unbind", "unsqueeze"]
