"""The op table: each elementwise op's arity, dtype rule and kernel expression.

Expressions are OpenCL C over operands named a, b, ... already converted to
the compute type; ``$T`` spells the compute type's real scalar type (float or
double), for literals that must keep the compute precision. An op may give a
different expression per compute kind ('b' bool, 'i' signed, 'u' unsigned,
'f' real float, 'c' complex; complex helpers live in kernels_cl/complex.h).
Rules:
- 'numeric': result is the promoted dtype of the operands.
- 'divide': like numeric, but integer operands give the default float.
- 'compare': result is bool, computed in the promoted dtype.
- 'real': like numeric, but a complex result becomes its real dtype (abs, real, imag).
Reductions name their accumulator's initial value, combine step and final
expression (over acc and R, the number of reduced elements).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ElementwiseOp:
    name: str
    arity: int
    rule: str
    expr: str
    kinds: str = "biufc"  # operand kinds the op accepts
    by_kind: tuple[tuple[str, str], ...] = ()  # (kinds, expr) overriding expr for those compute kinds

    def expr_for(self, kind: str) -> str:
        """The expression for a compute dtype of kind ``kind``."""
        for kinds, expr in self.by_kind:
            if kind in kinds:
                return expr
        return self.expr


@dataclass(frozen=True)
class ReduceOp:
    """init, combine (acc with an element v) and final of a reduction, in OpenCL C over ``acc``/``v``.

    merge combines two partial accumulators (the second stage of a chunked reduction); None: combine
    does both, as for sum or max, but count_nonzero must add its partial counts, not count them.
    """

    name: str
    init: str
    combine: str
    final: str = "acc"
    merge: str | None = None

    @property
    def merge_expr(self) -> str:
        return self.combine if self.merge is None else self.merge


def _op(name: str, arity: int, rule: str, expr: str, kinds: str = "biufc", **by_kind: str) -> ElementwiseOp:
    return ElementwiseOp(name, arity, rule, expr, kinds, tuple(by_kind.items()))


def _float_fn(name: str, c_name: str | None = None, complex_fn: str | None = None) -> ElementwiseOp:
    """A real-float builtin (and its complex helper): floats only, as the standard says."""
    if complex_fn is None:
        return _op(name, 1, "numeric", f"{c_name or name}(a)", "f")
    return _op(name, 1, "numeric", f"{c_name or name}(a)", "fc", c=f"{complex_fn}(a)")


# NOTE: integer division and remainder by zero are undefined in the standard
# and trap on some CPUs, so kernels define them: x // 0 == 0 and x % 0 == 0
# (NumPy's values, without its warning); INT_MIN // -1 wraps to INT_MIN.
_IFLOORDIV = "(b == 0 ? 0 : (b == -1 ? -a : a / b - ((a % b != 0) && ((a % b < 0) != (b < 0)))))"
_IREM = "(b == 0 ? 0 : (b == -1 ? 0 : a % b + ((a % b != 0) && ((a % b < 0) != (b < 0))) * b))"

def _erfinv(newton: int) -> str:
    """erfinv(a) as one expression: Giles' polynomial guess, polished by ``newton`` Newton steps on erf."""
    w = "(-log((($T)1 - a) * (($T)1 + a)))"
    lo = ("2.81022636e-08", "3.43273939e-07", "-3.5233877e-06", "-4.39150654e-06", "0.00021858087",
          "-0.00125372503", "-0.00417768164", "0.246640727", "1.50140941")
    hi = ("-0.000200214257", "0.000100950558", "0.00134934322", "-0.00367342844", "0.00573950773",
          "-0.0076224613", "0.00943887047", "1.00167406", "2.83297682")

    def horner(cs: tuple[str, ...], t: str) -> str:
        e = f"(($T){cs[0]})"
        for k in cs[1:]:
            e = f"({e} * {t} + ($T){k})"
        return e

    x = f"(a * ({w} < ($T)5 ? {horner(lo, f'({w} - ($T)2.5)')} : {horner(hi, f'(sqrt({w}) - ($T)3)')}))"
    for _ in range(newton):
        x = f"({x} - (erf({x}) - a) / (($T)1.1283791670955126 * exp(-{x} * {x})))"
    return f"(fabs(a) == ($T)1 ? a * ($T)INFINITY : {x})"


