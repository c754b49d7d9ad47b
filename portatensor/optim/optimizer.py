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

_LOW = (_dt.float16, _dt.bfloat16)


def _state_dtype(d: _dt.DType) -> _dt.DType:
    return _dt.float32 if d in _LOW else d


class Optimizer:
    """PyTorch's Optimizer surface: param_groups, state, zero_grad, step, state_dict.

    float16/bfloat16 parameters are stepped through a float32 master copy kept
    in their state (``state["master"]``); the rounded result is written back to
    the parameter each step. ``master_weights=False`` steps them directly.
    """

    def __init__(self, params: Any, defaults: dict[str, Any], master_weights: bool = True) -> None:
        self.defaults = defaults
        self.master_weights = master_weights
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
        seen = {id(q) for g in self.param_groups for q in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_contiguous():
                raise ValueError(f"optimizer needs contiguous parameters, got shape {p.shape} strides {p.strides}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf tensor (shape {p.shape}); pass parameters or "
                                 "tensors made with requires_grad=True")
            if id(p) in seen:
                raise ValueError(f"a parameter of shape {p.shape} appears in more than one parameter group")
            seen.add(id(p))
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
                    if g.dtype is not p.dtype:
                        g = _ew.astype(g, p.dtype)
                    elif not g.is_contiguous():
                        g = _ew.contiguous(g)
                    self._update(group, p, g, self.state.setdefault(p, {}))
        return loss

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _param_args(self, p: Tensor, state: dict[str, Any]) -> list[Any]:
        """p's kernel arguments; for a float16/bfloat16 p also its float32 master copy (made or refreshed here)."""
        args: list[Any] = [p._storage.buf, p.offset]
        if p.dtype in _LOW and self.master_weights:
            mw = state.get("master")
            if mw is None or state.get("master_version") != p._storage.version:
                mw = state["master"] = _ew.astype(p, _dt.float32)  # new, or p was written outside step()
            args.append(mw._storage.buf)
        return args

    def _launch(self, p: Tensor, entry: str, args: list[Any], state: dict[str, Any], **flags: Any) -> None:
        master = p.dtype in _LOW and self.master_weights
        if master:
            flags["master"] = True
        key = ("optim", entry, p.dtype, *sorted(flags.items()))
        kernel = p.device.plans.get(key)
        if kernel is None:
            kernel = p.device.plans[key] = p.device.kernel(KernelSpec.make("optim", entry, (p.dtype.name,), rank=1,
                                                                           **flags))
        launch(p.device, kernel, (p.size,), None, args)
        p._storage.version += 1
        if master:
            state["master_version"] = p._storage.version

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
