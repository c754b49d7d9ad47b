"""Optimizer base: parameter groups, per-parameter state, state_dict, fused step launches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.engine import no_grad
from ..codegen import KernelSpec
from ..ops import elementwise as _ew
from ..runtime.launch import launch
from ..tensor import Tensor


def _state_dtype(d: _dt.DType) -> _dt.DType:
    return _dt.float32 if d in (_dt.float16, _dt.bfloat16) else d


class Optimizer:
    """PyTorch's Optimizer surface: param_groups, state, zero_grad, step, state_dict."""

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        group = dict(group)
        ps = group["params"]
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_contiguous():
                raise ValueError(f"optimizer needs contiguous parameters, got shape {p.shape} strides {p.strides}")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        with no_grad():
                            p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            from ..autograd.engine import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if g.shape != p.shape:
                        raise RuntimeError(f"gradient of shape {g.shape} for a parameter of shape {p.shape}")
                    if not g.is_contiguous():
                        g = _ew.contiguous(g)
                    self._update(group, p, g, self.state.setdefault(p, {}))
        return loss

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _launch(self, p: Tensor, entry: str, args: list[Any], **flags: Any) -> None:
        spec = KernelSpec.make("optim", entry, (p.dtype.name,), rank=1, **flags)
        kernel = p.device.kernel(spec)
        launch(p.device, kernel, (p.size,), None, args)
        p._storage.version += 1

    @staticmethod
    def _zeros_like(p: Tensor) -> Tensor:
        from ..ops.creation import zeros

        return zeros(p.shape, dtype=_state_dtype(p.dtype), device=p.device)

    # -- state_dict ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        params = [p for g in self.param_groups for p in g["params"]]
        for g, sg in zip(self.param_groups, groups, strict=False):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
            g.update({k: v for k, v in sg.items() if k != "params"})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            self.state[p] = {k: (v.to(p.device) if isinstance(v, Tensor) else v) for k, v in s.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)
