"""The standard's data type functions (Array API 2024.12, "Data Type Functions").

``astype`` lives with the elementwise functions (it is a copy kernel); here are
the pure metadata functions: can_cast, finfo, iinfo, isdtype, result_type.
None of them touches a device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

_KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def _dtype_of(x: Any, who: str) -> _dt.DType:
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, _dt.DType):
        return x
    raise TypeError(f"{who} needs a dtype or an array, got {type(x).__name__}")


@dataclass(frozen=True)
class finfo_object:  # noqa: N801 - the standard's name
    """Machine limits of a floating dtype (for complex: of its real part)."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: _dt.DType


@dataclass(frozen=True)
class iinfo_object:  # noqa: N801 - the standard's name
    """Machine limits of an integer dtype."""

    bits: int
    max: int
    min: int
    dtype: _dt.DType


def finfo(type: Any, /) -> finfo_object:  # noqa: A002 - the standard's parameter name
    """Limits of a floating dtype (or an array's dtype); for complex, those of its real dtype.

        >>> finfo(float32).eps
        1.1920928955078125e-07
    """
    d = _dtype_of(type, "finfo")
    if d.kind not in "fc":
        raise TypeError(f"finfo needs a floating dtype, got {d.name}; use iinfo for integers")
    r = _dt.real_dtype(d)
    if r is _dt.bfloat16:
        # 8 exponent bits like float32, 7 stored mantissa bits.
        big = float((2 - 2.0**-7) * 2.0**127)
        return finfo_object(16, 2.0**-7, big, -big, 2.0**-126, r)
    info = np.finfo(r.np)
    return finfo_object(r.bits, float(info.eps), float(info.max), float(info.min),
                        float(info.smallest_normal), r)


def iinfo(type: Any, /) -> iinfo_object:  # noqa: A002 - the standard's parameter name
    """Limits of an integer dtype (or an array's dtype).

        >>> iinfo(int8).min
        -128
    """
    d = _dtype_of(type, "iinfo")
    if d.kind not in "iu":
        raise TypeError(f"iinfo needs an integer dtype, got {d.name}; use finfo for floating dtypes")
    info = np.iinfo(d.np)
    return iinfo_object(d.bits, int(info.max), int(info.min), d)


def isdtype(dtype: _dt.DType, kind: Any) -> bool:
    """Whether dtype is of kind: a dtype, a kind name ('integral', 'real floating', ...) or a tuple of those.

        >>> isdtype(float32, ("integral", "real floating"))
        True
    """
    if not isinstance(dtype, _dt.DType):
        raise TypeError(f"isdtype needs a dtype as its first argument, got {type(dtype).__name__}")
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, _dt.DType):
        return dtype == kind
    if isinstance(kind, str):
        try:
            return dtype.kind in _KINDS[kind]
        except KeyError:
            raise ValueError(f"unknown dtype kind {kind!r}; known: {', '.join(map(repr, _KINDS))}") from None
    raise TypeError(f"isdtype kind must be a dtype, a kind name or a tuple of them, got {type(kind).__name__}")


def can_cast(from_: Any, to: _dt.DType, /) -> bool:
    """Whether promotion rules allow casting from_ (a dtype or an array's dtype) to dtype ``to``.

        >>> can_cast(int8, int16), can_cast(int16, int8)
        (True, False)
    """
    src = _dtype_of(from_, "can_cast")
    if not isinstance(to, _dt.DType):
        raise TypeError(f"can_cast needs a dtype as its second argument, got {type(to).__name__}")
    return _dt.PROMOTION.get((src, to)) == to


def result_type(*arrays_and_dtypes: Any) -> _dt.DType:
    """The dtype the promotion rules give for arrays, dtypes and Python scalars together.

    Python scalars take the array dtype's kind (2024.12): an int fits integer and
    floating dtypes, a float floating ones, a complex turns a real floating
    dtype into its complex counterpart; other mixes raise TypeError.

        >>> result_type(int8, uint8, 3)
        portatensor.int16
    """
    dts = [x for x in arrays_and_dtypes if not isinstance(x, (bool, int, float, complex))]
    scalars = [x for x in arrays_and_dtypes if isinstance(x, (bool, int, float, complex))]
    if not dts:
        raise ValueError("result_type needs at least one array or dtype (Python scalars alone have no dtype)")
    out = _dtype_of(dts[0], "result_type")
    for x in dts[1:]:
        out = _dt.result_type(out, _dtype_of(x, "result_type"))
    for s in scalars:
        if isinstance(s, complex) and out.kind == "f":
            out = _dt.complex_dtype(out)
        elif isinstance(s, bool):
            if out.kind != "b":
                raise TypeError(f"a Python bool cannot be combined with {out.name}")
        elif isinstance(s, int):
            if out.kind == "b":
                raise TypeError(f"a Python int cannot be combined with {out.name}")
        elif isinstance(s, float):
            if out.kind not in "fc":
                raise TypeError(f"a Python float cannot be combined with {out.name}")
        elif out.kind != "c":
            raise TypeError(f"a Python complex cannot be combined with {out.name}")
    return out
