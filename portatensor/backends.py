"""``torch.backends`` as a harmless namespace: scripts that set cuDNN/TF32 flags run unchanged.

None of these settings has an effect here (kernels come from portatensor's own templates); they are plain
attributes a script can set and read back. ``mps.is_available()`` and ``cudnn.is_available()`` are False.
"""

from __future__ import annotations


class _Flags:
    """A settable attribute namespace with an ``is_available()`` that answers False."""

    def __init__(self, **flags: object) -> None:
        self.__dict__.update(flags)

    @staticmethod
    def is_available() -> bool:
        """No cuDNN/MPS/MKL here: False."""
        return False

    def __repr__(self) -> str:
        return f"<flags {self.__dict__} (no effect in portatensor)>"


cudnn = _Flags(enabled=True, benchmark=False, deterministic=False, allow_tf32=True)
cuda = _Flags(matmul=_Flags(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                            allow_bf16_reduced_precision_reduction=True))
mps = _Flags()
mkldnn = _Flags(enabled=True)
opt_einsum = _Flags(enabled=True, strategy="auto")

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "opt_einsum"]
