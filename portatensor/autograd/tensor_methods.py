"""Tensor's autograd attributes and PyTorch-style methods, installed onto the class.

``install()`` also routes the array layer's generic entry points
(``ops.elementwise.run``, ``ops.reduce.reduce``, ``ops.linalg.matmul``) through
their recording versions; with grad disabled or no operand requiring grad the
recording costs one attribute check.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..ops import elementwise as _ew
from ..ops import linalg as _linalg
from ..ops import matmul_result_inplace
from ..ops import reduce as _reduce
from ..ops import search as _search
from ..ops.table import ELEMENTWISE
from ..tensor import Tensor
from ..views import normalize_axes
from . import engine, indexing, namespace, stats, torch_methods
from . import function as F
from .engine import GRAD, Meta, needs_grad


class _Size(int):
    """``x.size``: the element count (Array API) that is also callable as PyTorch's ``x.size(dim)``."""

    def __new__(cls, n: int, shape: tuple[int, ...]) -> _Size:
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            from .._torch_functions import Size

            return Size(self._shape)
        return self._shape[dim]


def _binary(name: str) -> Any:
    op = ELEMENTWISE[name]
    fast = getattr(_ew, "binary", None)

    def method(self: Tensor, other: Any, /) -> Any:
        if other.__class__ is Tensor:
            if GRAD.enabled and (self._ag is not None or other._ag is not None):
                return F.run(op, (self, other))
        elif not isinstance(other, (int, float, complex)):
            return NotImplemented
        elif GRAD.enabled and self._ag is not None:
            return F.run(op, (self, other))
        return fast(op, self, other) if fast is not None else F.run(op, (self, other))

    return method


def _reflected(name: str) -> Any:
    op = ELEMENTWISE[name]

    def method(self: Tensor, other: Any, /) -> Any:
        if isinstance(other, (int, float, complex)):
            return F.run(op, (other, self))
        return NotImplemented

    return method


def _inplace(name: str, prev: Any) -> Any:
    op = ELEMENTWISE[name]

    def method(self: Tensor, other: Any, /) -> Any:
        if GRAD.enabled and (needs_grad(self) or needs_grad(other)):
            _check_inplace(self)
            return F.assign_inplace(self, F.run(op, (self, other)))
        return prev(self, other)

    return method


def _imatmul(prev: Any) -> Any:
    def method(self: Tensor, other: Any, /) -> Any:
        if GRAD.enabled and (needs_grad(self) or needs_grad(other)):
            _check_inplace(self)
            # the product reads a clone: the matmul node keeps it for backward, and self is about to change
            r = matmul_result_inplace(self.clone(), other)
            return NotImplemented if r is None else F.assign_inplace(self, r)
        return prev(self, other)

    return method


def _check_inplace(x: Tensor) -> None:
    m = x._ag
    if m is not None and m.requires_grad and m.grad_fn is None:
        raise RuntimeError(f"a leaf tensor that requires grad (shape {x.shape}) is being used in an in-place "
                           "operation; wrap it in pt.no_grad() or work on a clone()")


def _grad_get(self: Tensor) -> Any:
    return None if self._ag is None else self._ag.grad


def _grad_set(self: Tensor, value: Any) -> None:
    if value is not None and (value.shape != self.shape):
        raise RuntimeError(f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}")
    if self._ag is None:
        if value is None:
            return
        self._ag = Meta(False, None)
    self._ag.grad = value


def _backward(self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False,
              inputs: Any = None) -> None:
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        engine.run_backward([self], [gradient], retain, create_graph)
        return
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t, g in zip(ins, engine.run_backward([self], [gradient], retain, create_graph, ins) or (), strict=False):
        if g is not None:
            if not (g.is_contiguous() and g.offset == 0):
                g = F.RAW_RUN(ELEMENTWISE["copy"], (g,))
            t._ag.grad = g if t._ag.grad is None else t._ag.grad + g


def _retain_grad(self: Tensor) -> None:
    if not needs_grad(self):
        raise RuntimeError("can't retain_grad on a tensor that does not require grad")
    self._ag.retains_grad = True


def _sum(self: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
         keepdims: bool = False) -> Tensor:
    ax = dim if dim is not None else axis
    return _reduce.reduce("sum", self, ax, keepdim or keepdims, dtype)


