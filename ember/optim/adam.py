"""Adam, AdamW and Adamax, with PyTorch's single-tensor update formulas.

>>> import ember
>>> w = ember.tensor([1.0, -1.0], requires_grad=True)
>>> opt = ember.optim.Adam([w], lr=0.1)
>>> w.sum().backward(); opt.step()
>>> [round(v, 4) for v in w.tolist()]
[0.9, -1.1]
"""

from __future__ import annotations

import math
from typing import Any

from ..backends import kernels_of
from ..tensor import Tensor
from ._update import HEAVY_UPDATE_MIN, addcdiv_, addcmul_, effective_grad, get_num_threads, lerp_
from .optimizer import Optimizer, ParamsT, check_common, new_step, zeros_like


class Adam(Optimizer):
    """Adam (Kingma & Ba). ``weight_decay`` is L2 (added to the gradient) unless
    ``decoupled_weight_decay`` (then ``p *= 1 - lr * wd``, i.e. AdamW)."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        check_common(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        step = self._bump_step(state)
        lr, eps, wd, amsgrad = group["lr"], group["eps"], group["weight_decay"], group["amsgrad"]
        beta1, beta2 = group["betas"]
        decay = 1 - lr * wd if wd != 0 and group["decoupled_weight_decay"] else None
        l2 = wd if decay is None else 0
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = (1 - beta2 ** step) ** 0.5
        arrays = (grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
        if amsgrad:
            arrays += (state["max_exp_avg_sq"]._data,)
        maximize = group["maximize"]
        if get_num_threads() > 1 and not amsgrad and kernels_of(p._data).adam(
                p._data, *arrays, decay=decay, wd=l2, maximize=maximize, beta1=beta1,
                beta2=beta2, eps_scaled=eps * bc2_sqrt, value=-step_size * bc2_sqrt):
            return  # a fused kernel did the update below in one pass

        def block(xp: Any, pb: Any, gb: Any, m: Any, v: Any, *rest: Any) -> None:
            vmax, t, u = rest if amsgrad else (None, *rest)
            if decay is not None:
                pb *= decay
            g = effective_grad(xp, pb, gb, l2, maximize, t)
            lerp_(xp, m, g, 1 - beta1, u)
            v *= beta2
            addcmul_(xp, v, g, g, 1 - beta2, u)
            if amsgrad:
                xp.maximum(vmax, v, out=vmax)
            # PyTorch: p -= step_size * m / (sqrt(v) / bc2_sqrt + eps). Multiplying through by
            # bc2_sqrt saves one pass (~8% of the step); the rounding differs by an ulp or so.
            xp.sqrt(vmax if amsgrad else v, out=u)
            u += eps * bc2_sqrt
            addcdiv_(xp, pb, m, u, -step_size * bc2_sqrt, u)

        self._map_blocks(p, arrays, 2, block)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * wd`` first."""

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm): ``u = max(beta2 * u, |g| + eps)``;
    ``p -= lr / (1 - beta1^t) * m / u``."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_common(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["exp_avg"] = zeros_like(p)
        state["exp_inf"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        step = self._bump_step(state)
        beta1, beta2 = group["betas"]
        clr = group["lr"] / (1 - beta1 ** step)
        wd, maximize, eps = group["weight_decay"], group["maximize"], group["eps"]

        def block(xp: Any, pb: Any, gb: Any, m: Any, norm: Any, t: Any, u: Any) -> None:
            g = effective_grad(xp, pb, gb, wd, maximize, t)
            lerp_(xp, m, g, 1 - beta1, u)
            norm *= beta2
            xp.absolute(g, out=u)
            u += eps
            xp.maximum(norm, u, out=norm)
            addcdiv_(xp, pb, m, norm, -clr, u)

        self._map_blocks(p, (grad._data, state["exp_avg"]._data, state["exp_inf"]._data), 2,
                         block)


class NAdam(Optimizer):
    """NAdam (Dozat) with PyTorch's momentum-decay schedule ``mu_t = beta1 * (1 - 0.5 *
    0.96^(t * momentum_decay))``; ``decoupled_weight_decay`` gives NAdamW."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_common(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["mu_product"] = new_step() + 1  # float32, as in PyTorch
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        step = self._bump_step(state)
        lr, wd, md = group["lr"], group["weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        decay = 1 - lr * wd if wd != 0 and group["decoupled_weight_decay"] else None
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
        mu_product = state["mu_product"]._data
        mu_product *= mu  # rounded to float32 each step, like PyTorch's 0-d tensor
        mp = float(mu_product)
        grad_scale = -lr * (1.0 - mu) / (1.0 - mp)
        avg_scale = (-lr * mu_next) / (1.0 - mp * mu_next)
        l2, maximize, eps = 0 if decay is not None else wd, group["maximize"], group["eps"]

        def block(xp: Any, pb: Any, gb: Any, m: Any, v: Any, t: Any, u: Any, w: Any) -> None:
            if decay is not None:
                pb *= decay
            g = effective_grad(xp, pb, gb, l2, maximize, t)
            lerp_(xp, m, g, 1 - beta1, u)
            v *= beta2
            addcmul_(xp, v, g, g, 1 - beta2, u)
            xp.divide(v, bias_correction2, out=u)
            xp.sqrt(u, out=u)
            u += eps
            addcdiv_(xp, pb, g, u, grad_scale, w)
            addcdiv_(xp, pb, m, u, avg_scale, u)

        self._map_blocks(p, (grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data),
                         3, block)


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.): plain momentum SGD until the variance is tractable
    (``rho_t > 5``), then Adam scaled by the rectification term."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_common(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        step = self._bump_step(state)
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        decay = 1 - lr * wd if wd != 0 and group["decoupled_weight_decay"] else None
        bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
        rect = None
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        l2, maximize, eps = 0 if decay is not None else wd, group["maximize"], group["eps"]

        def block(xp: Any, pb: Any, gb: Any, m: Any, v: Any, t: Any, u: Any, w: Any) -> None:
            if decay is not None:
                pb *= decay
            g = effective_grad(xp, pb, gb, l2, maximize, t)
            lerp_(xp, m, g, 1 - beta1, u)
            v *= beta2
            addcmul_(xp, v, g, g, 1 - beta2, u)
            xp.divide(m, bc1, out=w)  # the bias-corrected first moment
            w *= lr
            if rect is not None:
                xp.sqrt(v, out=u)
                u += eps
                xp.divide(bc2 ** 0.5, u, out=u)  # the adaptive learning rate
                w *= u
                w *= rect
            pb -= w

        self._map_blocks(p, (grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data),
                         3, block)