ELEMENTWISE: dict[str, ElementwiseOp] = {op.name: op for op in (
    # arithmetic
    _op("add", 2, "numeric", "a + b", "iufc"),
    _op("subtract", 2, "numeric", "a - b", "iufc"),
    _op("multiply", 2, "numeric", "a * b", "iufc", c="cmul(a, b)"),
    _op("divide", 2, "divide", "a / b", "iufc", c="cdiv(a, b)"),
    _op("floor_divide", 2, "numeric", "pt_floordiv(a, b)", "iuf", i=_IFLOORDIV, u="(b == 0 ? 0 : a / b)"),
    _op("remainder", 2, "numeric", "pt_fmod_py(a, b)", "iuf", i=_IREM, u="(b == 0 ? 0 : a % b)"),
    _op("pow", 2, "numeric", "pow(a, b)", "iufc", iu="pt_ipow((long)a, (long)b)", c="cpow(a, b)"),
    _op("negative", 1, "numeric", "-a", "iufc"),
    _op("positive", 1, "numeric", "a", "iufc"),
    _op("abs", 1, "real", "fabs(a)", "iufc", i="(a < 0 ? -a : a)", u="a", c="cabs(a)"),
    _op("square", 1, "numeric", "a * a", "iufc", c="csquare(a)"),
    _op("reciprocal", 1, "numeric", "(($T)1 / a)", "fc", c="crecip(a)"),
    _op("sign", 1, "numeric", "(a > 0 ? ($T)1 : (a < 0 ? ($T)-1 : (a == 0 ? ($T)0 : a)))", "iufc",
        i="((a > 0) - (a < 0))", u="(a > 0)", c="csign(a)"),
    _op("maximum", 2, "numeric", "((a > b || isnan(a)) ? a : b)", "iuf", iu="(a > b ? a : b)"),
    _op("minimum", 2, "numeric", "((a < b || isnan(a)) ? a : b)", "iuf", iu="(a < b ? a : b)"),
    _op("copysign", 2, "numeric", "copysign(a, b)", "f"),
    _op("hypot", 2, "numeric", "hypot(a, b)", "f"),
    _op("atan2", 2, "numeric", "atan2(a, b)", "f"),
    _op("nextafter", 2, "numeric", "pt_nextafter(a, b)", "f"),  # NOTE: not the builtin, see kernels_cl/dtypes.h
    _op("logaddexp", 2, "numeric", "(a == b ? a + log(($T)2) : fmax(a, b) + log1p(exp(-fabs(a - b))))", "f"),
    # rounding: integers are already integral
    _op("ceil", 1, "numeric", "ceil(a)", "iuf", iu="a"),
    _op("floor", 1, "numeric", "floor(a)", "iuf", iu="a"),
    _op("trunc", 1, "numeric", "trunc(a)", "iuf", iu="a"),
    # NOTE: rint rounds half to even under the default rounding mode, as the standard asks.
    _op("round", 1, "numeric", "rint(a)", "iufc", iu="a"),
    # transcendental
    _float_fn("exp", complex_fn="cexp"),
    _float_fn("expm1", complex_fn="cexpm1"),
    _float_fn("log", complex_fn="clog"),
    _float_fn("log1p", complex_fn="clog1p"),
    _float_fn("log2", complex_fn="clog2"),
    _float_fn("log10", complex_fn="clog10"),
    _float_fn("sqrt", complex_fn="csqrt"),
    _float_fn("sin", complex_fn="csin"),
    _float_fn("cos", complex_fn="ccos"),
    _float_fn("tan", complex_fn="ctan"),
    _float_fn("sinh", complex_fn="csinh"),
    _float_fn("cosh", complex_fn="ccosh"),
    _float_fn("tanh", "pt_tanh", complex_fn="ctanh"),  # NOTE: saturates to +-1, see kernels_cl/dtypes.h
    _float_fn("asin", complex_fn="casin"),
    _float_fn("acos", complex_fn="cacos"),
    _float_fn("atan", complex_fn="catan"),
    _float_fn("asinh", complex_fn="casinh"),
    _float_fn("acosh", complex_fn="cacosh"),
    _float_fn("atanh", complex_fn="catanh"),
    _float_fn("erf"),
    _float_fn("erfc"),
    _op("erfinv", 1, "numeric", _erfinv(2), "f"),
    # complex parts
    _op("conj", 1, "numeric", "a", "iufc", c="conj(a)"),
    _op("real", 1, "real", "a", "fc", c="a.x"),
    _op("imag", 1, "real", "(($T)0)", "fc", c="a.y"),  # a real x has imag 0 even at NaN/inf
    # comparisons and classification
    _op("equal", 2, "compare", "a == b", "biufc", c="(a.x == b.x && a.y == b.y)"),
    _op("not_equal", 2, "compare", "a != b", "biufc", c="(a.x != b.x || a.y != b.y)"),
    _op("less", 2, "compare", "a < b", "iuf"),
    _op("less_equal", 2, "compare", "a <= b", "iuf"),
    _op("greater", 2, "compare", "a > b", "iuf"),
    _op("greater_equal", 2, "compare", "a >= b", "iuf"),
    _op("isnan", 1, "compare", "isnan(a)", "biufc", biu="0", c="cisnan(a)"),
    _op("isinf", 1, "compare", "isinf(a)", "biufc", biu="0", c="cisinf(a)"),
    _op("isfinite", 1, "compare", "isfinite(a)", "biufc", biu="1", c="cisfinite(a)"),
    _op("signbit", 1, "compare", "signbit(a)", "f"),
    # logical (bool only) and bitwise (integers and bool)
    _op("logical_and", 2, "numeric", "a && b", "b"),
    _op("logical_or", 2, "numeric", "a || b", "b"),
    _op("logical_xor", 2, "numeric", "a != b", "b"),
    _op("logical_not", 1, "numeric", "!a", "b"),
    _op("bitwise_and", 2, "numeric", "a & b", "biu"),
    _op("bitwise_or", 2, "numeric", "a | b", "biu"),
    _op("bitwise_xor", 2, "numeric", "a ^ b", "biu"),
    _op("bitwise_invert", 1, "numeric", "~a", "biu", b="!a"),
    # NOTE: shifts by a negative count or by the bit width or more are
    # undefined in C; the standard leaves negative counts undefined, and
    # counts >= width give what an infinitely wide shift would: 0 (or -1).
    # NOTE: the width is an int: Mesa's llvmpipe (rusticl) got `int b >= (long)32` wrong, every shift gave 0.
    _op("bitwise_left_shift", 2, "numeric", "((b < 0 || b >= (int)sizeof(a) * 8) ? 0 : a << b)", "iu"),
    _op("bitwise_right_shift", 2, "numeric",
        "((b < 0 || b >= (int)sizeof(a) * 8) ? (a < 0 ? -1 : 0) : a >> b)", "iu"),
    # data movement
    _op("copy", 1, "numeric", "a", "biufc"),
)}

