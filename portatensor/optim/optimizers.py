"""SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Adadelta, NAdam and RAdam, each step one fused kernel per parameter
(templates/optim.cl.mako)."""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False,
                 master_weights: bool = True, **kw: Any) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"invalid SGD hyper-parameters lr={lr}, momentum={momentum}, weight_decay={weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize), master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        mom = float(group["momentum"])
        args = self._param_args(p, state) + [g._storage.buf, g.offset]
        first = 0
        if mom:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._zeros_like(p)
                first = 1
            args.append(buf._storage.buf)
        args += [p.size, float(group["lr"]), float(group["weight_decay"]), mom, float(group["dampening"]), first,
                 -1.0 if group["maximize"] else 1.0]
        self._launch(p, "sgd", args, state, momentum=bool(mom), nesterov=bool(group["nesterov"]))


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 master_weights: bool = True, **kw: Any) -> None:
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"invalid betas {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=bool(amsgrad), maximize=maximize), master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        amsgrad = bool(group["amsgrad"])
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
        if amsgrad and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = self._zeros_like(p)
        state["step"] += 1
        t = state["step"]
        b1, b2 = group["betas"]
        args = self._param_args(p, state) + [g._storage.buf, g.offset, state["exp_avg"]._storage.buf,
                                             state["exp_avg_sq"]._storage.buf]
        if amsgrad:
            args.append(state["max_exp_avg_sq"]._storage.buf)
        args += [p.size, float(group["lr"]), float(b1), float(b2), float(group["eps"]), float(group["weight_decay"]),
                 1.0 - b1**t, 1.0 - b2**t, -1.0 if group["maximize"] else 1.0]
        flags = {"amsgrad": True} if amsgrad else {}
        self._launch(p, "adam", args, state, decoupled=self._decoupled, **flags)


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 master_weights: bool = True, **kw: Any) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         master_weights=master_weights)


class RMSprop(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False, master_weights: bool = True, **kw: Any) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize), master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        mom, centered = float(group["momentum"]), bool(group["centered"])
        if "step" not in state:
            state["step"] = 0
            state["square_avg"] = self._zeros_like(p)
            if mom:
                state["momentum_buffer"] = self._zeros_like(p)
            if centered:
                state["grad_avg"] = self._zeros_like(p)
        state["step"] += 1
        args = self._param_args(p, state) + [g._storage.buf, g.offset, state["square_avg"]._storage.buf]
        if mom:
            args.append(state["momentum_buffer"]._storage.buf)
        if centered:
            args.append(state["grad_avg"]._storage.buf)
        args += [p.size, float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                 float(group["weight_decay"]), mom, -1.0 if group["maximize"] else 1.0]
        self._launch(p, "rmsprop", args, state, momentum=bool(mom), centered=centered)



class Adagrad(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False,
                 master_weights: bool = True, **kw: Any) -> None:
        if lr < 0 or lr_decay < 0 or weight_decay < 0 or initial_accumulator_value < 0 or eps < 0:
            raise ValueError(f"invalid Adagrad hyper-parameters lr={lr}, lr_decay={lr_decay}, weight_decay="
                             f"{weight_decay}, initial_accumulator_value={initial_accumulator_value}, eps={eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize), master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        if "step" not in state:
            state["step"] = 0
            state["sum"] = self._zeros_like(p)
            if group["initial_accumulator_value"]:
                state["sum"].fill_(float(group["initial_accumulator_value"]))
        state["step"] += 1
        clr = float(group["lr"]) / (1.0 + (state["step"] - 1) * float(group["lr_decay"]))
        args = self._param_args(p, state) + [g._storage.buf, g.offset, state["sum"]._storage.buf, p.size, clr,
                                             float(group["weight_decay"]), float(group["eps"]),
                                             -1.0 if group["maximize"] else 1.0]
        self._launch(p, "adagrad", args, state)


def _check(name: str, **values: float) -> None:
    """ValueError naming every negative hyper-parameter."""
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        raise ValueError(f"invalid {name} hyper-parameters: {', '.join(f'{k}={v}' for k, v in bad.items())}")


def _check_betas(betas: tuple[float, float]) -> None:
    if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"invalid betas {betas}")


