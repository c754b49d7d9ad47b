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
import math
from collections.abc import Callable, Sequence
from typing import Any

from . import dtypes as _dt
from . import random as _random
from .autograd import function as F
from .autograd.engine import GRAD, set_grad_enabled
from .autograd.function import Function
from .ops import elementwise as _ew
from .ops.table import ELEMENTWISE
from .tensor import Tensor
from .views import contiguous_strides, normalize_axis

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


class Size(tuple):
    """``torch.Size``: a shape tuple (``x.size()`` returns one) with ``numel()``."""

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"portatensor.Size({list(self)})"


class Generator(_random.Generator):
    """``torch.Generator(device=None)``: a Philox generator of its own (``.manual_seed(s)`` returns it); the
    device is recorded only, since the same seed gives the same numbers on every device."""

    def __init__(self, device: Any = None) -> None:
        super().__init__()
        self.device = device


def set_default_dtype(d: Any) -> None:
    """``torch.set_default_dtype``: float32 or float64 becomes the dtype float creation defaults to
    (complex follows: complex64 or complex128)."""
    dt = _dt.as_dtype(d)
    if dt not in (_dt.float32, _dt.float64):
        raise TypeError(f"only float32 and float64 can be the default dtype, got {dt}")
    _dt.default_float = dt
    _dt.default_complex = _dt.complex64 if dt is _dt.float32 else _dt.complex128


class inference_mode(set_grad_enabled):  # noqa: N801 - PyTorch's name
    """``torch.inference_mode()``: no_grad (there is no separate inference tensor kind); ``mode=False`` changes
    nothing. A context manager and a decorator, with or without the call (``@inference_mode``)."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.prev = GRAD.enabled
        self.mode = False if mode else GRAD.enabled

    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        if self.mode is False:
            GRAD.enabled = False


def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """``torch.isclose``: equal, or a finite |input - other| <= atol + rtol * |other|, elementwise."""
    a = F.detach(input)
    b = F.detach(other) if isinstance(other, Tensor) else other
    tol = _ew.apply("add", _ew.apply("multiply", _ew.apply("abs", b), rtol), atol)
    err = _ew.apply("abs", _ew.apply("subtract", a, b))
    close = _ew.apply("logical_or", _ew.apply("equal", a, b), _ew.apply(
        "logical_and", _ew.apply("isfinite", err), _ew.apply("less_equal", err, tol)))
    if equal_nan:
        close = _ew.apply("logical_or", close, _ew.apply("logical_and", _ew.apply("isnan", a), _ew.apply("isnan", b)))
    return close


def erf(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.erf``: the error function (differentiable)."""
    return _ew.apply("erf", input)


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.erfc``: 1 - erf(x), accurate for large x (differentiable)."""
    return _ew.apply("erfc", input)


def erfinv(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.erfinv``: the inverse error function on (-1, 1), +-inf at +-1 (differentiable)."""
    return _ew.apply("erfinv", input)


