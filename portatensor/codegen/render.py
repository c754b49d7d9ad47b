"""Rendering a KernelSpec to source through Mako, with a dialect per language.

This module is the only place that knows where templates/ and kernels_cl/
live and the only one that calls Mako.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mako import exceptions as mako_exceptions
from mako.lookup import TemplateLookup

from ..errors import RenderError
from .spec import KernelSpec


def template_dirs() -> tuple[Path, Path]:
    """(templates, kernels_cl): inside the installed wheel, else the source tree.

    The wheel maps the top-level templates/ and kernels_cl/ to the package data
    directories portatensor/_templates and portatensor/_kernels_cl.
    """
    pkg = Path(__file__).resolve().parent.parent
    installed = (pkg / "_templates", pkg / "_kernels_cl")
    if installed[0].is_dir():
        return installed
    source = (pkg.parent / "templates", pkg.parent / "kernels_cl")
    if source[0].is_dir():
        return source
    raise RuntimeError(f"portatensor's kernel templates are missing: looked in {installed[0]} and {source[0]}")


@functools.lru_cache(maxsize=1)
def _lookup() -> TemplateLookup:
    return TemplateLookup(directories=[str(d) for d in template_dirs()], strict_undefined=True,
                          input_encoding="utf-8")


# Kernel parameter kinds and the macro (kernels_cl/dialect_opencl.h) that spells each.
_PARAM_MACROS = {"out": "PT_OUT", "in": "PT_IN", "inout": "PT_INOUT", "local": "PT_LOCAL_PTR", "scalar": "PT_SCALAR"}


class OpenCLDialect:
    """How OpenCL C spells the constructs that differ from GLSL.

    Templates never write these spellings themselves; a Vulkan backend adds a
    GLSL dialect with the same methods and renders the same templates.
    """

    name = "opencl"

    def __init__(self, fp64: bool = True, fp16: bool = False) -> None:
        self.fp64 = fp64
        self.fp16 = fp16
        self.signatures: dict[str, tuple[tuple[str, str, str], ...]] = {}

    # work-item geometry
    def global_id(self, dim: int) -> str:
        return f"get_global_id({dim})"

    def local_id(self, dim: int) -> str:
        return f"get_local_id({dim})"

    def group_id(self, dim: int) -> str:
        return f"get_group_id({dim})"

    def global_size(self, dim: int) -> str:
        return f"get_global_size({dim})"

    def local_size(self, dim: int) -> str:
        return f"get_local_size({dim})"

    def barrier(self) -> str:
        return "barrier(CLK_LOCAL_MEM_FENCE)"

    def global_barrier(self) -> str:
        """A barrier that also orders global memory: for work-items sharing a matrix in a global buffer."""
        return "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)"

    def global_fence(self) -> str:
        """Orders this work-item's global stores before its later global memory operations (an atomic)."""
        return "PT_GLOBAL_FENCE"

    def atomic_inc(self, ptr: str) -> str:
        """Atomically adds 1 to the uint at global pointer ``ptr``; the expression's value is the old one."""
        return f"PT_ATOMIC_INC({ptr})"

    def coherent_load(self, ctype: str, ptr: str, idx: str) -> str:
        """Element ``idx`` of global ``ptr`` read past any non-coherent cache: another work-group's
        fenced store is seen."""
        return f"PT_COHERENT_LOAD({ctype}, {ptr}, {idx})"

    def local_array(self, ctype: str, name: str, size: int | str) -> str:
        return f"PT_LOCAL {ctype} {name}[{size}]"

    def cast(self, ctype: str, expr: str) -> str:
        return f"(({ctype})({expr}))"

    def kernel(self, name: str, params: Sequence[tuple[str, str, str]]) -> str:
        """A kernel signature from (kind, type, name) params.

        kind is 'out' (global, written), 'in' (global, read only), 'scalar'
        or 'local'.
        """
        self.signatures[name] = tuple(params)
        spelled = []
        for kind, ctype, pname in params:
            macro = _PARAM_MACROS.get(kind)
            if macro is None:
                raise ValueError(f"unknown kernel parameter kind {kind!r}")
            spelled.append(f"{macro}({ctype}) {pname}")
        return f"PT_KERNEL {name}({', '.join(spelled)})"

    def preamble(self) -> str:
        lines = [_lookup().get_template("dialect_opencl.h").render()]
        if self.fp64:
            lines.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable")
        if self.fp16:
            lines.append("#pragma OPENCL EXTENSION cl_khr_fp16 : enable")
        return "\n".join(lines)


@dataclass(frozen=True)
class Rendered:
    """Kernel source and the signature of each kernel it defines."""

    source: str
    signatures: dict[str, tuple[tuple[str, str, str], ...]]


def render(spec: KernelSpec, dialect: Any) -> Rendered:
    """The source text of ``spec`` in ``dialect``; RenderError with context on failure."""
    args = spec.template_args()
    dialect.signatures = {}
    try:
        template = _lookup().get_template(spec.template)
        entry = template.get_def(spec.entry)
    except Exception as exc:  # noqa: BLE001 - Mako raises several unrelated types here
        raise RenderError(spec.template, spec.entry, args, f"{type(exc).__name__}: {exc}") from exc
    try:
        body = entry.render(d=dialect, spec=spec, **args)
    except Exception as exc:  # noqa: BLE001 - any failure inside a template is a render error
        detail = mako_exceptions.text_error_template().render()
        raise RenderError(spec.template, spec.entry, args, detail) from exc
    return Rendered(f"{dialect.preamble()}\n{body.strip()}\n", dict(dialect.signatures))
