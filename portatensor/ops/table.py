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
)}
