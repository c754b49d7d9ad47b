"""More PyTorch-style Tensor methods that training scripts use early.

In-place arithmetic, comparisons, split/chunk/repeat, new_*, topk/sort, cumsum,
norm, amax/amin, register_hook, cumprod, scatter, lerp_/addcmul_, the in-place
unary ops and the in-place random fills: each records for backward through
the ops it is made of.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..ops import elementwise as _ew
from ..ops import reduce as _reduce
from ..ops.table import ELEMENTWISE
from ..tensor import Tensor
from ..views import normalize_axes, normalize_axis
from . import function as F
from . import indexing, namespace, stats
from .engine import GRAD, needs_grad


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _assign(x: Tensor, r: Tensor) -> Tensor:
    """Write r into x in place; x takes r's history when recording (the in-place op pattern)."""
    from .tensor_methods import _check_inplace

    if r.shape != x.shape:
        raise RuntimeError(f"in-place result of shape {r.shape} does not fit the tensor of shape {x.shape}")
    if GRAD.enabled and needs_grad(r):
        _check_inplace(x)
    return F.assign_inplace(x, r)


def _saved_source(x: Tensor) -> Tensor:
    """x, or (when recording) a recorded copy of it, so a backward rule that saved it survives the overwrite."""
    return F.run(ELEMENTWISE["copy"], (x,)) if GRAD.enabled and needs_grad(x) else x


