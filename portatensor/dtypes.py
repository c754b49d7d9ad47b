"""Data types, their categories and the type-promotion table.

The promotion rules are those of the Array API standard (2024.12): promotion
happens only within a kind (bool, signed/unsigned integers, real and complex
floating point); integer x float and the mixed pairs the standard leaves
undefined raise ``TypeError``. float16 and bfloat16 are storage dtypes outside
the standard: they are loaded into float32, computed there and stored back.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """One element type: its name, NumPy twin, OpenCL C spelling and kind."""

    __slots__ = ("name", "np", "c", "kind", "itemsize", "compute", "bits", "_hash")

    def __init__(self, name: str, np_dtype: Any, c: str, kind: str, compute: str | None = None) -> None:
        self.name = name
        # NOTE: bfloat16 has no NumPy dtype; it is stored as uint16 bits.
        self.np = np.dtype(np_dtype)
        self.c = c  # the type of a stored element in OpenCL C
        self.kind = kind  # 'b' bool, 'i' signed, 'u' unsigned, 'f' real float, 'c' complex
        self.itemsize = self.np.itemsize
        self.bits = self.itemsize * 8
        self.compute = compute or c  # the type arithmetic happens in
        self._hash = hash(name)

    def __repr__(self) -> str:
        return f"portatensor.{self.name}"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, DType) and other.name == self.name)

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple:
        return (from_name, (self.name,))

    @property
    def is_floating_point(self) -> bool:
        """PyTorch's ``dtype.is_floating_point``: a real floating type."""
        return self.kind == "f"

    @property
    def is_complex(self) -> bool:
        """PyTorch's ``dtype.is_complex``."""
        return self.kind == "c"

    @property
    def is_signed(self) -> bool:
        """PyTorch's ``dtype.is_signed``: signed integers, floats and complex types."""
        return self.kind in "ifc"


bool_ = DType("bool", np.bool_, "uchar", "b")
int8 = DType("int8", np.int8, "char", "i")
int16 = DType("int16", np.int16, "short", "i")
int32 = DType("int32", np.int32, "int", "i")
int64 = DType("int64", np.int64, "long", "i")
uint8 = DType("uint8", np.uint8, "uchar", "u")
uint16 = DType("uint16", np.uint16, "ushort", "u")
uint32 = DType("uint32", np.uint32, "uint", "u")
uint64 = DType("uint64", np.uint64, "ulong", "u")
float16 = DType("float16", np.float16, "half", "f", compute="float")
bfloat16 = DType("bfloat16", np.uint16, "ushort", "f", compute="float")
float32 = DType("float32", np.float32, "float", "f")
float64 = DType("float64", np.float64, "double", "f")
complex64 = DType("complex64", np.complex64, "float2", "c")
complex128 = DType("complex128", np.complex128, "double2", "c")

ALL: tuple[DType, ...] = (
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
    float16, bfloat16, float32, float64, complex64, complex128,
)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL if d is not bfloat16}

default_float = float32
default_int = int64
default_complex = complex64
default_index = int64

# Dtypes that need cl_khr_fp64 on the device.
NEEDS_FP64 = frozenset({float64, complex128})


def from_name(name: str) -> DType:
    """The dtype called ``name`` ('float32', 'bool', ...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise TypeError(f"unknown dtype {name!r}; known: {', '.join(_BY_NAME)}") from None


def from_numpy(dt: Any) -> DType:
    """The portatensor dtype of a NumPy dtype; TypeError for ones we do not have."""
    nd = np.dtype(dt)
    try:
        return _BY_NP[nd]
    except KeyError:
        raise TypeError(f"NumPy dtype {nd} has no portatensor equivalent") from None


def as_dtype(dt: Any) -> DType:
    """Accept a DType, a dtype name, a NumPy dtype or a Python type."""
    if isinstance(dt, DType):
        return dt
    if isinstance(dt, str):
        return from_name(dt)
    if dt is bool:
        return bool_
    if dt is int:
        return default_int
    if dt is float:
        return default_float
    if dt is complex:
        return default_complex
    try:
        return from_numpy(dt)
    except TypeError:
        raise
    except Exception:
        raise TypeError(f"{dt!r} is not a dtype") from None


def _promote_pair(a: DType, b: DType) -> DType | None:
    """The standard's result type of a and b, or None where it is undefined."""
    if a is b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "b" or kb == "b":
        return None
    if ka in "iu" and kb in "iu":
        if ka == kb:
            return a if a.bits >= b.bits else b
        s, u = (a, b) if ka == "i" else (b, a)
        if s.bits > u.bits:
            return s
        wider = {8: int16, 16: int32, 32: int64}.get(u.bits)
        return wider  # uint64 with any signed integer: undefined
    if ka in "iu" or kb in "iu":
        return None  # integer with floating point: undefined in the standard
    if {a, b} <= {float16, bfloat16}:
        return float32  # neither holds the other's values
    # Real/complex floats: precision is the max, kind is complex if either is.
    prec = max(_precision(a), _precision(b))
    if "c" in (ka, kb):
        return complex128 if prec == 64 else complex64
    return {16: float32, 32: float32, 64: float64}[prec] if prec != 16 else a


def _precision(d: DType) -> int:
    if d.kind == "c":
        return d.bits // 2
    return d.bits


PROMOTION: dict[tuple[DType, DType], DType] = {}
for _a in ALL:
    for _b in ALL:
        _r = _promote_pair(_a, _b)
        if _r is not None:
            PROMOTION[_a, _b] = _r


def result_type(a: DType, b: DType) -> DType:
    """Promote two dtypes by the table; TypeError for pairs without a rule."""
    try:
        return PROMOTION[a, b]
    except KeyError:
        raise TypeError(f"no promotion rule for {a.name} and {b.name}; cast one explicitly with astype") from None


def scalar_result_type(d: DType, value: Any) -> DType:
    """The dtype of ``array(d) op python_scalar`` per the standard: the array's dtype.

    Raises TypeError where the scalar's kind does not fit the array's kind
    (a float scalar with an integer array, anything but bool with bool).
    """
    if isinstance(value, bool):
        if d.kind == "b":
            return d
    elif isinstance(value, int):
        if d.kind in "iu":
            info = np.iinfo(d.np)
            if not info.min <= value <= info.max:
                raise OverflowError(f"Python int {value} does not fit {d.name}")
            return d
        if d.kind in "fc":
            return d
    elif isinstance(value, float):
        if d.kind in "fc":
            return d
    elif isinstance(value, complex):
        if d.kind == "c":
            return d
    raise TypeError(f"Python {type(value).__name__} scalar cannot be combined with a {d.name} array")


def is_floating(d: DType) -> bool:
    return d.kind == "f"


def real_dtype(d: DType) -> DType:
    """The real dtype of a complex one (complex64 -> float32); others unchanged."""
    return {"complex64": float32, "complex128": float64}.get(d.name, d)


def complex_dtype(d: DType) -> DType:
    """The complex dtype holding a real float one (float64 -> complex128; half -> complex64)."""
    if d.kind == "c":
        return d
    return complex128 if d is float64 else complex64
