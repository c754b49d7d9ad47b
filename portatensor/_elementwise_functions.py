"""The standard's elementwise functions (Array API 2024.12, "Element-wise Functions").

Each is a thin, documented ``def`` over one row of ``ops/table.py``; the
kernels implement the standard's special cases (NaN, +-inf, +-0). Where the
standard leaves a result undefined the kernels still define one so a device
never traps: integer division or remainder by zero gives 0, shifts by the
bit width or more give 0 (or -1), integer pow with a negative exponent gives
0 (1 for base 1, +-1 for base -1). float16 and bfloat16 compute in float32.
Python scalars are accepted in either position of a binary function.
"""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt
from ._data_type_functions import iinfo
from .ops.elementwise import apply
from .ops.elementwise import astype as _astype
from .tensor import Tensor

Scalar = bool | int | float | complex

def abs(x: Tensor, /) -> Tensor:
    """Elementwise absolute value |x|; for complex x, the modulus in the real dtype (abs(-0.0) is +0.0)."""
    return apply("abs", x)

def acos(x: Tensor, /) -> Tensor:
    """Elementwise inverse cosine, in radians; NaN outside [-1, 1] for real x."""
    return apply("acos", x)

def acosh(x: Tensor, /) -> Tensor:
    """Elementwise inverse hyperbolic cosine; NaN for real x < 1."""
    return apply("acosh", x)