# -- strided views: diagonal, unfold -----------------------------------------------------------------------------------
def _diagonal_view(x: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
    """The diagonal of x over dims (dim1, dim2) as a view, appended as the last dim (PyTorch's layout)."""
    st, sh = x.strides, x.shape
    n = max(0, min(sh[dim1], sh[dim2] - offset) if offset >= 0 else min(sh[dim1] + offset, sh[dim2]))
    start = x.offset + (offset * st[dim2] if offset >= 0 else -offset * st[dim1]) if n else x.offset
    keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    return Tensor(x._storage, tuple(sh[i] for i in keep) + (n,), tuple(st[i] for i in keep) + (st[dim1] + st[dim2],),
                  start, x.dtype, x.device)


def _unfold_view(x: Tensor, dim: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` every ``step`` along dim as a view: dim becomes the window count, size is appended."""
    st, sh = list(x.strides), list(x.shape)
    count = (sh[dim] - size) // step + 1
    s = st[dim]
    sh[dim], st[dim] = count, s * step
    return Tensor(x._storage, (*sh, size), (*st, s), x.offset, x.dtype, x.device)


class _Diagonal(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
        ctx.args, ctx.shape, ctx.dtype, ctx.device = (offset, dim1, dim2), x.shape, x.dtype, x.device
        return _diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        from .ops.creation import zeros

        z = zeros(ctx.shape, dtype=ctx.dtype, device=ctx.device)
        _ew.run_into(ELEMENTWISE["copy"], [g], _diagonal_view(z, *ctx.args))
        return z, None, None, None


class _DiagEmbed(Function):
    """(..., n) -> (..., n + |offset|, n + |offset|) with the last dim on diagonal ``offset``."""

    @staticmethod
    def forward(ctx: Any, v: Tensor, offset: int) -> Tensor:
        from .ops.creation import zeros

        ctx.offset = offset
        n = v.shape[-1] + abs(offset)
        m = zeros(v.shape[:-1] + (n, n), dtype=v.dtype, device=v.device)
        _ew.run_into(ELEMENTWISE["copy"], [v], _diagonal_view(m, offset, m.ndim - 2, m.ndim - 1))
        return m

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        return _ew.contiguous(_diagonal_view(g, ctx.offset, g.ndim - 2, g.ndim - 1)), None


class _Unfold(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, size: int, step: int) -> Tensor:
        ctx.args, ctx.shape, ctx.dtype, ctx.device = (dim, size, step), x.shape, x.dtype, x.device
        return _unfold_view(x, dim, size, step)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        from .ops.creation import zeros

        dim, size, step = ctx.args
        z = zeros(ctx.shape, dtype=ctx.dtype, device=ctx.device)
        if step >= size:  # windows do not overlap: one copy
            _ew.run_into(ELEMENTWISE["copy"], [g], _unfold_view(z, dim, size, step))
        else:  # overlapping windows: add window element k of every window, k = 0 .. size-1
            for k in range(size):
                view = _unfold_view(z, dim, size, step)[..., k]
                _ew.run_into(ELEMENTWISE["add"], [view, g[(Ellipsis, k)]], view)
        return z, None, None, None


def view_strides(shape: tuple[int, ...], strides: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...] | None:
    """Strides that show a tensor of (shape, strides) as ``new`` without a copy, or None (PyTorch's
    computeStride: each run of dims contiguous with one another may be split or merged, nothing across runs)."""
    if not shape or math.prod(shape) == 0:
        return contiguous_strides(new)
    out = [0] * len(new)
    k = len(new) - 1
    base, numel, vnumel = strides[-1], 1, 1
    for d in range(len(shape) - 1, -1, -1):
        numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != numel * base):
            while k >= 0 and (vnumel < numel or new[k] == 1):
                out[k] = vnumel * base
                vnumel *= new[k]
                k -= 1
            if vnumel != numel:
                return None
            if d > 0:
                base, numel, vnumel = strides[d - 1], 1, 1
    return tuple(out) if k == -1 else None


class _View(Function):
    """A no-copy view with new strides over the same elements in the same order (``Tensor.view``)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, shape: tuple[int, ...], strides: tuple[int, ...]) -> Tensor:
        ctx.shape = x.shape
        return Tensor(x._storage, shape, strides, x.offset, x.dtype, x.device)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        return F.reshape(g, ctx.shape), None, None


def strided_view(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """x shown as ``shape`` without a copy (x may be non-contiguous); RuntimeError when the strides forbid it."""
    shape = F._infer_shape(shape, x.size)
    st = view_strides(x.shape, x.strides, shape)
    if st is None:
        raise RuntimeError(f"view size is not compatible with the input's shape {x.shape} and strides {x.strides} "
                           f"(at least one dimension spans across two contiguous subspaces); use reshape() instead")
    return _View.apply(x, shape, st)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``torch.diagonal``: the diagonal over (dim1, dim2) as a view, as the last dim (differentiable)."""
    d1, d2 = normalize_axis(dim1, input.ndim), normalize_axis(dim2, input.ndim)
    if d1 == d2:
        raise ValueError(f"diagonal dimensions cannot be identical: {dim1}, {dim2}")
    return _Diagonal.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """``torch.diag``: a 1-d tensor becomes a square matrix with it on diagonal ``diagonal``; a 2-d tensor gives
    that diagonal (both differentiable)."""
    if input.ndim == 2:
        return _Diagonal.apply(input, int(diagonal), 0, 1)
    if input.ndim != 1:
        raise ValueError(f"diag expects a 1-d or 2-d tensor, got shape {input.shape}")
    return _DiagEmbed.apply(input, int(diagonal))


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.trace``: the sum of a matrix's main diagonal (differentiable)."""
    if input.ndim != 2:
        raise ValueError(f"trace expects a 2-d tensor, got shape {input.shape}")
    return F.reduce("sum", diagonal(input), None)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``Tensor.unfold``: every ``size``-long window, ``step`` apart, along dimension, as a strided view."""
    d = normalize_axis(dimension, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if size < 0 or size > n or step <= 0:
        raise ValueError(f"unfold: size {size} (at most {n}) and step {step} (positive) for dimension {dimension} "
                         f"of shape {input.shape}")
    return _Unfold.apply(input, d, int(size), int(step))



# -- einsum ------------------------------------------------------------------------------------------------------------
def _parse_term(term: str, ndim: int | None, n_ell: int, where: str) -> list[str]:
    """The labels of one einsum term; the dims an ellipsis stands for get labels '.0', '.1', ... (right-aligned)."""
    head, dots, tail = term.partition("...")
    if "." in head + tail or not (head + tail).isalpha() and head + tail:
        raise ValueError(f"einsum: invalid subscripts {term!r} in {where}")
    if not dots:
        if ndim is not None and len(term) != ndim:
            raise ValueError(f"einsum: {where} has {len(term)} subscripts for a {ndim}-d operand")
        return list(term)
    e = n_ell if ndim is None else ndim - len(head) - len(tail)
    if e < 0:
        raise ValueError(f"einsum: {where} has more subscripts than the operand's {ndim} dims")
    return [*head, *(f".{j}" for j in range(n_ell - e, n_ell)), *tail]


def _sum_labels(x: Tensor, labels: list[str], needed: set[str]) -> tuple[Tensor, list[str]]:
    """Take the diagonal of repeated labels, then sum the labels nobody needs any more."""
    while len(set(labels)) < len(labels):
        lab = next(lab for lab in labels if labels.count(lab) > 1)
        i = labels.index(lab)
        j = labels.index(lab, i + 1)
        x = _Diagonal.apply(x, 0, i, j)
        labels = [lb for k, lb in enumerate(labels) if k not in (i, j)] + [lab]
    gone = tuple(k for k, lab in enumerate(labels) if lab not in needed)
    if gone:
        x = F.reduce("sum", x, gone)
        labels = [lab for lab in labels if lab not in set(labels[k] for k in gone)]
    return x, labels


def _contract(x: Tensor, lx: list[str], y: Tensor, ly: list[str], keep: set[str],
              size: dict[str, int]) -> tuple[Tensor, list[str]]:
    """x and y multiplied and summed over their shared labels not in ``keep``, as one (batched) matmul."""
    batch = [lab for lab in lx if lab in ly and lab in keep]
    inner = [lab for lab in lx if lab in ly and lab not in keep]
    xo = [lab for lab in lx if lab not in ly]
    yo = [lab for lab in ly if lab not in lx]

    def arrange(t: Tensor, lt: list[str], order: list[str], groups: tuple[list[str], list[str]]) -> Tensor:
        t = F.permute(t, [lt.index(lab) for lab in order])
        full = tuple(size[lab] for lab in order)
        if t.shape != full:
            t = F.expand(t, full)
        shape = tuple(size[lab] for lab in batch) + tuple(math.prod(size[lab] for lab in g) for g in groups)
        return t if t.shape == shape else F.reshape(t, shape)

    a = arrange(x, lx, batch + xo + inner, (xo, inner))
    b = arrange(y, ly, batch + inner + yo, (inner, yo))
    out = F.matmul(a, b)
    shape = tuple(size[lab] for lab in batch + xo + yo)
    return (out if out.shape == shape else F.reshape(out, shape)), batch + xo + yo


def einsum(equation: str, *operands: Any) -> Tensor:
    """``torch.einsum``: Einstein summation, differentiable (diagonals, sums, permutes and batched matmuls).

    Implicit (``"ij,jk"``) and explicit (``"ij,jk->ik"``) outputs, ``...`` broadcasting, repeated subscripts
    (traces and diagonals: ``"ii->i"``, ``"ii"``); the operands are folded pairwise from the left.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {equation!r} has {len(terms)} operand terms but {len(operands)} operands were given")
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operands must be tensors, got {type(t).__name__}")
    n_ell = max([t.ndim - len(term.replace("...", "")) for term, t in zip(terms, operands, strict=True)
                 if "..." in term] or [0])
    labels = [_parse_term(term, t.ndim, n_ell, f"operand {k}")
              for k, (term, t) in enumerate(zip(terms, operands, strict=True))]
    size: dict[str, int] = {}
    for k, (ls, t) in enumerate(zip(labels, operands, strict=True)):
        for lab, n in zip(ls, t.shape, strict=True):
            if size.get(lab, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: subscript {lab!r} has size {n} in operand {k} but {size[lab]} before")
            size[lab] = max(size.get(lab, 1), n) if n != 1 or lab not in size else size[lab]
    if arrow:
        out = _parse_term(rhs, None, n_ell, "the output")
        if len(set(out)) != len(out) or any(lab not in size for lab in out):
            raise ValueError(f"einsum: output subscripts {rhs!r} repeat or do not appear in the inputs")
    else:
        flat = [lab for ls in labels for lab in ls]
        out = [f".{j}" for j in range(n_ell)] + sorted(lab for lab in set(flat)
                                                       if flat.count(lab) == 1 and not lab.startswith("."))
    cur, lc = None, []
    for k, (t, lt) in enumerate(zip(operands, labels, strict=True)):
        later = set(out).union(*labels[k + 1:])
        t, lt = _sum_labels(t, lt, later | set(lc))
        if cur is None:
            cur, lc = t, lt
            continue
        cur, lc = _sum_labels(cur, lc, later | set(lt))
        cur, lc = _contract(cur, lc, t, lt, later, size)
    cur, lc = _sum_labels(cur, lc, set(out))
    full = tuple(size[lab] for lab in out)
    cur = F.permute(cur, [lc.index(lab) for lab in out]) if lc != out else cur
    return cur if cur.shape == full else F.expand(cur, full)


# -- random draws ----------------------------------------------------------------------------------------------------
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Any = None) -> Tensor:
    """``torch.multinomial``: category indices drawn with the (unnormalised) weights of each row, on the device.

    With replacement: inverse CDF (count of cumulative weights at or below u * total); without: the Gumbel
    top-k trick (the ``num_samples`` largest log(w) + Gumbel noise), which draws like successive sampling.
    """
    from .random import rand

    if input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise ValueError(f"multinomial expects a 1-d or 2-d float tensor of weights, got {input.dtype} "
                         f"of shape {input.shape}")
    w = F.detach(input)
    rows = w if w.ndim == 2 else F.reshape(w, (1, w.shape[0]))
    r, n = rows.shape
    if num_samples <= 0 or (not replacement and num_samples > n):
        raise ValueError(f"multinomial: cannot draw {num_samples} samples from {n} categories "
                         f"{'with' if replacement else 'without'} replacement")
    u = rand((r, num_samples), dtype=w.dtype, device=w.device, generator=generator)
    if replacement:
        cdf = rows.cumsum(1)
        v = _ew.apply("multiply", u, cdf[:, n - 1:n])
        below = _ew.apply("less_equal", F.reshape(cdf, (r, 1, n)), F.reshape(v, (r, num_samples, 1)))
        idx = _ew.apply("minimum", F.reduce("sum", _ew.astype(below, _dt.int64), 2), n - 1)
    else:
        noise = rand((r, n), dtype=w.dtype, device=w.device, generator=generator)
        keys = _ew.apply("subtract", _ew.apply("log", rows), _ew.apply("log", _ew.apply("negative", _ew.apply(
            "log", noise))))
        idx = keys.topk(num_samples, 1)[1]
    return idx if w.ndim == 2 else F.reshape(idx, (num_samples,))


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """``torch.bernoulli``: 1 with probability input (or p), else 0, in input's dtype."""
    return input.bernoulli(p, generator=generator)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,  # noqa: A002
                 device: Any = None, requires_grad: bool = False) -> Tensor:
    """``torch.randint_like(x, high)`` / ``(x, low, high)``: integers in [low, high) shaped like x, x's dtype."""
    from .random import randint

    if high is None:
        low, high = 0, low
    dt = _dt.as_dtype(dtype) if dtype is not None else input.dtype
    t = randint(low, high, input.shape, dtype=_dt.int64, device=device or input.device)
    t = t if dt is _dt.int64 else _ew.astype(t, dt)
    return t.requires_grad_() if requires_grad else t


def _random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Tensor:
    """``Tensor.random_``: fill in place with integers in [from, to) (to defaults to the dtype's exact range)."""
    from .random import randint

    if to is None:
        from_, to = (0, from_) if from_ else (0, None)
    if to is None:
        k = self.dtype.kind
        to = 2 ** {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}.get(self.dtype.name, 0) if k == "f" \
            else 2 if k == "b" else 2 ** (self.dtype.bits - (1 if k == "i" else 0))
        to = min(to, 2**63 - 1)
    r = randint(from_, to, self.shape, dtype=_dt.int64, device=self.device, generator=generator)
    return self.copy_(r if self.dtype is _dt.int64 else _ew.astype(r, self.dtype))


def _bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """``Tensor.bernoulli_``: fill in place with 1 with probability p (a number or a tensor), else 0."""
    from .random import rand

    u = rand(self.shape, dtype=self.dtype if self.dtype.kind == "f" else None, device=self.device,
             generator=generator)
    return self.copy_(_ew.astype(_ew.apply("less", u, F.detach(p) if isinstance(p, Tensor) else p), self.dtype))


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``torch.index_fill``: a copy with the slices at ``index`` along dim set to value (differentiable in input)."""
    from .autograd.indexing import where
    from .ops.creation import zeros

    d = normalize_axis(dim, input.ndim) if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    idx = F.detach(index) if isinstance(index, Tensor) else Tensor.from_numpy(_np_index(index), _dt.int64,
                                                                                 input.device)
    hit = zeros((n,), dtype=_dt.int32, device=input.device)
    hit[F.reshape(idx, (-1,))] = 1
    shape = tuple(n if i == d else 1 for i in range(input.ndim))
    return where(F.reshape(_ew.astype(hit, _dt.bool_), shape), value, input)


def _np_index(index: Any) -> Any:
    import numpy as np

    return np.asarray(index, dtype=np.int64).reshape(-1)


def _index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``Tensor.index_fill_``: in place."""
    from .autograd.torch_methods import _assign

    return _assign(self, index_fill(self, dim, index, value))


# -- thin PyTorch spellings over existing differentiable ops ---------------------------------------------------------
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """``torch.addmm``: beta * input + alpha * (mat1 @ mat2)."""
    return _scaled(input, beta) + _scaled(F.matmul(mat1, mat2), alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,  # noqa: A002
            alpha: float = 1) -> Tensor:
    """``torch.baddbmm``: beta * input + alpha * (batch1 @ batch2), batched."""
    return _scaled(input, beta) + _scaled(F.matmul(batch1, batch2), alpha)


def _scaled(t: Tensor, c: float) -> Tensor:
    return t if c == 1 else t * c


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``torch.dot``: the inner product of two 1-d tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise ValueError(f"dot expects two 1-d tensors, got shapes {input.shape} and {other.shape}")
    return F.matmul(input, other)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """``torch.mv``: matrix @ vector."""
    if input.ndim != 2 or vec.ndim != 1:
        raise ValueError(f"mv expects a matrix and a vector, got shapes {input.shape} and {vec.shape}")
    return F.matmul(input, vec)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """``torch.lerp``: input + weight * (end - input)."""
    return input.lerp(end, weight)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    """``torch.clone``."""
    return input.clone()


def rsqrt(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.rsqrt``: 1 / sqrt(x)."""
    return input.rsqrt()


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``torch.clamp_min``."""
    return input.clamp(min, None)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``torch.clamp_max``."""
    return input.clamp(None, max)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None) -> Tensor:
    """``torch.nan_to_num``: NaN, +inf and -inf replaced (by 0 and the dtype's largest/lowest finite values)."""
    from .autograd.indexing import where

    if input.dtype.kind != "f":
        return input.clone()
    from ._data_type_functions import finfo

    big = float(finfo(input.dtype).max)
    x = where(F.detach(_ew.apply("isnan", input)), nan, input)
    x = where(F.detach(_ew.apply("equal", input, math.inf)), big if posinf is None else posinf, x)
    return where(F.detach(_ew.apply("equal", input, -math.inf)), -big if neginf is None else neginf, x)


def repeat_interleave(input: Tensor, repeats: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """``torch.repeat_interleave``."""
    return input.repeat_interleave(repeats, dim)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.amax``: the maximum over dim (all dims by default)."""
    return input.amax(dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.amin``: the minimum over dim (all dims by default)."""
    return input.amin(dim, keepdim)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """``torch.swapaxes``/``swapdims``: transpose two dims."""
    return F.transpose(input, axis0, axis1)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """``torch.movedim``."""
    return input.movedim(source, destination)


def t(input: Tensor) -> Tensor:  # noqa: A002
    """``torch.t``: transpose a matrix (a vector unchanged)."""
    return input if input.ndim < 2 else F.transpose(input, 0, 1)


def _at_least(t: Tensor, n: int) -> Tensor:
    """t with leading 1s up to n dims (atleast_1d/atleast_2d)."""
    return t if t.ndim >= n else F.reshape(t, (1,) * (n - t.ndim) + t.shape)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """``torch.hstack``: concatenate along dim 1 (dim 0 for 1-d tensors)."""
    ts = [_at_least(x, 1) for x in tensors]
    return F.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """``torch.vstack``: concatenate along dim 0, 1-d tensors as rows."""
    return F.cat([_at_least(x, 2) for x in tensors], 0)


def dropout(input: Tensor, p: float = 0.5, train: bool = True) -> Tensor:  # noqa: A002
    """``torch.dropout``."""
    from .nn.functional import dropout as _dropout

    return _dropout(input, p, train)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """``torch.unflatten``: split dim into ``sizes`` (one may be -1)."""
    d = normalize_axis(dim, input.ndim)
    return F.reshape(input, (*input.shape[:d], *sizes, *input.shape[d + 1:]))


def isin(elements: Any, test_elements: Any, *, invert: bool = False) -> Tensor:
    """``torch.isin``: whether each element occurs in test_elements."""
    e = elements if isinstance(elements, Tensor) else _ew_asarray(elements)
    t = test_elements if isinstance(test_elements, Tensor) else _ew_asarray(test_elements, e.device)
    flat = F.reshape(F.detach(t), (1,) * e.ndim + (-1,))
    hit = F.reduce("any", _ew.apply("equal", F.reshape(F.detach(e), (*e.shape, 1)), flat), -1)
    return _ew.apply("logical_not", hit) if invert else hit


def _ew_asarray(x: Any, device: Any = None) -> Tensor:
    from .ops.creation import asarray

    return asarray(x, device=device)


# -- distances, order statistics, NaN-aware reductions, creation and products ---------------------------------
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``torch.cosine_similarity`` (``nn.functional.cosine_similarity``)."""
    from .nn.functional import cosine_similarity as _cos

    return _cos(x1, x2, dim, eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``torch.pairwise_distance`` (``nn.functional.pairwise_distance``)."""
    from .nn.functional import pairwise_distance as _pd

    return _pd(x1, x2, p, eps, keepdim)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """``torch.cdist``: p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M) -> (..., P, R).

    p = 2 goes through one matmul where compute_mode says so, as in PyTorch (always with
    "use_mm_for_euclid_dist", with the default only when P or R exceeds 25): sqrt(|a|^2 + |b|^2 - 2 a.b), the
    square clamped below at the dtype's tiny (equal rows give 0 and a zero gradient, like PyTorch; cancellation
    leaves about sqrt(eps) |a| there); else directly from the differences, clamped the same way. Other p (1,
    inf, any p > 0) reduce |a - b| over M.
    """
    from ._data_type_functions import finfo
    from .autograd.tensor_methods import _clamp

    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist expects (..., P, M) and (..., R, M) tensors, got shapes {x1.shape} and {x2.shape}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(_CDIST_MODES)}, got {compute_mode!r}")
    large = x1.shape[-2] > 25 or x2.shape[-2] > 25
    if p == 2:
        if compute_mode == "use_mm_for_euclid_dist" or (large and compute_mode == _CDIST_MODES[0]):
            sq1 = (x1 * x1).sum(dim=-1, keepdim=True)
            sq2 = F.transpose((x2 * x2).sum(dim=-1, keepdim=True), -1, -2)
            d2 = sq1 + sq2 - F.matmul(x1, F.transpose(x2, -1, -2)) * 2.0
        else:
            diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
            d2 = (diff * diff).sum(dim=-1)
        return F._ewr("sqrt", _clamp(d2, float(finfo(d2.dtype).smallest_normal), None))
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return diff.norm(p, -1)


def _order_stat(input: Tensor, k: Any, dim: int, keepdim: bool) -> Any:  # noqa: A002
    """(values, indices) of the element of rank k (0-based; a tensor or int) along dim, by a sort on the device."""
    from .autograd.indexing import gather
    from .autograd.tensor_methods import MinMax
    from .ops.sort import argsort

    d = normalize_axis(dim, input.ndim) if input.ndim else 0
    x = input if input.ndim else F.reshape(input, (1,))
    order = argsort(F.detach(x), axis=d)
    idx = order[(slice(None),) * d + (slice(k, k + 1),)]
    vals = gather(x, d, idx)
    if not keepdim or not input.ndim:
        shape = tuple(n for i, n in enumerate(x.shape) if i != d) if input.ndim else ()
        vals, idx = F.reshape(vals, shape), F.reshape(idx, shape)
    return MinMax(vals, idx)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``torch.median``: the lower median of all elements, or (values, indices) along dim (differentiable)."""
    if dim is None:
        flat = F.reshape(input, (input.size,))
        return _order_stat(flat, (input.size - 1) // 2, 0, False)[0]
    n = input.shape[normalize_axis(dim, input.ndim)] if input.ndim else 1
    return _order_stat(input, (n - 1) // 2, dim, keepdim)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:  # noqa: A002
    """``torch.kthvalue``: (values, indices) of the k-th smallest element (1-based) along dim."""
    n = input.shape[normalize_axis(dim, input.ndim)] if input.ndim else 1
    if not 1 <= k <= n:
        raise ValueError(f"kthvalue: k={k} is out of range for a dimension of size {n}")
    return _order_stat(input, k - 1, dim, keepdim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:  # noqa: A002
    """``torch.mode``: (values, indices) of the most frequent value along dim (the smallest among equally frequent
    ones; the index is its last occurrence). Counts compare every pair along dim, O(n^2) work per row."""
    from .autograd.indexing import RAW_WHERE, gather
    from .autograd.tensor_methods import MinMax
    from .ops.creation import arange
    from .ops.sort import sort

    x = input if input.ndim else F.reshape(input, (1,))
    d = normalize_axis(dim, x.ndim)
    a = F.detach(x).movedim(d, -1)
    s = sort(a, axis=-1)
    counts = F.reduce("sum", _ew.astype(_ew.apply("equal", s.unsqueeze(-1), a.unsqueeze(-2)), _dt.int64), -1)
    best = counts.argmax(-1, True)
    value = gather(s, -1, best)
    pos = arange(a.shape[-1], dtype=_dt.int64, device=x.device)
    last = F.reduce("max", RAW_WHERE(_ew.apply("equal", a, value), pos, -1), -1, True)
    idx = last.movedim(-1, d)
    vals = gather(x, d, idx)
    if not keepdim or not input.ndim:
        shape = tuple(n for i, n in enumerate(x.shape) if i != d) if input.ndim else ()
        vals, idx = F.reshape(vals, shape), F.reshape(idx, shape)
    return MinMax(vals, idx)


def _quantile(input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str,  # noqa: A002
              ignore_nan: bool) -> Tensor:
    """quantile/nanquantile: sort along dim (NaN last), then gather the two ranks around q (n - 1) and mix."""
    from .autograd.indexing import gather, where
    from .ops.creation import asarray

    modes = ("linear", "lower", "higher", "nearest", "midpoint")
    if interpolation not in modes:
        raise ValueError(f"quantile: interpolation must be one of {modes}, got {interpolation!r}")
    if input.dtype.kind != "f":
        raise TypeError(f"quantile expects a float tensor, got {input.dtype.name}")
    scalar_q = not isinstance(q, Tensor) and not isinstance(q, (list, tuple))
    qt = F.detach(q) if isinstance(q, Tensor) else asarray(q, dtype=input.dtype, device=input.device)
    if qt.ndim > 1:
        raise ValueError(f"quantile: q must be a number or a 0-d/1-d tensor, got shape {qt.shape}")
    qv = F.reshape(_ew.astype(qt, input.dtype), (qt.size,))
    if not bool(F.reduce("all", _ew.apply("logical_and", _ew.apply("greater_equal", qv, 0),
                                          _ew.apply("less_equal", qv, 1))).item()):
        raise ValueError("quantile: q values must lie in [0, 1]")
    x = F.reshape(input, (input.size,)) if dim is None else input
    d = x.ndim - 1 if dim is None else normalize_axis(dim, x.ndim)
    xs = x.movedim(d, -1).sort(-1)[0]
    n = xs.shape[-1]
    nan = _ew.apply("isnan", F.detach(xs))
    valid = F.reduce("sum", _ew.astype(_ew.apply("logical_not", nan), input.dtype), -1, True)
    last = _ew.apply("subtract", valid, 1) if ignore_nan else float(n - 1)
    lead = (1,) * (xs.ndim)
    pos = _ew.apply("multiply", F.reshape(qv, (qv.size,) + lead), last)           # (Q, ..., 1)
    pos = _ew.contiguous(F.expand(_ew.apply("maximum", pos, 0), (qv.size,) + xs.shape[:-1] + (1,)))
    lo = _ew.apply("floor", pos)
    hi = _ew.apply("ceil", pos)
    if interpolation == "nearest":
        lo = hi = _ew.apply("round", pos)
    big = F.expand(xs, (qv.size,) + xs.shape)
    vlo = gather(big, -1, _ew.astype(lo, _dt.int64))
    vhi = gather(big, -1, _ew.astype(hi, _dt.int64))
    if interpolation in ("lower", "nearest"):
        out = vlo
    elif interpolation == "higher":
        out = vhi
    elif interpolation == "midpoint":
        out = (vlo + vhi) * 0.5
    else:
        out = vlo + (vhi - vlo) * _ew.apply("subtract", pos, lo)
    bad = _ew.apply("equal", valid, 0) if ignore_nan else F.reduce("any", nan, -1, True)
    out = where(F.expand(bad, out.shape), math.nan, out)
    out = F.reshape(out, out.shape[:-1])                                            # (Q, ...)
    if keepdim:
        out = out.unsqueeze(d + 1) if dim is not None else F.reshape(out, (qv.size,) + (1,) * input.ndim)
    return F.reshape(out, out.shape[1:]) if scalar_q or qt.ndim == 0 else out


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """``torch.quantile``: the q-th quantiles along dim (all elements when None); a row with NaN gives NaN. A 1-d q
    puts its dim first. Differentiable (through the sort's gather)."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
                interpolation: str = "linear") -> Tensor:
    """``torch.nanquantile``: quantile ignoring NaN (an all-NaN row gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.nansum``: the sum with NaN counted as zero (differentiable; NaN positions get no gradient)."""
    from .autograd.indexing import where

    x = where(F.detach(_ew.apply("isnan", input)), 0, input) if input.dtype.kind == "f" else input
    return F.reduce("sum", x, dim, keepdim, None if dtype is None else _dt.as_dtype(dtype))


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.nanmean``: the mean of the non-NaN elements (NaN where there are none)."""
    x = input if dtype is None else input.to(_dt.as_dtype(dtype))
    count = F.reduce("sum", _ew.astype(_ew.apply("logical_not", _ew.apply("isnan", F.detach(x))), x.dtype), dim,
                     keepdim)
    return nansum(x, dim, keepdim) / count


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """``torch.bincount``: counts (or summed weights) of each value of a 1-d non-negative integer tensor."""
    from .autograd.indexing import index_add_dense
    from .ops.creation import ones, zeros

    if input.ndim != 1 or input.dtype.kind not in "iu":
        raise ValueError(f"bincount expects a 1-d integer tensor, got {input.dtype.name} of shape {input.shape}")
    if input.size and int(F.reduce("min", input).item()) < 0:
        raise ValueError("bincount: the input must be non-negative")
    n = max(int(minlength), int(F.reduce("max", input).item()) + 1 if input.size else 0)
    if weights is not None and weights.shape != input.shape:
        raise ValueError(f"bincount: weights of shape {weights.shape} do not match the input of shape {input.shape}")
    vals = F.detach(weights) if weights is not None else ones(input.shape, dtype=_dt.int64, device=input.device)
    if not input.size:
        return zeros((n,), dtype=vals.dtype, device=input.device)
    return index_add_dense(_ew.contiguous(vals), (F.detach(input),), (n,), False)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """``torch.bucketize``: the bucket of each value in the ascending 1-d boundaries (``right=False``: b[i-1] < x
    <= b[i], searchsorted's side='left'; ``right=True``: b[i-1] <= x < b[i])."""
    from ._searching_functions import searchsorted

    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-d, got shape {boundaries.shape}")
    idx = searchsorted(F.detach(boundaries), F.detach(input) if isinstance(input, Tensor) else input,
                       side="right" if right else "left")
    want = _dt.int32 if out_int32 else _dt.int64
    return idx if idx.dtype is want else _ew.astype(idx, want)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``torch.tensor_split``: n near-equal parts (the first n % k one longer), or splits at the given indices."""
    d = normalize_axis(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"tensor_split: the number of sections must be positive, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        bounds = [sum(sizes[:i]) for i in range(k + 1)]
    else:
        bounds = [0, *(min(max(int(i) + (n if int(i) < 0 else 0), 0), n) for i in indices_or_sections), n]
    lead = (slice(None),) * d
    return tuple(F.getitem(input, lead + (slice(a, max(a, b)),)) for a, b in zip(bounds, bounds[1:], strict=False))


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``torch.logspace``: base ** linspace(start, end, steps), computed on the device."""
    from .ops.creation import full, linspace

    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.default_float
    exps = linspace(float(start), float(end), steps, dtype=dt if dt.kind == "f" else _dt.float64, device=device)
    out = _ew.apply("pow", full(exps.shape, float(base), dtype=exps.dtype, device=exps.device), exps)
    out = out if out.dtype is dt else _ew.astype(out, dt)
    return out.requires_grad_() if requires_grad else out


def _moments(std_: bool) -> Callable[..., Any]:
    def fn(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,  # noqa: A002
           correction: Any = None) -> tuple[Tensor, Tensor]:
        if isinstance(dim, bool):  # torch.var_mean(x, unbiased)
            dim, unbiased = None, dim
        spread = (input.std if std_ else input.var)(dim, unbiased, keepdim, correction=correction)
        return spread, F.reduce("mean", input, dim, keepdim)

    fn.__name__ = "std_mean" if std_ else "var_mean"
    fn.__doc__ = (f"``torch.{fn.__name__}(x, dim=None, unbiased=None, keepdim=False, *, correction=1)``: "
                  f"({'std' if std_ else 'var'}, mean); divides by N - 1 by default like PyTorch (the Array API's "
                  "pt.var/pt.std default to correction=0).")
    return fn


std_mean = _moments(True)
var_mean = _moments(False)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """``torch.rot90``: rotate by 90 degrees k times in the plane dims, from dims[0] towards dims[1]."""
    if len(dims) != 2 or input.ndim < 2:
        raise ValueError(f"rot90 expects two dims of a tensor with at least 2 dims, got {dims} for {input.shape}")
    d0, d1 = normalize_axis(dims[0], input.ndim), normalize_axis(dims[1], input.ndim)
    if d0 == d1:
        raise ValueError(f"rot90: the dims must differ, got {dims}")
    k %= 4
    if k == 0:
        return input.clone()
    if k == 2:
        return input.flip(d0, d1)
    return F.transpose(input.flip(d1 if k == 1 else d0), d0, d1)


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """``torch.normal``: mean + std * N(0, 1) draws on the device; mean and std are tensors (broadcast) or numbers
    (then size gives the shape). Differentiable in tensor mean and std (the reparameterisation)."""
    from .random import randn
    from .views import broadcast_shapes

    shapes = [t.shape for t in (mean, std) if isinstance(t, Tensor)]
    if size is not None:
        shape = tuple(size)
    elif shapes:
        shape = broadcast_shapes(*shapes)
    else:
        raise TypeError("normal: give size= when mean and std are both numbers")
    like = next((t for t in (mean, std) if isinstance(t, Tensor)), None)
    dt = _dt.as_dtype(dtype) if dtype is not None else like.dtype if like is not None else _dt.default_float
    dev = device if device is not None else like.device if like is not None else None
    eps = randn(shape, dtype=dt, device=dev, generator=generator)
    out = eps * std + mean if isinstance(std, Tensor) or isinstance(mean, Tensor) else \
        _ew.apply("add", _ew.apply("multiply", eps, float(std)), float(mean))
    return out.requires_grad_() if requires_grad else out


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``torch.kron``: the Kronecker product (dims aligned from the right; differentiable)."""
    nd = max(input.ndim, other.ndim)
    a = F.reshape(input, (1,) * (nd - input.ndim) + input.shape)
    b = F.reshape(other, (1,) * (nd - other.ndim) + other.shape)
    ai = F.reshape(a, tuple(v for n in a.shape for v in (n, 1)))
    bi = F.reshape(b, tuple(v for n in b.shape for v in (1, n)))
    return F.reshape(ai * bi, tuple(m * n for m, n in zip(a.shape, b.shape, strict=True)))


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """``torch.cross``: the 3-vector cross product along dim (by default the first dim of size 3, as torch.cross
    does; ``linalg.cross`` uses -1); the operands broadcast. Differentiable."""
    from .views import broadcast_shapes

    shape = broadcast_shapes(input.shape, other.shape)
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dimension of size 3 in shape {shape}")
    d = normalize_axis(dim, len(shape))
    if shape[d] != 3:
        raise ValueError(f"cross: dimension {d} has size {shape[d]}, expected 3")
    a, b = F.expand(input, shape), F.expand(other, shape)
    lead = (slice(None),) * d
    ac = [F.getitem(a, lead + (slice(i, i + 1),)) for i in range(3)]
    bc = [F.getitem(b, lead + (slice(i, i + 1),)) for i in range(3)]
    return F.cat([ac[1] * bc[2] - ac[2] * bc[1], ac[2] * bc[0] - ac[0] * bc[2], ac[0] * bc[1] - ac[1] * bc[0]], d)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """``torch.cartesian_prod``: every combination of the 1-d tensors' elements, one row each (first varies
    slowest); a single tensor is returned as it is."""
    if any(t.ndim != 1 for t in tensors):
        raise ValueError(f"cartesian_prod expects 1-d tensors, got shapes {[t.shape for t in tensors]}")
    if len(tensors) == 1:
        return tensors[0]
    shape = tuple(t.shape[0] for t in tensors)
    cols = []
    for i, t in enumerate(tensors):
        v = F.reshape(t, tuple(n if j == i else 1 for j, n in enumerate(shape)))
        cols.append(F.reshape(F.expand(v, shape), (math.prod(shape), 1)))
    return F.cat(cols, 1)


def block_diag(*tensors: Tensor) -> Tensor:
    """``torch.block_diag``: the tensors (0-d as 1x1, 1-d as a row) on the diagonal of a zero matrix."""
    from .nn.functional import pad

    mats = [F.reshape(t, (1, 1)) if t.ndim == 0 else F.reshape(t, (1, t.shape[0])) if t.ndim == 1 else t
            for t in tensors]
    if any(m.ndim != 2 for m in mats):
        raise ValueError(f"block_diag expects tensors of at most 2 dims, got shapes {[t.shape for t in tensors]}")
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        rows.append(pad(m, (left, width - left - m.shape[1])))
        left += m.shape[1]
    return F.cat(rows, 0)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """``torch.diag_embed``: the last dim of input on diagonal ``offset`` of the (dim1, dim2) planes of a new
    tensor with one more dim (differentiable)."""
    out = _DiagEmbed.apply(input, int(offset))
    d1, d2 = normalize_axis(dim1, out.ndim), normalize_axis(dim2, out.ndim)
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    return out if (d1, d2) == (out.ndim - 2, out.ndim - 1) else out.movedim((out.ndim - 2, out.ndim - 1), (d1, d2))


def install_methods() -> None:
    """Give Tensor the methods of this module's functions (``x.diag()``, ``x.unfold(...)``, ``x.erf()``...)."""
    T = Tensor
    T.diag = diag  # type: ignore[attr-defined]
    T.diagonal = diagonal  # type: ignore[attr-defined]
    T.trace = trace  # type: ignore[attr-defined]
    T.unfold = unfold  # type: ignore[attr-defined]
    T.erf = erf  # type: ignore[attr-defined]
    T.erfc = erfc  # type: ignore[attr-defined]
    T.erfinv = erfinv  # type: ignore[attr-defined]
    T.isclose = isclose  # type: ignore[attr-defined]
    T.multinomial = multinomial  # type: ignore[attr-defined]
    T.index_fill = index_fill  # type: ignore[attr-defined]
    T.index_fill_ = _index_fill_  # type: ignore[attr-defined]
    T.random_ = _random_  # type: ignore[attr-defined]
    T.bernoulli_ = _bernoulli_  # type: ignore[attr-defined]
    T.addmm = addmm  # type: ignore[attr-defined]
    T.baddbmm = baddbmm  # type: ignore[attr-defined]
    T.dot = dot  # type: ignore[attr-defined]
    T.mv = mv  # type: ignore[attr-defined]
    T.outer = outer  # type: ignore[attr-defined]
    T.nan_to_num = nan_to_num  # type: ignore[attr-defined]
    T.unflatten = unflatten  # type: ignore[attr-defined]
    T.reshape_as = lambda self, other: F.reshape(self, other.shape)  # type: ignore[attr-defined]
    T.addcmul = lambda self, t1, t2, *, value=1: self + t1 * t2 * value  # type: ignore[attr-defined]
    T.addcdiv = lambda self, t1, t2, *, value=1: self + t1 / t2 * value  # type: ignore[attr-defined]
    T.logical_and = lambda self, other: _ew.apply("logical_and", self, other)  # type: ignore[attr-defined]
    T.short = lambda self: self.to(_dt.int16)  # type: ignore[attr-defined]
    T.byte = lambda self: self.to(_dt.uint8)  # type: ignore[attr-defined]
    T.char = lambda self: self.to(_dt.int8)  # type: ignore[attr-defined]
    T.cuda = lambda self, device=None, non_blocking=False: self.to("cuda" if device is None else device)  # type: ignore[attr-defined]
    T.pin_memory = lambda self: self  # type: ignore[attr-defined]
    T.storage_offset = lambda self: self.offset  # type: ignore[attr-defined]
    T.sgn = lambda self: _ew.apply("sign", self)  # type: ignore[attr-defined]
    T.frac = lambda self: self - _ew.apply("trunc", self)  # type: ignore[attr-defined]
    for fn in (median, kthvalue, mode, quantile, nanquantile, nansum, nanmean, tensor_split, rot90, kron, cross,
               diag_embed, bincount):
        setattr(T, fn.__name__, fn)


__all__ = ["Generator", "Size", "bincount", "block_diag", "bucketize", "cartesian_prod", "cdist", "cosine_similarity",
           "cross", "diag_embed", "kron", "kthvalue", "logspace", "median", "mode", "nanmean", "nanquantile", "nansum",
           "normal", "pairwise_distance", "quantile", "rot90", "std_mean", "tensor_split", "var_mean",
           "addmm", "allclose", "amax", "amin", "baddbmm", "bernoulli", "bmm", "chunk", "clamp",
           "clamp_max", "clamp_min", "clone", "cumprod", "cumsum", "device", "diag", "diagonal", "dot", "dropout",
           "einsum", "erf", "erfc", "erfinv", "get_default_dtype", "hstack", "index_fill", "inference_mode",
           "is_floating_point", "is_grad_enabled", "is_tensor", "isclose", "isin", "lerp", "log_softmax",
           "masked_fill", "mm", "movedim", "multinomial", "mv", "nan_to_num", "narrow", "norm", "numel", "outer",
           "permute", "rand_like", "randint_like", "randn_like", "relu", "repeat_interleave", "rsqrt",
           "set_default_dtype", "sigmoid", "softmax", "split", "swapaxes", "t", "topk", "trace", "transpose", "unbind",
           "unflatten", "unfold", "unsqueeze", "vstack"]
