"""``register_parametrization``: compute a module's tensor from other tensors on each access,
as ``torch.nn.utils.parametrize``.

The module's class is swapped for a subclass ``Parametrized<Class>`` holding a property for
the tensor; the originals live in ``module.parametrizations.<name>`` (``original``, or
``original0``, ``original1``, ... when ``right_inverse`` returns several tensors), which
gives PyTorch's state-dict keys.

>>> import ember
>>> from ember import nn
>>> class Sym(nn.Module):
...     def forward(self, x):
...         return x.triu() + x.triu(1).mT
>>> m = nn.Module()
>>> m.weight = nn.Parameter(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
>>> _ = register_parametrization(m, "weight", Sym())
>>> m.weight.tolist(), list(m.state_dict())
([[1.0, 2.0], [2.0, 4.0]], ['parametrizations.weight.original'])
"""

from __future__ import annotations

from typing import Any

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["register_parametrization", "is_parametrized", "remove_parametrizations",
           "ParametrizationList"]


def _register(module: Module, name: str, tensor: Tensor) -> None:
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and its original value(s)."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new is not original:
                with no_grad():
                    original.data = new.detach()
            _register(self, "original", original)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of type "
                                     f"{type(t).__name__}")
                t = t.detach()
                if isinstance(original, Parameter):
                    t = Parameter(t, original.requires_grad)
                _register(self, f"original{i}", t)

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor equals ``value``."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self) -> Tensor:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` (or its tensor ``tensor_name``) has parametrizations."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else \
        tensor_name in parametrizations


def _inject_class(module: Module) -> None:
    cls = type(module)
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"_ember_orig_class": cls})


def _inject_property(module: Module, name: str) -> None:
    def getter(self: Module) -> Tensor:
        return self.parametrizations[name]()

    def setter(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    setattr(type(module), name, property(getter, setter))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)``, computed on access."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo :func:`register_parametrization`: ``tensor_name`` becomes a plain parameter
    again, holding the parametrized value (or the original, with ``leave_parametrized=False``)."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    with no_grad():
        if leave_parametrized:
            value = getattr(module, tensor_name).detach()
        elif plist.is_tensor:
            value = plist.original.detach()
        else:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
    requires_grad = next(iter(plist.parameters()), value).requires_grad
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    original = plist.original if plist.is_tensor else None
    if isinstance(original, Parameter):  # keep the Parameter object (optimizers hold it)
        original.data = value
        module.register_parameter(tensor_name, original)
    else:
        module.register_parameter(tensor_name, Parameter(value.clone(), requires_grad))
    if not is_parametrized(module):
        del module.parametrizations
        module.__class__ = type(module)._ember_orig_class
    return module
