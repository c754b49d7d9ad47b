"""Private elementwise ops autograd and nn need: activations and their derivatives.

They are ``ElementwiseOp`` rows run by the generic elementwise path, kept out
of the public table because they are building blocks of backward rules and
fused activations. Constants are written ``C(0.5)``; each op exists once per
literal precision ('f' suffix for float32/float16 compute, none for float64)
so float32 kernels never compute in double.
"""

from __future__ import annotations

import re
from typing import Any

from ..ops.elementwise import ElementwiseOp, run
from ..tensor import Tensor

_FWD: dict[str, tuple[int, str]] = {
    # name: (arity, expression over a, b, c in the compute type)
    "exp": (1, "exp(a)"),
    "log": (1, "log(a)"),
    "sqrt": (1, "sqrt(a)"),
    "rsqrt": (1, "rsqrt(a)"),
    "sin": (1, "sin(a)"),
    "cos": (1, "cos(a)"),
    "tanh": (1, "tanh(a)"),
    "abs": (1, "fabs(a)"),
    "sign": (1, "(a > C(0) ? C(1) : (a < C(0) ? C(-1) : C(0)))"),
    "square": (1, "a * a"),
    "reciprocal": (1, "C(1) / a"),
    "sigmoid": (1, "C(1) / (C(1) + exp(-a))"),
    "relu": (1, "(a > C(0) ? a : C(0))"),
    "silu": (1, "a / (C(1) + exp(-a))"),
    "gelu": (1, "C(0.5) * a * (C(1) + erf(a * C(0.7071067811865476)))"),
    "gelu_tanh": (1, "C(0.5) * a * (C(1) + tanh(C(0.7978845608028654) * (a + C(0.044715) * a * a * a)))"),
    "softplus": (1, "(a > C(20) ? a : log1p(exp(a)))"),
    "pow": (2, "pow(a, b)"),
    "maximum": (2, "(a > b || isnan(a) ? a : b)"),
    "minimum": (2, "(a < b || isnan(a) ? a : b)"),
    "leaky_relu": (2, "(a > C(0) ? a : a * b)"),
    "clamp": (3, "fmin(fmax(a, b), c)"),
    "lerp": (3, "a + c * (b - a)"),
    # backward helpers: a is the incoming gradient
    "relu_bw": (2, "(b > C(0) ? a : C(0))"),
    "sigmoid_bw": (2, "a * b * (C(1) - b)"),
    "tanh_bw": (2, "a * (C(1) - b * b)"),
    "silu_bw": (2, "a * (C(1) / (C(1) + exp(-b))) * (C(1) + b * (C(1) - C(1) / (C(1) + exp(-b))))"),
    "gelu_bw": (2, "a * (C(0.5) * (C(1) + erf(b * C(0.7071067811865476))) + "
                   "b * exp(C(-0.5) * b * b) * C(0.3989422804014327))"),
    "gelu_tanh_bw": (2, "a * (C(0.5) * (C(1) + tanh(C(0.7978845608028654) * (b + C(0.044715) * b * b * b))) + "
                        "C(0.5) * b * (C(1) - tanh(C(0.7978845608028654) * (b + C(0.044715) * b * b * b)) * "
                        "tanh(C(0.7978845608028654) * (b + C(0.044715) * b * b * b))) * "
                        "C(0.7978845608028654) * (C(1) + C(0.134145) * b * b))"),
    "softplus_bw": (2, "a / (C(1) + exp(-b))"),
    "leaky_relu_bw": (3, "(b > C(0) ? a : a * c)"),
    "mask_gt": (3, "(b > c ? a : C(0))"),  # g where x > y
    "mask_ge": (3, "(b >= c ? a : C(0))"),
    "mask_lt": (3, "(b < c ? a : C(0))"),
    "mask_eq": (3, "(b == c ? a : C(0))"),
    "mask_inside": (4, "(b >= c && b <= d ? a : C(0))"),
    "where_f": (3, "(a != C(0) ? b : c)"),  # a is a 0/1 float mask
    "div_grad_b": (3, "-a * b / (c * c)"),  # -g * x / y^2
    "pow_grad_a": (3, "a * c * pow(b, c - C(1))"),
    "pow_grad_b": (3, "(b > C(0) ? a * pow(b, c) * log(b) : C(0))"),
    "axpby": (4, "a * c + b * d"),
}

_LIT = re.compile(r"C\(([^()]+)\)")
_OPS: dict[tuple[str, bool], ElementwiseOp] = {}


def _op(name: str, double: bool) -> ElementwiseOp:
    op = _OPS.get((name, double))
    if op is None:
        arity, expr = _FWD[name]
        sub = (lambda m: f"({m.group(1)})") if double else (lambda m: _flit(m.group(1)))
        op = ElementwiseOp(f"_ag_{name}{'_d' if double else ''}", arity, "numeric", _LIT.sub(sub, expr), "f")
        _OPS[name, double] = op
    return op


def _flit(text: str) -> str:
    v = float(text)
    return f"({v!r}f)" if "e" not in repr(v) and "inf" not in repr(v) else f"((float){v!r})"


def ew(name: str, *operands: Any) -> Tensor:
    """Run private op ``name`` on operands (tensors of one float dtype and Python floats); not recorded."""
    double = any(o.__class__ is Tensor and o.dtype.name == "float64" for o in operands)
    ops = [float(o) if isinstance(o, (int, float)) and not isinstance(o, bool) else o for o in operands]
    return run(_op(name, double), ops)


def has(name: str) -> bool:
    return name in _FWD
