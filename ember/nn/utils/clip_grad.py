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
import warnings
from collections.abc import Iterable

from ... import ops as _ops
from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one
    vector (a 0-d tensor; ``tensor(0.)`` for none).

    >>> import ember
    >>> get_total_norm([ember.tensor([3.0, 4.0]), ember.tensor([0.0])])
    tensor(5.)
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _ops.tensor(0.0)
    with no_grad():
        if math.isinf(norm_type):
            norms = [t.detach().abs().max() if norm_type > 0 else t.detach().abs().min()
                     for t in tensors]
        else:
            norms = [vector_norm(t.detach(), norm_type) for t in tensors]
        total = vector_norm(_ops.stack(norms), norm_type)  # stack promotes, as PyTorch
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale the gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``, with a
    norm computed beforehand (e.g. by :func:`get_total_norm`).

    >>> import ember
    >>> p = ember.nn.Parameter(ember.ones(2))
    >>> p.grad = ember.full((2,), 4.0)
    >>> clip_grads_with_norm_([p], 1.0, ember.tensor(8.0))
    >>> [round(g, 4) for g in p.grad.tolist()]
    [0.5, 0.5]
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        # the coefficient is applied even when it is 1, as PyTorch does (no host sync)
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the joint norm before clipping (a 0-d tensor)."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float,
                   norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (with PyTorch's FutureWarning).

    >>> import ember, warnings
    >>> p = ember.nn.Parameter(ember.ones(1))
    >>> p.grad = ember.full((1,), 2.0)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     clip_grad_norm([p], 1.0)
    tensor(2.)
    """
    warnings.warn("`ember.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`ember.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


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