def add(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise sum of x1 and x2, broadcast."""
    return apply("add", x1, x2)

def asin(x: Tensor, /) -> Tensor:
    """Elementwise inverse sine, in radians; NaN outside [-1, 1] for real x."""
    return apply("asin", x)

def asinh(x: Tensor, /) -> Tensor:
    """Elementwise inverse hyperbolic sine."""
    return apply("asinh", x)

def atan(x: Tensor, /) -> Tensor:
    """Elementwise inverse tangent, in radians."""
    return apply("atan", x)

def atan2(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise angle of the point (x2, x1), in radians, with the signs of both arguments (C99 atan2)."""
    return apply("atan2", x1, x2)

def atanh(x: Tensor, /) -> Tensor:
    """Elementwise inverse hyperbolic tangent; +-inf at +-1, NaN outside [-1, 1] for real x."""
    return apply("atanh", x)

def bitwise_and(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise bitwise AND of integer or boolean arrays."""
    return apply("bitwise_and", x1, x2)

def bitwise_invert(x: Tensor, /) -> Tensor:
    """Elementwise bitwise NOT of an integer or boolean array (logical NOT for bool)."""
    return apply("bitwise_invert", x)

def bitwise_left_shift(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 << x2; shifting by the bit width or more gives 0 (negative x2: 0, undefined in the standard)."""
    return apply("bitwise_left_shift", x1, x2)

def bitwise_or(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise bitwise OR of integer or boolean arrays."""
    return apply("bitwise_or", x1, x2)

def bitwise_right_shift(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise arithmetic x1 >> x2; shifting by the bit width or more gives 0 or -1 (by sign)."""
    return apply("bitwise_right_shift", x1, x2)

def bitwise_xor(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise bitwise XOR of integer or boolean arrays."""
    return apply("bitwise_xor", x1, x2)

def ceil(x: Tensor, /) -> Tensor:
    """Elementwise smallest integral value >= x (integers are returned unchanged)."""
    return apply("ceil", x)

def clip(x: Tensor, /, min: Tensor | int | float | None = None, max: Tensor | int | float | None = None) -> Tensor:
    """Elementwise x limited to [min, max]; the result keeps x's dtype, its shape is x, min and max broadcast.

    NaN in x, min or max gives NaN; with min > max the result is max.

        >>> clip(asarray([-1.0, 0.5, 3.0]), 0.0, 1.0).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    if x.dtype.kind not in "iuf":
        raise TypeError(f"clip needs a real-valued array, got {x.dtype.name}")
    out = x
    if min is not None:
        out = apply("maximum", out, _clip_bound(x, min))
    if max is not None:
        out = apply("minimum", out, _clip_bound(x, max))
    if out is x:
        return apply("copy", x)
    if out.dtype is not x.dtype:
        out = _astype(out, x.dtype)
    return out

def _clip_bound(x: Tensor, bound: Any) -> Any:
    """A clip bound that compares with x. Bounds take no part in promotion (the result has x's dtype), so an
    integer bound with no common dtype with x (uint64 against a signed integer) is first limited to x's range,
    which leaves every comparison with x as it was, and then taken in x's dtype."""
    if not (isinstance(bound, Tensor) and {x.dtype.kind, bound.dtype.kind} == {"i", "u"}
            and _dt.uint64 in (x.dtype, bound.dtype)):
        return bound
    xr, br = iinfo(x.dtype), iinfo(bound.dtype)
    if xr.min > br.min:
        bound = apply("maximum", bound, xr.min)
    if xr.max < br.max:
        bound = apply("minimum", bound, xr.max)
    return _astype(bound, x.dtype)

def conj(x: Tensor, /) -> Tensor:
    """Elementwise complex conjugate (real inputs are returned unchanged)."""
    return apply("conj", x)

def copysign(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 with the sign bit of x2."""
    return apply("copysign", x1, x2)

def cos(x: Tensor, /) -> Tensor:
    """Elementwise cosine of x in radians."""
    return apply("cos", x)

def cosh(x: Tensor, /) -> Tensor:
    """Elementwise hyperbolic cosine."""
    return apply("cosh", x)

def divide(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise true division x1 / x2; integer inputs give the default float dtype."""
    return apply("divide", x1, x2)

def equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 == x2; bool result (NaN is unequal to everything)."""
    return apply("equal", x1, x2)

def exp(x: Tensor, /) -> Tensor:
    """Elementwise e**x."""
    return apply("exp", x)

def expm1(x: Tensor, /) -> Tensor:
    """Elementwise e**x - 1, accurate for small x."""
    return apply("expm1", x)

def floor(x: Tensor, /) -> Tensor:
    """Elementwise largest integral value <= x (integers are returned unchanged)."""
    return apply("floor", x)

def floor_divide(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise floor(x1 / x2), rounding toward -inf like Python; integer x // 0 is 0, float x // 0 is x / 0."""
    return apply("floor_divide", x1, x2)

def greater(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 > x2; bool result."""
    return apply("greater", x1, x2)

def greater_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 >= x2; bool result."""
    return apply("greater_equal", x1, x2)

def hypot(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise sqrt(x1**2 + x2**2) without undue overflow; inf if either is inf, even with NaN."""
    return apply("hypot", x1, x2)

def imag(x: Tensor, /) -> Tensor:
    """Elementwise imaginary part, in the real dtype of x (zeros for a real floating x)."""
    return apply("imag", x)

def isfinite(x: Tensor, /) -> Tensor:
    """Elementwise test for finite values (neither NaN nor +-inf); bool result."""
    return apply("isfinite", x)

def isinf(x: Tensor, /) -> Tensor:
    """Elementwise test for +-inf (either part, for complex); bool result."""
    return apply("isinf", x)

def isnan(x: Tensor, /) -> Tensor:
    """Elementwise test for NaN (either part, for complex); bool result."""
    return apply("isnan", x)

def less(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 < x2; bool result."""
    return apply("less", x1, x2)

def less_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 <= x2; bool result."""
    return apply("less_equal", x1, x2)

def log(x: Tensor, /) -> Tensor:
    """Elementwise natural logarithm; -inf at 0, NaN for real x < 0."""
    return apply("log", x)

def log10(x: Tensor, /) -> Tensor:
    """Elementwise base-10 logarithm."""
    return apply("log10", x)

def log1p(x: Tensor, /) -> Tensor:
    """Elementwise log(1 + x), accurate for small x."""
    return apply("log1p", x)

def log2(x: Tensor, /) -> Tensor:
    """Elementwise base-2 logarithm."""
    return apply("log2", x)

def logaddexp(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise log(exp(x1) + exp(x2)) without overflow."""
    return apply("logaddexp", x1, x2)

def logical_and(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise logical AND of boolean arrays."""
    return apply("logical_and", x1, x2)

def logical_not(x: Tensor, /) -> Tensor:
    """Elementwise logical NOT of a boolean array."""
    return apply("logical_not", x)

def logical_or(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise logical OR of boolean arrays."""
    return apply("logical_or", x1, x2)

def logical_xor(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise logical XOR of boolean arrays."""
    return apply("logical_xor", x1, x2)

def maximum(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise larger of x1 and x2; NaN if either is NaN."""
    return apply("maximum", x1, x2)

def minimum(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise smaller of x1 and x2; NaN if either is NaN."""
    return apply("minimum", x1, x2)

def multiply(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise product of x1 and x2, broadcast."""
    return apply("multiply", x1, x2)

def negative(x: Tensor, /) -> Tensor:
    """Elementwise -x (integers wrap around: -INT_MIN is INT_MIN)."""
    return apply("negative", x)

def nextafter(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise next representable value after x1 toward x2 (float32 and float64 only)."""
    for d in (getattr(x1, "dtype", None), getattr(x2, "dtype", None)):
        if d in (_dt.float16, _dt.bfloat16):
            # NOTE: the step must be taken in the storage precision, not in float32.
            raise TypeError(f"nextafter does not support {d.name}; cast to float32 first")
    return apply("nextafter", x1, x2)

def not_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 != x2; bool result."""
    return apply("not_equal", x1, x2)

def positive(x: Tensor, /) -> Tensor:
    """Elementwise +x (a new array)."""
    return apply("positive", x)

def pow(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 ** x2; for integers a negative exponent gives 0 (1 for base 1, +-1 for base -1)."""
    return apply("pow", x1, x2)

def real(x: Tensor, /) -> Tensor:
    """Elementwise real part, in the real dtype of x (a copy for a real floating x)."""
    return apply("real", x)

def reciprocal(x: Tensor, /) -> Tensor:
    """Elementwise 1 / x."""
    return apply("reciprocal", x)

def remainder(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise x1 - floor_divide(x1, x2) * x2: the result takes the sign of x2, like Python; integer x % 0 is 0."""
    return apply("remainder", x1, x2)

def round(x: Tensor, /) -> Tensor:
    """Elementwise rounding to the nearest integral value, halves to even (2.5 -> 2.0); complex rounds both parts."""
    return apply("round", x)

def sign(x: Tensor, /) -> Tensor:
    """Elementwise sign: -1, 0 or 1 (0 for -0.0, NaN stays NaN); x / |x| for complex, 0 at 0."""
    return apply("sign", x)

def signbit(x: Tensor, /) -> Tensor:
    """Elementwise test of the sign bit of a real floating x (True for -0.0 and negative NaN)."""
    return apply("signbit", x)

def sin(x: Tensor, /) -> Tensor:
    """Elementwise sine of x in radians."""
    return apply("sin", x)

def sinh(x: Tensor, /) -> Tensor:
    """Elementwise hyperbolic sine."""
    return apply("sinh", x)

def sqrt(x: Tensor, /) -> Tensor:
    """Elementwise square root; NaN for real x < 0, sqrt(-0.0) is -0.0; principal branch for complex."""
    return apply("sqrt", x)

def square(x: Tensor, /) -> Tensor:
    """Elementwise x * x."""
    return apply("square", x)

def subtract(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Elementwise difference x1 - x2, broadcast."""
    return apply("subtract", x1, x2)

def tan(x: Tensor, /) -> Tensor:
    """Elementwise tangent of x in radians."""
    return apply("tan", x)

def tanh(x: Tensor, /) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return apply("tanh", x)

def trunc(x: Tensor, /) -> Tensor:
    """Elementwise rounding toward zero (integers are returned unchanged)."""
    return apply("trunc", x)

def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
    """x converted to dtype (and moved to device if given).

    Casting complex to a real dtype raises TypeError (take real() or abs()).
    With copy=False the input is returned itself where no conversion is needed.
    """
    from .ops.creation import to_device
    from .ops.elementwise import astype as _astype

    if not isinstance(x, Tensor):
        raise TypeError(f"astype needs an array, got {type(x).__name__}")
    if device is not None:
        x = to_device(x, device)
    return _astype(x, _dt.as_dtype(dtype), copy)
