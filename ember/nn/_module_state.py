"""``Module.load_state_dict``'s checking and copying, kept apart from ``module.py``."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._module_porting import has_hooks, run_load_post_hooks, run_load_pre_hooks
from .parameter import Parameter, _is_uninitialized

if TYPE_CHECKING:
    from .module import Module


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def load_state_dict(root: Module, state_dict: Mapping[str, Any], strict: bool,
                    assign: bool) -> _IncompatibleKeys:
    """The body of :meth:`Module.load_state_dict` (see its docstring)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    entries: dict = {}
    root._state_entries("", entries)
    missing, unexpected, errors, plan = [], [], [], []
    if has_hooks(root, "_load_state_dict_pre_hooks"):  # they edit a copy, as in PyTorch
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata
        run_load_pre_hooks(root, state_dict, missing, unexpected, errors)
    for key, (module, name, is_param) in entries.items():
        if key not in state_dict:
            missing.append(key)
            continue
        value = state_dict[key]
        current = (module._parameters if is_param else module._buffers)[name]
        if not isinstance(value, Tensor):
            kind = type(value)  # qualified: a torch.Tensor is a "Tensor" too
            errors.append(f'While copying the parameter named "{key}", expected an ember '
                          f"Tensor from checkpoint but received {kind.__module__}."
                          f"{kind.__qualname__} (convert arrays with ember.from_numpy, "
                          f"e.g. ember.from_numpy(t.numpy()) for a torch tensor)")
            continue
        if current.ndim == 0 and value.ndim == 1 and value.numel() == 1:
            value = value[0]  # PyTorch's allowance for old checkpoints of scalars
        if not _is_uninitialized(current) and value.shape != current.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape "
                          f"{value.shape} from checkpoint, the shape in current model is "
                          f"{current.shape}.")
            continue
        plan.append((module, name, is_param, current, value))
    unexpected.extend(k for k in state_dict if k not in entries)
    # Post-hooks may clear missing or unexpected keys, so with them the strict check comes
    # after loading (PyTorch's order); without them nothing is written unless all is well.
    post_hooks = has_hooks(root, "_load_state_dict_post_hooks")
    _raise_if_errors(root, errors if post_hooks else
                     _strict_errors(missing, unexpected, strict) + errors)
    _write(plan, assign)
    if post_hooks:
        run_load_post_hooks(root, _IncompatibleKeys(missing, unexpected))
        _raise_if_errors(root, _strict_errors(missing, unexpected, strict))
    return _IncompatibleKeys(missing, unexpected)


def _strict_errors(missing: list, unexpected: list, strict: bool) -> list[str]:
    errors = []
    if strict and missing:
        errors.append("Missing key(s) in state_dict: {}. ".format(
            ", ".join(f'"{k}"' for k in missing)))
    if strict and unexpected:
        errors.append("Unexpected key(s) in state_dict: {}. ".format(
            ", ".join(f'"{k}"' for k in unexpected)))
    return errors


def _raise_if_errors(root: Module, errors: list[str]) -> None:
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            root._get_name(), "\n\t".join(errors)))


def _write(plan: list, assign: bool) -> None:
    with no_grad():
        for module, name, is_param, current, value in plan:
            if _is_uninitialized(current):
                current.materialize(value.shape, device=value.device, dtype=value.dtype)
            if assign:
                if is_param:
                    if not isinstance(value, Parameter):
                        value = Parameter(value, requires_grad=current.requires_grad)
                    else:
                        value.requires_grad_(current.requires_grad)
                    module._parameters[name] = value
                else:
                    module._buffers[name] = value
            else:
                current.copy_(value)