def _prod(self: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
          keepdims: bool = False) -> Tensor:
    ax = dim if dim is not None else axis
    return _reduce.reduce("prod", self, ax, keepdim or keepdims, dtype)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over dims (all by default)."""
    ax = dim if dim is not None else axis
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean needs a floating-point tensor, got {x.dtype.name}")
    n = math.prod(x.shape[a] for a in normalize_axes(ax, x.ndim))
    return _reduce.reduce("sum", x, ax, keepdim or keepdims, None) / float(max(n, 1))


def _extremum(name: str) -> Any:
    def method(self: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool = False) -> Any:
        fn = getattr(_reduce, name)
        if dim is None:
            return fn(self, axis=axis, keepdims=keepdims)
        values = fn(self, axis=dim, keepdims=keepdim)
        return MinMax(values, getattr(_reduce, "arg" + name)(self, axis=dim, keepdims=keepdim))

    return method


class MinMax(tuple):
    """(values, indices) of ``max(dim)``/``min(dim)``, as PyTorch returns them."""

    def __new__(cls, values: Tensor, indices: Tensor) -> MinMax:
        return super().__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]


def _reduce_table() -> Any:
    from ..ops.table import REDUCE

    return REDUCE


def _argx(name: str) -> Any:
    def method(self: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool = False) -> Tensor:
        return getattr(_reduce, name)(self, axis=dim if dim is not None else axis, keepdims=keepdim or keepdims)

    return method


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    from ..ops.creation import to_device
    from ..runtime.device import Device, get_device

    out = self
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, _dt.DType):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        else:
            device = a
    if device is not None:
        dev = device if isinstance(device, Device) else get_device(device)
        if dev is not out.device:
            moved = to_device(F.detach(out), dev)
            if needs_grad(out):
                moved = F.requires_grad_(moved) if out._ag.grad_fn is None else moved
            out = moved
    if dtype is not None and _dt.as_dtype(dtype) is not out.dtype:
        out = F.cast(out, _dt.as_dtype(dtype))
    return out


def _astype(self: Tensor, dtype: Any, copy: bool = True) -> Tensor:
    dt = _dt.as_dtype(dtype)
    if dt is self.dtype and not copy:
        return self
    return F.cast(self, dt)


def _clone(self: Tensor) -> Tensor:
    return F.run(ELEMENTWISE["copy"], (self,))


def _contiguous(self: Tensor) -> Tensor:
    return self if self.is_contiguous() else _clone(self)


def _zero_(self: Tensor) -> Tensor:
    return _fill_(self, 0)


def _fill_(self: Tensor, value: Any) -> Tensor:
    if GRAD.enabled:
        _check_inplace(self)
    if isinstance(value, Tensor):
        value = value.item()
    if GRAD.enabled and self._ag is not None and self._ag.view_base is not None:
        from ..ops.creation import full

        return F.assign_inplace(self, full(self.shape, value, dtype=self.dtype, device=self.device))
    if self.is_contiguous():
        from ..ops.creation import fill_

        fill_(self, value)
    else:
        _ew.run_into(ELEMENTWISE["copy"], [value], self)
    if self._ag is not None and self._ag.grad_fn is not None:
        self._ag = None
    return self


def _copy_(self: Tensor, src: Tensor) -> Tensor:
    if GRAD.enabled and (needs_grad(self) or needs_grad(src)):
        _check_inplace(self)
        if isinstance(src, Tensor) and needs_grad(src):
            if src.shape != self.shape:
                src = F.expand(src, self.shape)
            if src.dtype is not self.dtype:
                src = F.cast(src, self.dtype)
        return F.assign_inplace(self, src)
    _ew.run_into(ELEMENTWISE["copy"], [src], self)
    return self


def _view(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], _dt.DType):
        raise NotImplementedError("view(dtype) is not supported; use astype")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not self.is_contiguous():  # a view when the strides allow it (splitting a sliced last dim, ...)
        from .._torch_functions import strided_view

        return strided_view(self, shape)
    return F.reshape(self, shape)


def _reshape(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return F.reshape(self, shape)


def _permute(self: Tensor, *dims: Any) -> Tensor:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return F.permute(self, dims)


def _expand(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return F.expand(self, shape)


def _t(self: Tensor) -> Tensor:
    if self.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {self.shape}")
    return F.permute(self, tuple(range(self.ndim))[::-1])


def _mT(self: Tensor) -> Tensor:  # noqa: N802
    if self.ndim < 2:
        raise ValueError(f"mT needs at least 2 dimensions, got shape {self.shape}")
    return F.transpose(self, -1, -2)


def _unary(name: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return F._ewr(name, self)

    method.__name__ = name
    return method


def _float_pow(*operands: Any) -> bool:
    """Whether x ** y takes the private real-float pow: a float tensor among the operands, no complex one.

    Integer and complex powers go through the standard's ``pow`` (its promotion,
    integer results, complex kernels), as ``xp.pow`` does.
    """
    kinds = {o.dtype.kind for o in operands if isinstance(o, Tensor)}
    return "f" in kinds and "c" not in kinds


def _pow(self: Tensor, exponent: Any, /) -> Any:
    if isinstance(exponent, complex):
        return F.run(ELEMENTWISE["pow"], (self, exponent))
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if exponent == 2:
            return self * self
        if exponent == 1:
            return F.run(ELEMENTWISE["positive"], (self,))
        if not _float_pow(self):
            return F.run(ELEMENTWISE["pow"], (self, exponent))
        return F._ewr("pow", self, float(exponent))
    if isinstance(exponent, Tensor):
        if not _float_pow(self, exponent):
            return F.run(ELEMENTWISE["pow"], (self, exponent))
        return F._ewr("pow", self, exponent)
    return NotImplemented


def _rpow(self: Tensor, base: Any, /) -> Any:
    if isinstance(base, (int, float, complex)):
        if isinstance(base, complex) or not _float_pow(self):
            return F.run(ELEMENTWISE["pow"], (base, self))
        return F._ewr("pow", float(base), self)
    return NotImplemented


def _clamp(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    lo = -math.inf if min is None else min
    hi = math.inf if max is None else max
    return F._ewr("clamp", self, lo, hi)


def _softmax(self: Tensor, dim: int = -1) -> Tensor:
    from ..nn import functional as nnf

    return nnf.softmax(self, dim)


def _log_softmax(self: Tensor, dim: int = -1) -> Tensor:
    from ..nn import functional as nnf

    return nnf.log_softmax(self, dim)


def install() -> None:
    """Route the array layer through recording and give Tensor its autograd methods."""
    _ew.run = F.run
    _reduce.reduce = F.reduce
    _linalg.matmul = F.matmul
    _reduce.var = stats.var
    _reduce.std = stats.std
    _search.where = indexing.where
    namespace.install()
    torch_methods.install()
    F.RAW_GETITEM = Tensor.__getitem__
    T = Tensor
    for dunder, name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide")):
        setattr(T, f"__{dunder}__", _binary(name))
        setattr(T, f"__r{dunder}__", _reflected(name))
        setattr(T, f"__i{dunder}__", _inplace(name, getattr(T, f"__i{dunder}__")))
    T.__matmul__ = lambda self, other, /: F.matmul(self, other)  # type: ignore[method-assign]
    T.__rmatmul__ = lambda self, other, /: F.matmul(other, self)  # type: ignore[method-assign]
    T.__imatmul__ = _imatmul(T.__imatmul__)  # type: ignore[attr-defined]
    T.__getitem__ = indexing.getitem  # type: ignore[method-assign]
    T.__setitem__ = indexing.setitem  # type: ignore[method-assign]
    T.__pow__ = _pow  # type: ignore[attr-defined]
    T.__rpow__ = _rpow  # type: ignore[attr-defined]
    T.__abs__ = lambda self, /: F.run(ELEMENTWISE["abs"], (self,))  # type: ignore[method-assign]  # every numeric dtype
    T.requires_grad = property(lambda self: needs_grad(self), lambda self, v: F.requires_grad_(self, v))  # type: ignore[attr-defined]
    T.grad = property(_grad_get, _grad_set)  # type: ignore[attr-defined]
    T.grad_fn = property(lambda self: None if self._ag is None else self._ag.grad_fn)  # type: ignore[attr-defined]
    T.is_leaf = property(lambda self: self._ag is None or self._ag.grad_fn is None)  # type: ignore[attr-defined]
    T.data = property(F.detach, lambda self, v: _copy_(F.detach(self), v))  # type: ignore[attr-defined]
    T.size = property(lambda self: _Size(math.prod(self.shape), self.shape))  # type: ignore[assignment]
    T.backward = _backward  # type: ignore[attr-defined]
    T.detach = F.detach  # type: ignore[attr-defined]
    T.requires_grad_ = F.requires_grad_  # type: ignore[attr-defined]
    T.retain_grad = _retain_grad  # type: ignore[attr-defined]
    T.sum = _sum  # type: ignore[attr-defined]
    T.mean = mean  # type: ignore[attr-defined]
    T.prod = _prod  # type: ignore[attr-defined]
    T.var = stats.var_method  # type: ignore[attr-defined]
    T.std = stats.std_method  # type: ignore[attr-defined]
    T.logsumexp = stats.logsumexp  # type: ignore[attr-defined]
    T.gather = indexing.gather  # type: ignore[attr-defined]
    T.scatter_add = indexing.scatter_add  # type: ignore[attr-defined]
    T.index_select = indexing.index_select  # type: ignore[attr-defined]
    T.masked_fill = indexing.masked_fill  # type: ignore[attr-defined]
    T.masked_fill_ = indexing.masked_fill_  # type: ignore[attr-defined]
    T.where = lambda self, condition, other: indexing.where(condition, self, other)  # type: ignore[attr-defined]
    T.max = _extremum("max")  # type: ignore[attr-defined]
    T.min = _extremum("min")  # type: ignore[attr-defined]
    T.argmax = _argx("argmax")  # type: ignore[attr-defined]
    T.argmin = _argx("argmin")  # type: ignore[attr-defined]
    T.astype = _astype  # type: ignore[attr-defined]
    T.to = _to  # type: ignore[attr-defined]
    T.float = lambda self: _astype(self, _dt.float32, False)  # type: ignore[attr-defined]
    T.double = lambda self: _astype(self, _dt.float64, False)  # type: ignore[attr-defined]
    T.half = lambda self: _astype(self, _dt.float16, False)  # type: ignore[attr-defined]
    T.bfloat16 = lambda self: _astype(self, _dt.bfloat16, False)  # type: ignore[attr-defined]
    T.long = lambda self: _astype(self, _dt.int64, False)  # type: ignore[attr-defined]
    T.int = lambda self: _astype(self, _dt.int32, False)  # type: ignore[attr-defined]
    T.bool = lambda self: _astype(self, _dt.bool_, False)  # type: ignore[attr-defined]
    T.cpu = lambda self: self  # type: ignore[attr-defined]
    T.dim = lambda self: self.ndim  # type: ignore[attr-defined]
    T.numel = lambda self: math.prod(self.shape)  # type: ignore[attr-defined]
    T.clone = _clone  # type: ignore[attr-defined]
    T.contiguous = _contiguous  # type: ignore[attr-defined]
    T.zero_ = _zero_  # type: ignore[attr-defined]
    T.fill_ = _fill_  # type: ignore[attr-defined]
    T.copy_ = _copy_  # type: ignore[attr-defined]
    T.view = _view  # type: ignore[attr-defined]
    T.reshape = _reshape  # type: ignore[attr-defined]
    T.view_as = lambda self, other: F.reshape(self, other.shape)  # type: ignore[attr-defined]
    T.permute = _permute  # type: ignore[attr-defined]
    T.transpose = F.transpose  # type: ignore[attr-defined]
    T.t = _t  # type: ignore[attr-defined]
    T.T = property(_t)  # type: ignore[assignment]
    T.mT = property(_mT)  # type: ignore[assignment]
    T.unsqueeze = F.unsqueeze  # type: ignore[attr-defined]
    T.squeeze = F.squeeze  # type: ignore[attr-defined]
    T.flatten = F.flatten  # type: ignore[attr-defined]
    T.expand = _expand  # type: ignore[attr-defined]
    T.expand_as = lambda self, other: F.expand(self, other.shape)  # type: ignore[attr-defined]
    T.matmul = lambda self, other: F.matmul(self, other)  # type: ignore[attr-defined]
    T.pow = _pow  # type: ignore[attr-defined]
    T.clamp = _clamp  # type: ignore[attr-defined]
    T.clip = _clamp  # type: ignore[attr-defined]
    T.softmax = _softmax  # type: ignore[attr-defined]
    T.log_softmax = _log_softmax  # type: ignore[attr-defined]
    for name in ("exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "abs", "sign", "sigmoid", "relu",
                 "reciprocal", "square"):
        setattr(T, name, _unary(name))


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor copied from data (PyTorch's ``torch.tensor``): floats default to float32, ints to int64."""
    from ..ops.creation import asarray

    if isinstance(data, Tensor):
        t = F.detach(_ew.astype(data, data.dtype if dtype is None else _dt.as_dtype(dtype)))
        if device is not None:
            t = _to(t, device)
    else:
        t = asarray(data, dtype=dtype, device=device)
    if requires_grad:
        F.requires_grad_(t)
    return t