class Adamax(Optimizer):
    """PyTorch's Adamax: Adam with the infinity norm, u = max(b2 u, |g| + eps)."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False, master_weights: bool = True,
                 **kw: Any) -> None:
        _check("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize), master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(p)
            state["exp_inf"] = self._zeros_like(p)
        state["step"] += 1
        b1, b2 = group["betas"]
        args = self._param_args(p, state) + [g._storage.buf, g.offset, state["exp_avg"]._storage.buf,
                                             state["exp_inf"]._storage.buf, p.size,
                                             float(group["lr"]) / (1.0 - b1 ** state["step"]), float(b1), float(b2),
                                             float(group["eps"]), float(group["weight_decay"]),
                                             -1.0 if group["maximize"] else 1.0]
        self._launch(p, "adamax", args, state)


class Adadelta(Optimizer):
    """PyTorch's Adadelta (lr scales the step, default 1.0)."""

    def __init__(self, params: Any, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 *, maximize: bool = False, master_weights: bool = True, **kw: Any) -> None:
        _check("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"invalid Adadelta rho {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize),
                         master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        if "step" not in state:
            state["step"] = 0
            state["square_avg"] = self._zeros_like(p)
            state["acc_delta"] = self._zeros_like(p)
        state["step"] += 1
        args = self._param_args(p, state) + [g._storage.buf, g.offset, state["square_avg"]._storage.buf,
                                             state["acc_delta"]._storage.buf, p.size, float(group["lr"]),
                                             float(group["rho"]), float(group["eps"]), float(group["weight_decay"]),
                                             -1.0 if group["maximize"] else 1.0]
        self._launch(p, "adadelta", args, state)


class _AdamMoments(Optimizer):
    """NAdam/RAdam: Adam's two moments, weight decay added to g or (decoupled_weight_decay) applied to p."""

    def __init__(self, params: Any, name: str, defaults: dict[str, Any], master_weights: bool) -> None:
        _check(name, lr=defaults["lr"], eps=defaults["eps"], weight_decay=defaults["weight_decay"])
        _check_betas(defaults["betas"])
        super().__init__(params, defaults, master_weights)

    def _moment_args(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> list[Any]:
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
        state["step"] += 1
        b1, b2 = group["betas"]
        wd = float(group["weight_decay"])
        decoupled = bool(group["decoupled_weight_decay"])
        return self._param_args(p, state) + [g._storage.buf, g.offset, state["exp_avg"]._storage.buf,
                                             state["exp_avg_sq"]._storage.buf, p.size, float(b1), float(b2),
                                             float(group["eps"]), 0.0 if decoupled else wd,
                                             1.0 - float(group["lr"]) * wd if decoupled else 1.0]


class NAdam(_AdamMoments):
    """PyTorch's NAdam (Nesterov Adam with the momentum_decay schedule; ``decoupled_weight_decay`` = NAdamW)."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False, master_weights: bool = True, **kw: Any) -> None:
        _check("NAdam", momentum_decay=momentum_decay)
        super().__init__(params, "NAdam", dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                               momentum_decay=momentum_decay,
                                               decoupled_weight_decay=decoupled_weight_decay, maximize=maximize),
                         master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        args = self._moment_args(group, p, g, state)
        t, lr, psi = state["step"], float(group["lr"]), float(group["momentum_decay"])
        b1, b2 = group["betas"]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] = prod = state.get("mu_product", 1.0) * mu
        args += [lr * (1.0 - mu) / (1.0 - prod), lr * mu_next / (1.0 - prod * mu_next), 1.0 - b2 ** t,
                 -1.0 if group["maximize"] else 1.0]
        self._launch(p, "nadam", args, state)


class RAdam(_AdamMoments):
    """PyTorch's RAdam: Adam with the variance rectification (plain momentum SGD while rho_t <= 5)."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *, maximize: bool = False,
                 master_weights: bool = True, **kw: Any) -> None:
        super().__init__(params, "RAdam", dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                               decoupled_weight_decay=decoupled_weight_decay, maximize=maximize),
                         master_weights)

    def _update(self, group: dict[str, Any], p: Tensor, g: Tensor, state: dict[str, Any]) -> None:
        args = self._moment_args(group, p, g, state)
        t, lr = state["step"], float(group["lr"])
        b1, b2 = group["betas"]
        bc1, bc2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * t * b2 ** t / bc2
        adaptive = rho_t > 5.0
        c = lr / bc1
        if adaptive:
            c *= math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) * \
                math.sqrt(bc2)
        args += [c, int(adaptive), -1.0 if group["maximize"] else 1.0]
        self._launch(p, "radam", args, state)
