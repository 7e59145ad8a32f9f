"""The hook-based ``weight_norm`` / ``remove_weight_norm`` of ``torch.nn.utils`` (older
than the parametrizations, and still what many checkpoints hold): the parameters get
PyTorch's names (``weight_g``, ``weight_v``), so state dicts move between the two
frameworks unchanged, and a forward pre-hook recomputes ``module.weight`` before each call.

>>> import ember
>>> m = weight_norm(ember.nn.Linear(3, 2))
>>> list(m.state_dict())
['bias', 'weight_g', 'weight_v']
>>> list(remove_weight_norm(m).state_dict())
['bias', 'weight']
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter, UninitializedParameter

__all__ = ["weight_norm", "remove_weight_norm"]

M = TypeVar("M", bound=Module)


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim``, keeping dims; ``dim=-1`` means the
    norm of the whole tensor (a 0-d result), PyTorch's convention for ``dim=None``."""
    if dim == -1:
        return vector_norm(v)
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of shape "
                         f"{tuple(v.shape)} (expected -1 or a dim in [{-v.ndim}, {v.ndim - 1}])")
    dim %= v.ndim
    return vector_norm(v, 2, dim=[d for d in range(v.ndim) if d != dim], keepdim=True)


def hook_of(module: Module, kind: type, name: str) -> tuple[Any, Any] | None:
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return key, hook
    return None


def take_parameter(module: Module, name: str, op: str) -> Parameter:
    weight = module._parameters.get(name)
    if weight is None:
        raise AttributeError(f"{op}: {type(module).__name__} has no parameter named '{name}' "
                             f"(its parameters: {list(module._parameters)})")
    if isinstance(weight, UninitializedParameter):
        raise ValueError(f"{op}: the parameter '{name}' of {type(module).__name__} is not "
                         "initialized yet; run a dummy forward through the lazy module first")
    return weight


class _WeightNormHook:
    """The forward pre-hook: ``name = name_g * name_v / ||name_v||``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: M, name: str = "weight", dim: int | None = 0) -> M:
    """Split ``module.<name>`` into a magnitude ``<name>_g`` (the norm over every dim but
    ``dim``; ``dim=None``: the whole tensor) and a direction ``<name>_v``, recombined by a
    forward pre-hook. Deprecated in PyTorch in favour of
    :func:`ember.nn.utils.parametrizations.weight_norm`, with the same warning here.

    >>> import ember
    >>> m = weight_norm(ember.nn.Linear(3, 2))
    >>> tuple(m.weight_g.shape), tuple(m.weight_v.shape)
    ((2, 1), (2, 3))
    """
    warnings.warn("ember.nn.utils.weight_norm is deprecated in favor of "
                  "ember.nn.utils.parametrizations.weight_norm.", FutureWarning, stacklevel=2)
    if hook_of(module, _WeightNormHook, name) is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    hook = _WeightNormHook(name, -1 if dim is None else dim)
    weight = take_parameter(module, name, "weight_norm")
    with no_grad():
        g = norm_except_dim(weight, hook.dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(g.detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: M, name: str = "weight") -> M:
    """Undo :func:`weight_norm`: ``module.<name>`` becomes one parameter again, holding the
    current recombined weight.

    >>> import ember
    >>> m = remove_weight_norm(weight_norm(ember.nn.Linear(3, 2)))
    >>> type(m.weight).__name__
    'Parameter'
    """
    found = hook_of(module, _WeightNormHook, name)
    if found is None:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    key, hook = found
    with no_grad():
        weight = hook.compute_weight(module)
    del module._forward_pre_hooks[key]
    delattr(module, name)
    del module._parameters[name + "_g"]
    del module._parameters[name + "_v"]
    module.register_parameter(name, Parameter(weight.detach()))
    return module