def _inplace(op: str) -> Any:
    def method(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        if alpha is not None and alpha != 1:
            other = other * alpha
        src = self if op in ("add", "subtract") else _saved_source(self)
        return _assign(self, F.run(ELEMENTWISE[op], (src, other)))

    method.__name__ = f"{op}_"
    return method


def _addsub(op: str) -> Any:
    def method(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        if alpha is not None and alpha != 1:
            other = other * alpha
        return F.run(ELEMENTWISE[op], (self, other))

    return method


def _clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    from .tensor_methods import _clamp

    return _assign(self, _clamp(_saved_source(self), min, max))


def _split(self: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    d = normalize_axis(dim, self.ndim)
    n = self.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} do not add up to dimension {d} of size {n}")
    out, start = [], 0
    for k in sizes:
        out.append(F.getitem(self, (slice(None),) * d + (slice(start, start + k),)))
        start += k
    return tuple(out)


def _chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    n = self.shape[normalize_axis(dim, self.ndim)]
    return _split(self, max(1, math.ceil(n / chunks)), dim)


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's repeat: the tensor tiled sizes[i] times along each dim (the standard's tile)."""
    reps = _shape_args(sizes)
    if len(reps) < self.ndim:
        raise ValueError(f"repeat: {len(reps)} repetitions for a tensor of {self.ndim} dimensions")
    from ..ops.manipulate import tile

    return tile(self, reps)


def _new(fill: Any) -> Any:
    def method(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        from ..ops.creation import empty, full

        shape = _shape_args(size)
        dt = self.dtype if dtype is None else _dt.as_dtype(dtype)
        dev = self.device if device is None else device
        out = empty(shape, dtype=dt, device=dev) if fill is None else full(shape, fill, dtype=dt, device=dev)
        return F.requires_grad_(out) if requires_grad else out

    return method


def _new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    from ..ops.creation import full

    out = full(tuple(size), fill_value, dtype=self.dtype if dtype is None else _dt.as_dtype(dtype),
               device=self.device if device is None else device)
    return F.requires_grad_(out) if requires_grad else out


def _new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    from .tensor_methods import tensor

    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=self.device if device is None else device,
                  requires_grad=requires_grad)


def _sort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    from ..ops.sort import argsort
    from .tensor_methods import MinMax

    idx = argsort(F.detach(self), axis=dim, descending=descending)
    return MinMax(indexing.gather(self, dim, idx), idx)


def _topk(self: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    from ..ops.sort import argsort
    from .tensor_methods import MinMax

    d = normalize_axis(dim, self.ndim)
    if not 0 <= k <= self.shape[d]:
        raise ValueError(f"topk: k={k} is out of range for dimension {d} of size {self.shape[d]}")
    idx = argsort(F.detach(self), axis=d, descending=largest)
    idx = F.getitem(idx, (slice(None),) * d + (slice(0, k),))
    return MinMax(indexing.gather(self, d, idx), idx)


def _argsort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    from ..ops.sort import argsort

    return argsort(self, axis=dim, descending=descending)


def _cumsum(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    return namespace.cumulative_sum(self, axis=normalize_axis(dim, self.ndim) if self.ndim else None, dtype=dtype)


def _norm(self: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The vector p-norm over dim (all elements by default): 2/'fro', 1, inf, -inf or any p > 0."""
    x = self if dtype is None else F.cast(self, _dt.as_dtype(dtype))
    axes = normalize_axes(dim, x.ndim)
    if p in ("fro", 2, 2.0):
        return F._ewr("sqrt", _reduce.reduce("sum", x * x, axes, keepdim, None))
    a = F._ewr("abs", x)
    if p == math.inf:
        return _reduce.reduce("max", a, axes, keepdim, None)
    if p == -math.inf:
        return _reduce.reduce("min", a, axes, keepdim, None)
    if p in (1, 1.0):
        return _reduce.reduce("sum", a, axes, keepdim, None)
    if not isinstance(p, (int, float)) or p <= 0:
        raise ValueError(f"norm: unsupported p={p!r}")
    return F._ewr("pow", _reduce.reduce("sum", F._ewr("pow", a, float(p)), axes, keepdim, None), 1.0 / p)


def _amx(name: str) -> Any:
    def method(self: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
        axes = None if dim == () or dim is None else dim
        return _reduce.reduce(name, self, axes, keepdim, None)

    return method


def _register_hook(self: Tensor, hook: Any) -> Any:
    """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces the gradient."""
    if not needs_grad(self):
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = self._ag.hooks
    if hooks is None:
        hooks = self._ag.hooks = []
    hooks.append(hook)

    class _Handle:
        def remove(self_) -> None:  # noqa: N805
            if hook in hooks:
                hooks.remove(hook)

    return _Handle()


def _unbind(self: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    d = normalize_axis(dim, self.ndim)
    return tuple(F.getitem(self, (slice(None),) * d + (i,)) for i in range(self.shape[d]))


def _narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    d = normalize_axis(dim, self.ndim)
    return F.getitem(self, (slice(None),) * d + (slice(start, start + length),))


def _select(self: Tensor, dim: int, index: int) -> Tensor:
    return F.getitem(self, (slice(None),) * normalize_axis(dim, self.ndim) + (index,))


def _unary(op: str) -> Any:
    return lambda self: F.run(ELEMENTWISE[op], (self,))


def _binary(op: str) -> Any:
    return lambda self, other: F.run(ELEMENTWISE[op], (self, other))


def _unary_(op: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return _assign(self, F.run(ELEMENTWISE[op], (_saved_source(self),)))

    method.__name__ = f"{op}_"
    return method


def _relu_(self: Tensor) -> Tensor:
    return _assign(self, _saved_source(self).relu())


def _sigmoid_(self: Tensor) -> Tensor:
    return _assign(self, _saved_source(self).sigmoid())


def _nonzero(self: Tensor, *, as_tuple: bool = False) -> Any:
    """PyTorch's nonzero: an (n, ndim) int64 tensor of indices, or the standard's tuple with as_tuple=True."""
    from ..ops.index import nonzero
    from ..ops.manipulate import stack

    idx = nonzero(F.detach(self))
    return idx if as_tuple else stack(idx, axis=1)


def _random_fill(dist: str) -> Any:
    def method(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        from .. import random as _random
        from .tensor_methods import _copy_

        fill = _random.uniform_ if dist == "uniform" else _random.normal_
        if self.is_contiguous():
            if GRAD.enabled:
                from .tensor_methods import _check_inplace

                _check_inplace(self)
            return fill(self, a, b, generator)
        return _copy_(self, fill(Tensor.empty(self.shape, self.dtype, self.device), a, b, generator))

    method.__name__ = f"{dist}_"
    method.__doc__ = ("Fill in place with uniform numbers in [from, to)." if dist == "uniform"
                      else "Fill in place with normal numbers of the given mean and std.")
    return method


def _bernoulli(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """0/1 draws with probability self (or p), in self's dtype."""
    from ..random import rand

    u = rand(self.shape, dtype=self.dtype if self.dtype.kind == "f" else None, device=self.device, generator=generator)
    prob = F.detach(self) if p is None else p
    return _ew.astype(_ew.apply("less", u, prob), self.dtype)


def _scatter(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
    """PyTorch's scatter: a copy with ``src`` (a tensor or a number) written at index along dim.

    NOTE: where an index repeats, PyTorch leaves the result unspecified; here the values written there add up.
    """
    from ..ops.creation import full, zeros

    src = value if src is None else src
    if not isinstance(src, Tensor):
        src = full(index.shape, src, dtype=self.dtype, device=self.device)
    base = zeros(self.shape, dtype=self.dtype, device=self.device)
    hit = indexing.scatter_add(base, dim, index, full(index.shape, 1, dtype=self.dtype, device=self.device))
    written = indexing.scatter_add(base, dim, index, src)
    return indexing.where(_ew.apply("greater", hit, 0), written, self)


def _scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
    return _assign(self, _scatter(_saved_source(self), dim, index, src, value=value))


def _lerp(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    return self + (end - self) * weight


def _lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    return _assign(self, _lerp(_saved_source(self), end, weight))


def _addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return _assign(self, _saved_source(self) + tensor1 * tensor2 * value)


def _addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    return _assign(self, _saved_source(self) + tensor1 / tensor2 * value)


def _allclose(self: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    a, b = F.detach(self), F.detach(other)
    diff = _ew.apply("abs", _ew.apply("subtract", a, b))
    close = _ew.apply("less_equal", diff, _ew.apply("add", _ew.apply("multiply", _ew.apply("abs", b), rtol), atol))
    if equal_nan:
        close = _ew.apply("logical_or", close, _ew.apply("logical_and", _ew.apply("isnan", a), _ew.apply("isnan", b)))
    return bool(_reduce.reduce("all", close, None, False, None).item())


def _equal(self: Tensor, other: Tensor) -> bool:
    if self.shape != other.shape:
        return False
    return bool(_reduce.reduce("all", _ew.apply("equal", F.detach(self), F.detach(other)), None, False, None).item())


def _repeat_interleave(self: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times along dim (of the flattened tensor when None)."""
    from ..ops.manipulate import repeat

    return repeat(self, repeats, axis=dim)


def _tri(mode: str) -> Any:
    def method(self: Tensor, diagonal: int = 0) -> Tensor:
        from ..ops import creation

        return getattr(creation, mode)(self, k=diagonal)

    method.__name__ = mode
    return method


def install() -> None:
    """Give Tensor these methods."""
    T = Tensor
    for name, op in (("add_", "add"), ("sub_", "subtract"), ("mul_", "multiply"), ("div_", "divide")):
        setattr(T, name, _inplace(op))
    T.add = _addsub("add")  # type: ignore[attr-defined]
    T.sub = _addsub("subtract")  # type: ignore[attr-defined]
    T.mul = _binary("multiply")  # type: ignore[attr-defined]
    T.div = _binary("divide")  # type: ignore[attr-defined]
    T.clamp_ = _clamp_  # type: ignore[attr-defined]
    T.clip_ = _clamp_  # type: ignore[attr-defined]
    for name, op in (("eq", "equal"), ("ne", "not_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                     ("lt", "less"), ("le", "less_equal"), ("maximum", "maximum"), ("minimum", "minimum"),
                     ("remainder", "remainder"), ("floor_divide", "floor_divide"), ("logaddexp", "logaddexp")):
        setattr(T, name, _binary(op))
    for name, op in (("log1p", "log1p"), ("expm1", "expm1"), ("log2", "log2"), ("log10", "log10"),
                     ("neg", "negative"), ("floor", "floor"), ("ceil", "ceil"), ("round", "round"),
                     ("trunc", "trunc"), ("isnan", "isnan"), ("isinf", "isinf"), ("isfinite", "isfinite"),
                     ("logical_not", "logical_not")):
        setattr(T, name, _unary(op))
    T.split = _split  # type: ignore[attr-defined]
    T.chunk = _chunk  # type: ignore[attr-defined]
    T.unbind = _unbind  # type: ignore[attr-defined]
    T.narrow = _narrow  # type: ignore[attr-defined]
    T.select = _select  # type: ignore[attr-defined]
    T.repeat = _repeat  # type: ignore[attr-defined]
    T.flip = lambda self, *dims: namespace.flip(self, axis=_shape_args(dims))  # type: ignore[attr-defined]
    T.roll = lambda self, shifts, dims=None: namespace.roll(self, shifts, axis=dims)  # type: ignore[attr-defined]
    T.movedim = lambda self, source, destination: namespace.moveaxis(self, source, destination)  # type: ignore[attr-defined]
    T.swapaxes = F.transpose  # type: ignore[attr-defined]
    T.type_as = lambda self, other: F.cast(self, other.dtype) if other.dtype is not self.dtype else self  # type: ignore[attr-defined]
    T.new_zeros = _new(0)  # type: ignore[attr-defined]
    T.new_ones = _new(1)  # type: ignore[attr-defined]
    T.new_empty = _new(None)  # type: ignore[attr-defined]
    T.new_full = _new_full  # type: ignore[attr-defined]
    T.new_tensor = _new_tensor  # type: ignore[attr-defined]
    T.sort = _sort  # type: ignore[attr-defined]
    T.argsort = _argsort  # type: ignore[attr-defined]
    T.topk = _topk  # type: ignore[attr-defined]
    T.cumsum = _cumsum  # type: ignore[attr-defined]
    T.norm = _norm  # type: ignore[attr-defined]
    T.amax = _amx("max")  # type: ignore[attr-defined]
    T.amin = _amx("min")  # type: ignore[attr-defined]
    T.mm = lambda self, other: F.matmul(self, other)  # type: ignore[attr-defined]
    T.bmm = lambda self, other: F.matmul(self, other)  # type: ignore[attr-defined]
    T.register_hook = _register_hook  # type: ignore[attr-defined]
    T.is_floating_point = lambda self: self.dtype.kind == "f"  # type: ignore[attr-defined]
    T.element_size = lambda self: self.dtype.itemsize  # type: ignore[attr-defined]
    T.nelement = lambda self: math.prod(self.shape)  # type: ignore[attr-defined]
    T.ndimension = lambda self: self.ndim  # type: ignore[attr-defined]
    T.masked_select = lambda self, mask: indexing.getitem(self, mask)  # type: ignore[attr-defined]
    T.cumprod = lambda self, dim, *, dtype=None: stats.cumprod(self, dim, dtype=dtype)  # type: ignore[attr-defined]
    for op in ("abs", "exp", "log", "sqrt", "neg", "tanh", "floor", "ceil", "round", "trunc", "reciprocal",
               "square", "sin", "cos"):
        setattr(T, f"{op}_", _unary_("negative" if op == "neg" else op))
    T.relu_ = _relu_  # type: ignore[attr-defined]
    T.sigmoid_ = _sigmoid_  # type: ignore[attr-defined]
    T.nonzero = _nonzero  # type: ignore[attr-defined]
    T.uniform_ = _random_fill("uniform")  # type: ignore[attr-defined]
    T.normal_ = _random_fill("normal")  # type: ignore[attr-defined]
    T.bernoulli = _bernoulli  # type: ignore[attr-defined]
    T.scatter = _scatter  # type: ignore[attr-defined]
    T.scatter_ = _scatter_  # type: ignore[attr-defined]
    T.lerp = _lerp  # type: ignore[attr-defined]
    T.lerp_ = _lerp_  # type: ignore[attr-defined]
    T.addcmul_ = _addcmul_  # type: ignore[attr-defined]
    T.addcdiv_ = _addcdiv_  # type: ignore[attr-defined]
    T.allclose = _allclose  # type: ignore[attr-defined]
    T.equal = _equal  # type: ignore[attr-defined]
    T.repeat_interleave = _repeat_interleave  # type: ignore[attr-defined]
    T.tril = _tri("tril")  # type: ignore[attr-defined]
    T.triu = _tri("triu")  # type: ignore[attr-defined]
    T.stride = lambda self, dim=None: self.strides if dim is None else self.strides[dim]  # type: ignore[attr-defined]
    T.is_cuda = property(lambda self: self.device.type == "gpu")  # type: ignore[attr-defined]
    _install_more(T)


# -- more in-place and indexed methods (type, detach_, in-place views, index_add/copy, masked_scatter, ...) ----------
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _type(self: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """``x.type()``: PyTorch's type string (``'torch.FloatTensor'``, ``'torch.cuda.FloatTensor'`` on a GPU);
    ``x.type(dtype)`` (a dtype or such a string): x cast to it (x itself when it already has that dtype)."""
    if dtype is None:
        prefix = "torch.cuda." if self.device.type == "gpu" else "torch."
        return f"{prefix}{_TYPE_NAMES.get(self.dtype.name, self.dtype.name)}Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        names = {v: k for k, v in _TYPE_NAMES.items()}
        short = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
        if short not in names:
            raise TypeError(f"type: unknown tensor type {dtype!r}")
        dtype = names[short]
    dt = _dt.as_dtype(dtype)
    return self if dt is self.dtype else F.cast(self, dt)


def _detach_(self: Tensor) -> Tensor:
    """Detach in place: the tensor leaves the graph and no longer requires grad."""
    self._ag = None
    return self


def _view_inplace(view: Any, name: str) -> Any:
    def method(self: Tensor, *args: Any) -> Tensor:
        meta = self._ag
        if GRAD.enabled and meta is not None and meta.requires_grad and meta.grad_fn is None:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {self.shape}) is being used in an "
                               "in-place operation; wrap it in pt.no_grad() or work on a clone()")
        v = view(self, *args)
        # a backward rule that saved this tensor must not see the new shape: the version bump makes it raise
        self._storage.version += 1
        self._storage, self.shape, self.strides, self.offset = v._storage, v.shape, v.strides, v.offset
        if GRAD.enabled and needs_grad(v):
            self._ag = v._ag
        return self

    method.__name__ = name
    method.__doc__ = f"``x.{name}(...)``: the view op applied to x's own shape and strides (in place)."
    return method


def _pow_(self: Tensor, exponent: Any) -> Tensor:
    return _assign(self, _saved_source(self).pow(exponent))


def _scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return _assign(self, indexing.scatter_add(self, dim, index, src))


def _index_key(self: Tensor, dim: int, index: Tensor, source: Tensor, name: str) -> tuple[Any, ...]:
    """The key ``(:, ..., index)`` along dim, with index and source checked as PyTorch does."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu" or index.ndim > 1:
        raise TypeError(f"{name}: index must be a 0-d or 1-d integer tensor")
    d = normalize_axis(dim, self.ndim) if self.ndim else 0
    idx = F.raw_reshape(index, (index.size,))
    want = self.shape[:d] + (idx.shape[0],) + self.shape[d + 1:]
    if not isinstance(source, Tensor) or (source.shape != want and not (self.ndim == 0 and source.size == 1)):
        raise ValueError(f"{name}: source of shape {getattr(source, 'shape', None)} must have shape {want} "
                         f"(the tensor's shape {self.shape} with dim {d} of length {idx.shape[0]})")
    if source.dtype is not self.dtype:
        raise TypeError(f"{name}: source ({source.dtype.name}) and self ({self.dtype.name}) must have one dtype")
    return (slice(None),) * d + (idx,)


def _index_add(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``x.index_add(dim, index, source, alpha=1)``: source's slices added at index along dim (repeats sum)."""
    key = _index_key(self, dim, index, source, "index_add")
    src = source if alpha == 1 else source * alpha
    return self + indexing.IndexAdd.apply(src, key, self.shape)


def _index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    return _assign(self, _index_add(self, dim, index, source, alpha=alpha))


def _index_copy(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``x.index_copy(dim, index, source)``: a copy with source's slices written at index along dim."""
    key = _index_key(self, dim, index, source, "index_copy")
    r = F.run(ELEMENTWISE["copy"], (self,))
    indexing.setitem(r, key, source)
    return r


def _index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    return _assign(self, _index_copy(self, dim, index, source))


def _masked_scatter(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``x.masked_scatter(mask, source)``: where mask (broadcast to x) is true, source's elements in order."""
    from ..ops.creation import zeros

    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool_:
        raise TypeError("masked_scatter: mask must be a bool tensor")
    m = F.detach(mask) if mask.shape == self.shape else _ew.apply(
        "logical_or", F.detach(mask), zeros(self.shape, dtype=_dt.bool_, device=self.device))
    pos = namespace.cumulative_sum(_ew.astype(F.raw_reshape(_ew.contiguous(m), (m.size,)), _dt.int64))
    count = int(pos[-1].item()) if pos.size else 0
    if count > source.size:
        raise ValueError(f"masked_scatter: the mask selects {count} elements but source has only {source.size}")
    pos = _ew.apply("maximum", _ew.apply("subtract", pos, 1), 0)
    vals = indexing.getitem(F.reshape(source, (-1,)), pos) if source.size else F.reshape(source, (-1,))
    return indexing.where(m, F.reshape(vals, self.shape) if source.size else 0, self)


def _masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    return _assign(self, _masked_scatter(self, mask, source))


def _fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """``x.fill_diagonal_(value, wrap=False)``: the main diagonal set to value (2-d, or n-d with equal dims); a
    tall matrix with wrap=True starts again every ncols + 1 rows, as PyTorch does."""
    from ..ops.creation import arange

    if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
        raise ValueError(f"fill_diagonal_: needs a 2-d tensor or one whose dims are all equal, got shape {self.shape}")
    step = sum(math.prod(self.shape[i + 1:]) for i in range(self.ndim))
    limit = self.size if wrap and self.ndim == 2 else min(self.shape) * step
    ar = arange(self.size, dtype=_dt.int64, device=self.device)
    hit = _ew.apply("logical_and", _ew.apply("equal", _ew.apply("remainder", ar, step), 0),
                    _ew.apply("less", ar, limit))
    return _assign(self, indexing.masked_fill(self, F.raw_reshape(hit, self.shape), fill_value))


_COMBINE = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _segment_reduce(offs: Tensor, vals: Tensor, op: str) -> tuple[Tensor, Tensor]:
    """(distinct offsets, op over vals of each) for 1-d offs/vals: a stable sort by offset, then a log-step scan
    that combines each element with the one ``s`` back while both are in one run of equal offsets."""
    from ..ops.sort import _sort_rows

    n = offs.shape[0]
    o, perm = _sort_rows(offs, 0, False)
    v = F.RAW_GETITEM(vals, perm)
    s = 1
    while s < n:
        same = _ew.apply("equal", o[s:], o[:n - s])
        tail = indexing.RAW_WHERE(same, _ew.apply(op, v[s:], v[:n - s]), v[s:])
        v = F.RAW_RUN(ELEMENTWISE["copy"], (v,))
        v[s:] = tail
        s *= 2
    end = Tensor.empty((n,), _dt.bool_, offs.device)
    end[:n - 1] = _ew.apply("not_equal", o[1:], o[:n - 1])
    end[n - 1:] = True
    return F.RAW_GETITEM(o, end), F.RAW_GETITEM(v, end)


def _scatter_reduce_raw(x: Tensor, key: Any, src: Tensor, reduce: str, include_self: bool) -> Tensor:
    """scatter_reduce on untracked tensors: a new contiguous tensor of x's shape."""
    from ..ops.index import _Plan

    out = F.RAW_RUN(ELEMENTWISE["copy"], (x,))
    if src.size == 0:
        return out
    offs = F.raw_reshape(_Plan(out, key).offsets(), (src.size,))
    flat = F.raw_reshape(out, (out.size,))
    vals = F.raw_reshape(_ew.contiguous(src), (src.size,))
    if reduce in ("sum", "mean"):
        total = indexing.index_add_dense(vals, (offs,), flat.shape, False)
        hit = indexing.index_add_dense(_ew.apply("add", _ew.apply("multiply", vals, 0), 1), (offs,), flat.shape,
                                       False)
        base = flat if include_self else indexing.RAW_WHERE(_ew.apply("greater", hit, 0), 0, flat)
        res = _ew.apply("add", base, total)
        if reduce == "mean":
            cnt = _ew.apply("add", hit, 1) if include_self else _ew.apply("maximum", hit, 1)
            res = _ew.apply("divide" if x.dtype.kind in "fc" else "floor_divide", res, cnt)
        return F.raw_reshape(_ew.astype(res, x.dtype), x.shape)
    uo, uv = _segment_reduce(offs, vals, _COMBINE[reduce])
    flat[uo] = _ew.apply(_COMBINE[reduce], F.RAW_GETITEM(flat, uo), uv) if include_self else uv
    return out


class _ScatterReduce(F.Function):
    """``scatter_reduce``; backward: sum/mean spread g, amax/amin split it evenly among the elements equal to the
    result, prod multiplies by the product of the others (exact with zeros)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, src: Tensor, key: Any, reduce: str, include_self: bool) -> Tensor:
        r = _scatter_reduce_raw(x, key, src, reduce, include_self)
        ctx.save_for_backward(x, src, r)
        ctx.args = key, reduce, include_self
        return r

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, src, r = ctx.saved_tensors
        key, reduce, include_self = ctx.args
        ones_src = _ew.apply("add", _ew.apply("multiply", src, 0), 1)
        hit = indexing.index_add_dense(ones_src, key, x.shape, False)
        keep = 1 if include_self else _ew.astype(_ew.apply("equal", hit, 0), x.dtype)
        if reduce in ("sum", "mean"):
            w = _ew.apply("add", hit, 1) if include_self else _ew.apply("maximum", hit, 1)
            gs = g if reduce == "sum" else _ew.apply("divide", g, w)
            return _ew.apply("multiply", gs, keep), F.RAW_GETITEM(gs, key), None, None, None
        rk = F.RAW_GETITEM(r, key)
        if reduce in ("amax", "amin"):
            eqs = _ew.astype(_ew.apply("equal", src, rk), x.dtype)
            # like PyTorch, an input element equal to the result takes its share even when include_self=False
            # (where its own gradient is then zero)
            eqx = _ew.astype(_ew.apply("equal", x, r), x.dtype)
            cnt = _ew.apply("add", eqx, indexing.index_add_dense(eqs, key, x.shape, False))
            gc = _ew.apply("divide", g, _ew.apply("maximum", cnt, 1))
            return (_ew.apply("multiply", _ew.apply("multiply", gc, eqx), keep),
                    _ew.apply("multiply", F.RAW_GETITEM(gc, key), eqs),
                    None, None, None)
        zx = _ew.apply("multiply", _ew.astype(_ew.apply("equal", x, 0), x.dtype), keep)
        zs = _ew.astype(_ew.apply("equal", src, 0), x.dtype)
        zcnt = _ew.apply("add", zx, indexing.index_add_dense(zs, key, x.shape, False))
        r_nz = _scatter_reduce_raw(indexing.RAW_WHERE(_ew.apply("equal", x, 0), 1, x), key,
                                   indexing.RAW_WHERE(_ew.apply("equal", src, 0), 1, src), "prod", include_self)

        def part(v: Tensor, rr: Tensor, rnz: Tensor, zc: Tensor, gg: Tensor) -> Tensor:
            one_zero = indexing.RAW_WHERE(_ew.apply("equal", zc, 1), rnz, 0)
            safe = indexing.RAW_WHERE(_ew.apply("equal", v, 0), 1, v)
            return _ew.apply("multiply", gg, indexing.RAW_WHERE(_ew.apply("equal", v, 0), one_zero,
                                                       _ew.apply("divide", rr, safe)))

        gx = _ew.apply("multiply", part(x, r, r_nz, zcnt, g), keep)
        gsrc = part(src, rk, F.RAW_GETITEM(r_nz, key), F.RAW_GETITEM(zcnt, key), F.RAW_GETITEM(g, key))
        return gx, gsrc, None, None, None


def _scatter_reduce(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """``x.scatter_reduce(dim, index, src, reduce, include_self=True)`` with reduce sum, prod, mean, amax or amin."""
    if reduce not in _COMBINE:
        raise ValueError(f"scatter_reduce: reduce must be one of {sorted(_COMBINE)}, got {reduce!r}")
    key = indexing._along_key(self, dim, index, "scatter_reduce")
    if not isinstance(src, Tensor) or src.dtype is not self.dtype:
        raise TypeError(f"scatter_reduce: src must be a tensor of the input's dtype {self.dtype.name}")
    if src.ndim != index.ndim or any(a < b for a, b in zip(src.shape, index.shape, strict=False)):
        raise ValueError(f"scatter_reduce: src of shape {src.shape} must be at least as large as index of shape "
                         f"{index.shape} in every dimension")
    if src.shape != index.shape:
        src = indexing.getitem(src, tuple(slice(0, n) for n in index.shape))
    return _ScatterReduce.apply(self, src, key, reduce, bool(include_self))


def _scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                     include_self: bool = True) -> Tensor:
    return _assign(self, _scatter_reduce(_saved_source(self), dim, index, src, reduce, include_self=include_self))


def _install_more(T: Any) -> None:
    T.type = _type
    T.detach_ = _detach_
    T.squeeze_ = _view_inplace(lambda x, *a: x.squeeze(*a), "squeeze_")
    T.unsqueeze_ = _view_inplace(lambda x, d: x.unsqueeze(d), "unsqueeze_")
    T.t_ = _view_inplace(lambda x: x.t(), "t_")
    T.transpose_ = _view_inplace(lambda x, d0, d1: x.transpose(d0, d1), "transpose_")
    T.swapaxes_ = T.transpose_
    T.pow_ = _pow_
    T.scatter_add_ = _scatter_add_
    T.index_add = _index_add
    T.index_add_ = _index_add_
    T.index_copy = _index_copy
    T.index_copy_ = _index_copy_
    T.masked_scatter = _masked_scatter
    T.masked_scatter_ = _masked_scatter_
    T.fill_diagonal_ = _fill_diagonal_
    T.scatter_reduce = _scatter_reduce
    T.scatter_reduce_ = _scatter_reduce_


__all__ = ["install"]
