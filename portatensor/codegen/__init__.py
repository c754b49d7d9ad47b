"""Layer 1: kernel specs rendered to source through Mako templates."""

from __future__ import annotations

from .fingerprint import codegen_fingerprint
from .render import OpenCLDialect, Rendered, render, template_dirs
from .spec import KernelSpec

__all__ = ["KernelSpec", "OpenCLDialect", "Rendered", "codegen_fingerprint", "render", "template_dirs"]