REDUCE: dict[str, ReduceOp] = {op.name: op for op in (
    ReduceOp("sum", "0", "acc + v"),
    # {lowest}/{highest}: the accumulator dtype's extremes (-INFINITY for floats).
    # NaN propagates as in NumPy: once acc is NaN nothing replaces it.
    ReduceOp("max", "{lowest}", "(v != v || v > acc) ? v : acc"),
    ReduceOp("min", "{highest}", "(v != v || v < acc) ? v : acc"),
    ReduceOp("prod", "1", "acc * v"),
    ReduceOp("mean", "0", "acc + v", "acc / R"),
    ReduceOp("all", "1", "acc & (v != 0)"),
    ReduceOp("any", "0", "acc | (v != 0)"),
    ReduceOp("count_nonzero", "0", "acc + (v != 0)", merge="acc + v"),
    # Arg-reductions: combine is the test "(v, i) beats (acc, ai)" of argreduce.
    ReduceOp("argmax", "", "(v_nan && !acc_nan) || (!acc_nan && !v_nan && v > acc) || "
             "(v == acc && i < ai) || (v_nan && acc_nan && i < ai)"),
    ReduceOp("argmin", "", "(v_nan && !acc_nan) || (!acc_nan && !v_nan && v < acc) || "
             "(v == acc && i < ai) || (v_nan && acc_nan && i < ai)"),
)}
