"""A fingerprint of everything that turns a spec into kernel text.

Any edit to templates/, kernels_cl/ or the codegen sources changes it, and
with it every program-cache and tuning-database key, so stale binaries and
tunings are never used after an upgrade.
"""

from __future__ import annotations

import functools
from pathlib import Path

from siphash24 import siphash24

from .render import template_dirs

# NOTE: a fixed key; the hash is an identifier, not a secret.
FINGERPRINT_KEY = b"portatensor-cg-1"


@functools.cache
def codegen_fingerprint() -> str:
    """Hex SipHash-2-4 over the names and bytes of every codegen input file."""
    h = siphash24(b"", key=FINGERPRINT_KEY)
    templates, kernels = template_dirs()
    roots = {"templates": templates, "kernels_cl": kernels, "codegen": Path(__file__).parent}
    for label, root in roots.items():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".mako", ".h", ".py", ".cl")):
            rel = f"{label}/{path.relative_to(root).as_posix()}".encode()
            data = path.read_bytes()
            h.update(len(rel).to_bytes(4, "little") + rel + len(data).to_bytes(8, "little") + data)
    return h.hexdigest()
