"""The hook-based ``spectral_norm`` / ``remove_spectral_norm`` of ``torch.nn.utils``: the
parameter becomes ``<name>_orig`` with buffers ``<name>_u`` and ``<name>_v`` (PyTorch's
names, so state dicts move between the two frameworks unchanged), and a forward pre-hook
sets ``module.<name>`` to ``<name>_orig / sigma`` before each call, ``sigma`` estimated by
power iteration (one step per training forward, as PyTorch does).

>>> import ember
>>> m = spectral_norm(ember.nn.Linear(3, 2))
>>> list(m.state_dict())
['bias', 'weight_orig', 'weight_u', 'weight_v']
>>> list(remove_spectral_norm(m).state_dict())
['bias', 'weight']
"""

from __future__ import annotations

from typing import Any, TypeVar

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..functional.normalization import normalize
from ..module import Module
from ..parameter import Parameter
from ._weight_norm import hook_of, take_parameter

__all__ = ["spectral_norm", "remove_spectral_norm"]

M = TypeVar("M", bound=Module)


class _SpectralNormHook:
    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:  # the chosen dim first, the rest flattened
            rest = [d for d in range(weight.ndim) if d != self.dim]
            weight = weight.permute(self.dim, *rest)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            with no_grad():
                # in place, so the buffers stay the tensors the state dict hands out
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(mat.mT @ u, dim=0, eps=self.eps))
                    u.copy_(normalize(mat @ v, dim=0, eps=self.eps))
            # clones: the next step's in-place update must not touch what backward saved
            u, v = u.clone(), v.clone()
        sigma = (u * (mat @ v)).sum()
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def _default_dim(module: Module) -> int:
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def spectral_norm(module: M, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> M:
    """Divide ``module.<name>`` by its spectral norm, estimated by ``n_power_iterations``
    power-iteration steps per training forward; ``dim`` (default 1 for ConvTranspose
    layers, else 0) is the output-channel dim. ``u`` and ``v`` start random, as in PyTorch.

    >>> import ember
    >>> m = spectral_norm(ember.nn.Linear(3, 2))
    >>> tuple(m.weight_orig.shape), tuple(m.weight_u.shape), tuple(m.weight_v.shape)
    ((2, 3), (2,), (3,))
    """
    if hook_of(module, _SpectralNormHook, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    weight = take_parameter(module, name, "spectral_norm")
    dim = _default_dim(module) if dim is None else dim
    if not -weight.ndim <= dim < max(weight.ndim, 1):
        raise IndexError(f"spectral_norm: dim {dim} is out of range for '{name}' of shape "
                         f"{tuple(weight.shape)}")
    hook = _SpectralNormHook(name, n_power_iterations, dim % max(weight.ndim, 1), eps)
    from ...ops.random import randn

    with no_grad():
        h, w = hook.matrix(weight).shape
        u = normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: M, name: str = "weight") -> M:
    """Undo :func:`spectral_norm`: ``module.<name>`` becomes one parameter holding the
    current normalised weight (no power-iteration step).

    >>> import ember
    >>> m = remove_spectral_norm(spectral_norm(ember.nn.Linear(3, 2)))
    >>> list(m.state_dict())
    ['bias', 'weight']
    """
    found = hook_of(module, _SpectralNormHook, name)
    if found is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    key, hook = found
    with no_grad():
        weight = hook.compute_weight(module, do_power_iteration=False)
    del module._forward_pre_hooks[key]
    for attr in (name, name + "_u", name + "_v", name + "_orig"):
        delattr(module, attr)
    module.register_parameter(name, Parameter(weight.detach()))
    return module
