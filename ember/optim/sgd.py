"""SGD (momentum, dampening, Nesterov, weight decay, maximize) and Lion.

>>> import ember
>>> w = ember.tensor([1.0], requires_grad=True)
>>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)
0.46
"""

from __future__ import annotations

from typing import Any

from ..backends import kernels_of
from ..tensor import Tensor, _make
from ._update import effective_grad, get_num_threads
from .optimizer import Optimizer, ParamsT, check, check_common, zeros_like


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update:
    ``g += wd * p``; ``buf = momentum * buf + (1 - dampening) * g`` (``buf = g`` at first);
    ``g = g + momentum * buf`` (Nesterov) or ``buf``; ``p -= lr * g``."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        maximize, nesterov = group["maximize"], group["nesterov"]
        if momentum == 0:
            def plain(xp: Any, pb: Any, gb: Any, t: Any, u: Any) -> None:
                g = effective_grad(xp, pb, gb, wd, maximize, t)
                xp.multiply(g, -lr, out=u)
                pb += u

            self._map_blocks(p, (grad._data,), 2, plain)
            return
        first = "momentum_buffer" not in state
        if first:  # PyTorch starts the buffer as a copy of the (decayed) gradient
            state["momentum_buffer"] = _make(p._data.copy())
        alpha = 1 - group["dampening"]
        if get_num_threads() > 1 and not first and kernels_of(p._data).sgd_momentum(
                p._data, grad._data, state["momentum_buffer"]._data, wd=wd, maximize=maximize,
                momentum=momentum, alpha=alpha, nesterov=nesterov, lr=lr):
            return  # a fused kernel did the update below in one pass

        def block(xp: Any, pb: Any, gb: Any, buf: Any, t: Any, u: Any) -> None:
            g = effective_grad(xp, pb, gb, wd, maximize, t)
            if first:
                xp.copyto(buf, g)
            else:
                buf *= momentum
                if alpha == 1:
                    buf += g
                else:
                    xp.multiply(g, alpha, out=u)
                    buf += u
            if nesterov:
                xp.multiply(buf, momentum, out=u)
                u += g
                u *= -lr
            else:
                xp.multiply(buf, -lr, out=u)
            pb += u

        self._map_blocks(p, (grad._data, state["momentum_buffer"]._data), 2, block)


class Lion(Optimizer):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; as in optax):
    ``p *= 1 - lr * wd``; ``p -= lr * sign(beta1 * m + (1 - beta1) * g)``;
    ``m = beta2 * m + (1 - beta2) * g``. Not in PyTorch.

    >>> import ember
    >>> w = ember.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ember.optim.Lion([w], lr=0.1)
    >>> w.sum().backward(); opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.9, -2.1]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99),
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        check_common(lr, None, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay,
                                      maximize=maximize))

    def _init_state(self, p: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["exp_avg"] = zeros_like(p)

    def _update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, wd = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        maximize = group["maximize"]

        def block(xp: Any, pb: Any, gb: Any, m: Any, t: Any, u: Any, w: Any) -> None:
            g = effective_grad(xp, pb, gb, 0, maximize, t)
            if wd != 0:
                pb *= 1 - lr * wd
            xp.multiply(m, beta1, out=u)
            xp.multiply(g, 1 - beta1, out=w)
            u += w
            xp.sign(u, out=u)
            u *= -lr
            pb += u
            m *= beta2
            xp.multiply(g, 1 - beta2, out=w)
            m += w

        self._map_blocks(p, (grad._data, state["exp_avg"]._data), 3, block)
