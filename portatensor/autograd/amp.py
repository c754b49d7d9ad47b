"""Mixed precision: ``autocast`` for low-precision matmuls and ``GradScaler`` for float16 losses.

float16 and bfloat16 are storage dtypes here: kernels load them, compute in
float32 and round on store, so this works on devices without cl_khr_fp16.

* ``with pt.autocast(dtype=pt.bfloat16):`` casts the float32 operands of every
  matmul (hence ``nn.Linear``, convolutions and attention) to the low dtype and
  returns the low dtype; the casts are recorded, so float32 parameters get
  float32 gradients. Sums and means of low-precision tensors return float32,
  and an elementwise op between a low-precision and a float32 tensor promotes
  to float32 (a float32 bias brings a linear layer's output back to float32).
* Parameters may themselves be float16/bfloat16 (``model.to(pt.bfloat16)``):
  their gradients arrive in their dtype, and the optimizers keep a float32
  master copy of each such parameter in their state, step it in float32 and
  write the rounded result back (``master_weights=False`` turns that off).
* ``GradScaler`` scales a float16 loss up before backward so small gradients do
  not flush to zero, unscales them before the step and skips steps whose
  gradients overflowed, as ``torch.amp.GradScaler`` does.
"""

from __future__ import annotations

import functools
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor

_LOW = (_dt.float16, _dt.bfloat16)


class _AutocastState:
    __slots__ = ("dtype",)

    def __init__(self) -> None:
        self.dtype: _dt.DType | None = None


AUTOCAST = _AutocastState()


class autocast:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator): matmuls run in ``dtype`` (float16 or bfloat16) inside it.

    ``device_type`` is accepted for PyTorch compatibility and ignored (every
    device computes low-precision storage in float32).
    """

    def __init__(self, device_type: Any = None, dtype: Any = _dt.bfloat16, enabled: bool = True,
                 cache_enabled: Any = None) -> None:
        dt = _dt.as_dtype(dtype)
        if dt not in _LOW:
            raise ValueError(f"autocast dtype must be float16 or bfloat16, got {dt.name}")
        self.dtype = dt if enabled else None
        self.prev: list[_dt.DType | None] = []

    def __enter__(self) -> autocast:
        self.prev.append(AUTOCAST.dtype)
        AUTOCAST.dtype = self.dtype
        return self

    def __exit__(self, *exc: Any) -> None:
        AUTOCAST.dtype = self.prev.pop()

    def __call__(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_enabled() -> bool:
    """Whether an ``autocast`` context is active."""
    return AUTOCAST.dtype is not None


def get_autocast_dtype() -> _dt.DType | None:
    """The active autocast dtype, or None."""
    return AUTOCAST.dtype


def operand(x: Any, dtype: _dt.DType) -> Any:
    """x cast to the autocast dtype when it is a float32 tensor (recorded, so gradients flow back)."""
    if x.__class__ is Tensor and x.dtype is _dt.float32:
        from .function import cast

        return cast(x, dtype)
    return x


class GradScaler:
    """Loss scaling for float16 training: ``scaler.scale(loss).backward(); scaler.step(opt); scaler.update()``."""

    def __init__(self, device: Any = None, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        if growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler needs growth_factor > 1 and 0 < backoff_factor < 1, got "
                             f"{growth_factor} and {backoff_factor}")
        self._scale = float(init_scale)
        self.growth_factor, self.backoff_factor, self.growth_interval = growth_factor, backoff_factor, growth_interval
        self._enabled = enabled
        self._growth_tracker = 0
        self._unscaled: dict[int, bool] = {}  # id(optimizer) -> found inf

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """outputs multiplied by the scale (a tensor, or a list/tuple of them)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer: Any) -> None:
        """Divide the optimizer's gradients by the scale in place and note whether any is inf or NaN."""
        if not self._enabled or id(optimizer) in self._unscaled:
            return
        from ..ops import elementwise as _ew
        from ..ops import reduce as _reduce
        from ..ops.table import ELEMENTWISE
        from .engine import no_grad

        inv = 1.0 / self._scale
        flags = []
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    _ew.run_into(ELEMENTWISE["multiply"], [g, inv], g)
                    flags.append(_reduce.reduce("all", _ew.apply("isfinite", g)))
        found = False
        if flags:
            from ..ops.manipulate import stack

            found = not bool(stack(flags).numpy().all())  # NOTE: one host sync per step, as PyTorch has
        self._unscaled[id(optimizer)] = found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """optimizer.step() unless the unscaled gradients hold an inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        self.unscale_(optimizer)
        if self._unscaled[id(optimizer)]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | None = None) -> None:
        """Back off the scale after an overflow, grow it after growth_interval clean steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self.backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker >= self.growth_interval:
                self._scale *= self.growth_factor
                self._growth_tracker = 0
        self._unscaled.clear()

    def state_dict(self) -> dict[str, Any]:
        return {"scale": self._scale, "growth_factor": self.growth_factor, "backoff_factor": self.backoff_factor,
                "growth_interval": self.growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._scale = float(state["scale"])
        self.growth_factor = state["growth_factor"]
        self.backoff_factor = state["backoff_factor"]
        self.growth_interval = state["growth_interval"]
        self._growth_tracker = state["_growth_tracker"]


__all__ = ["GradScaler", "autocast", "get_autocast_dtype", "is_autocast_enabled"]
