"""The op table: each elementwise op's arity, dtype rule and kernel expression.

Expressions are OpenCL C over operands named a, b, ... already converted to
the compute type. Rules:
- 'numeric': result is the promoted dtype of the operands.
- 'divide': like numeric, but integer operands give the default float.
- 'compare': result is bool, computed in the promoted dtype.
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


@dataclass(frozen=True)
class ReduceOp:
    name: str
    init: str
    combine: str
    final: str = "acc"


ELEMENTWISE: dict[str, ElementwiseOp] = {op.name: op for op in (
    ElementwiseOp("add", 2, "numeric", "a + b", "iuf"),
    ElementwiseOp("subtract", 2, "numeric", "a - b", "iuf"),
    ElementwiseOp("multiply", 2, "numeric", "a * b", "iuf"),
    ElementwiseOp("divide", 2, "divide", "a / b", "iuf"),
    ElementwiseOp("negative", 1, "numeric", "-a", "iuf"),
    ElementwiseOp("positive", 1, "numeric", "a", "iuf"),
    ElementwiseOp("copy", 1, "numeric", "a", "biuf"),
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
    ReduceOp("count_nonzero", "0", "acc + (v != 0)"),
    # Arg-reductions: combine is the test "(v, i) beats (acc, ai)" of argreduce.
    ReduceOp("argmax", "", "(v_nan && !acc_nan) || (!acc_nan && !v_nan && v > acc) || "
             "(v == acc && i < ai) || (v_nan && acc_nan && i < ai)"),
    ReduceOp("argmin", "", "(v_nan && !acc_nan) || (!acc_nan && !v_nan && v < acc) || "
             "(v == acc && i < ai) || (v_nan && acc_nan && i < ai)"),
)}
