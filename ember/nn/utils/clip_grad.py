"""Gradient clipping (``clip_grad_norm_``, ``clip_grad_value_``) and flattening parameters
to one vector, as in ``torch.nn.utils``.

>>> import ember
>>> p = ember.nn.Parameter(ember.ones(4))
>>> p.grad = ember.full((4,), 3.0)
>>> clip_grad_norm_([p], max_norm=1.0)   # the norm before clipping
tensor(6.)
>>> round(p.grad.norm().item(), 4)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import ops as _ops
from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the joint norm before clipping (a 0-d tensor)."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return _ops.tensor(0.0)
    with no_grad():
        if math.isinf(norm_type):
            norms = [g.detach().abs().max() for g in grads]
            total = _ops.stack([n.to(grads[0].dtype) for n in norms]).max()
        else:
            norms = [vector_norm(g.detach(), norm_type) for g in grads]
            total = vector_norm(_ops.stack([n.to(grads[0].dtype) for n in norms]), norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        # the coefficient is applied even when it is 1, as PyTorch does (no host sync)
        coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector."""
    return _ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make the parameters views of consecutive slices of ``vec`` (their data is replaced,
    as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
