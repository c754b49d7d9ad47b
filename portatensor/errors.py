"""The exception types portatensor raises beyond Python's built-in ones.

Bad *user* input raises the built-in type a Python programmer expects
(TypeError, ValueError, IndexError, MemoryError). The types here are for
failures of the machinery: a template that does not render, a kernel that the
driver will not build, an OpenCL setup that has no platform.
"""

from __future__ import annotations


class PortatensorError(Exception):
    """Base class of portatensor's own errors."""


class RenderError(PortatensorError):
    """A Mako template failed to render; carries the template, arguments and traceback."""

    def __init__(self, template: str, entry: str, args: dict, detail: str) -> None:
        self.template = template
        self.entry = entry
        self.args_used = args
        self.detail = detail
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(args.items()))
        super().__init__(f"rendering {template}:{entry} failed with arguments ({shown})\n{detail}")


class BuildError(PortatensorError):
    """The OpenCL compiler rejected a kernel; carries the build log and numbered source."""

    def __init__(self, device: str, options: str, log: str, source: str) -> None:
        self.device = device
        self.options = options
        self.log = log
        self.source = source
        numbered = "\n".join(f"{i:4d} | {line}" for i, line in enumerate(source.splitlines(), 1))
        super().__init__(
            f"OpenCL build failed on {device} (options: {options!r})\n"
            f"--- build log ---\n{log.strip()}\n--- source ---\n{numbered}"
        )


class NoPlatformError(RuntimeError):
    """No OpenCL platform with a device was found."""
