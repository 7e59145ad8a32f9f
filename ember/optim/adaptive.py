"""RMSprop, Adagrad and Adadelta, with PyTorch's single-tensor update formulas.

>>> import ember
>>> w = ember.tensor([1.0, -1.0], requires_grad=True)
>>> opt = ember.optim.Adagrad([w], lr=0.1)
>>> w.sum().backward(); opt.step()
>>> [round(v, 4) for v in w.tolist()]
[0.9, -1.1]
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _make
from ._update import HEAVY_UPDATE_MIN, addcdiv_, addcmul_, effective_grad, lerp_
from .optimizer import Optimizer, ParamsT, check, check_common, new_step, zeros_like


class RMSprop(Optimizer):
    """RMSprop: ``v = alpha * v + (1 - alpha) * g^2``; ``centered`` subtracts the squared
    running mean of ``g``; with ``momentum`` the step goes through a buffer."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_common(lr, eps, None, 0.0)
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["square_avg"] = zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        self._bump_step(state)
        lr, alpha, momentum, centered = (group["lr"], group["alpha"], group["momentum"],
                                         group["centered"])
        arrays = (grad._data, state["square_avg"]._data,
                  state["momentum_buffer"]._data if momentum > 0 else grad._data,
                  state["grad_avg"]._data if centered else grad._data)
        wd, maximize, eps = group["weight_decay"], group["maximize"], group["eps"]

        def block(xp: Any, pb: Any, gb: Any, v: Any, buf: Any, gavg: Any, t: Any,
                  u: Any) -> None:
            g = effective_grad(xp, pb, gb, wd, maximize, t)
            v *= alpha
            addcmul_(xp, v, g, g, 1 - alpha, u)
            if centered:
                lerp_(xp, gavg, g, 1 - alpha, u)
                # avg = sqrt(v - gavg^2): PyTorch's v.addcmul(gavg, gavg, value=-1)
                xp.negative(gavg, out=u)
                u *= gavg
                u += v
                xp.sqrt(u, out=u)
            else:
                xp.sqrt(v, out=u)
            u += eps
            if momentum > 0:
                buf *= momentum
                xp.divide(g, u, out=u)
                buf += u
                xp.multiply(buf, -lr, out=u)
                pb += u
            else:
                addcdiv_(xp, pb, g, u, -lr, u)

        self._map_blocks(p, arrays, 2, block)


class Adagrad(Optimizer):
    """Adagrad: ``sum += g^2``; ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)``.
    State is created at construction, as in PyTorch."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        check(0.0 <= initial_accumulator_value,
              f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))

    def _eager_state(self, p: Tensor, group: dict[str, Any]) -> None:
        self._init_state(p, group, self.state[p])

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["sum"] = _make(p._data.copy())
        state["sum"]._data[...] = group["initial_accumulator_value"]

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        step = self._bump_step(state)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        wd, maximize, eps = group["weight_decay"], group["maximize"], group["eps"]

        def block(xp: Any, pb: Any, gb: Any, acc: Any, t: Any, u: Any) -> None:
            g = effective_grad(xp, pb, gb, wd, maximize, t)
            xp.multiply(g, g, out=u)
            acc += u
            xp.sqrt(acc, out=u)
            u += eps
            addcdiv_(xp, pb, g, u, -clr, u)

        self._map_blocks(p, (grad._data, state["sum"]._data), 2, block)


class Adadelta(Optimizer):
    """Adadelta (Zeiler): ``delta = sqrt(acc + eps) / sqrt(v + eps) * g``; ``p -= lr * delta``;
    both ``v`` (of ``g^2``) and ``acc`` (of ``delta^2``) are running means with ``rho``."""

    _thread_min_blocks = HEAVY_UPDATE_MIN

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, capturable=capturable,
                                      maximize=maximize, differentiable=differentiable))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = new_step()
        state["square_avg"] = zeros_like(p)
        state["acc_delta"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        self._bump_step(state)
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]

        def block(xp: Any, pb: Any, gb: Any, v: Any, acc: Any, t: Any, u: Any, w: Any) -> None:
            g = effective_grad(xp, pb, gb, wd, maximize, t)
            v *= rho
            addcmul_(xp, v, g, g, 1 - rho, u)
            xp.add(v, eps, out=u)
            xp.sqrt(u, out=u)  # std
            xp.add(acc, eps, out=w)
            xp.sqrt(w, out=w)
            w /= u
            w *= g  # delta
            acc *= rho
            addcmul_(xp, acc, w, w, 1 - rho, u)
            xp.multiply(w, -lr, out=u)
            pb += u

        self._map_blocks(p, (grad._data, state["square_avg"]._data, state["acc_delta"]._data),
                         3, block)
