"""``Module`` methods that ported PyTorch code calls around a model: ``type``,
``to_empty``, ``share_memory`` and the state-dict hooks; a base class of ``Module``, kept
apart from ``module.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._module_hooks import add_hook
from .utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from .module import Module


def _register(module: Module, table: str, hook: Callable) -> RemovableHandle:
    return add_hook(module.__dict__[table], hook, False)


class ModulePortingMethods:
    """Mixed into ``Module``: PyTorch's conversion odds and state-dict hooks."""

    def type(self: Module, dst_type: Any) -> Module:
        """Cast every parameter and buffer (integer ones too, as PyTorch) to ``dst_type``,
        a dtype or a type name such as ``'torch.DoubleTensor'``; returns the module.

        >>> import ember
        >>> ember.nn.Linear(2, 2).type(ember.float64).weight.dtype
        ember.float64
        """
        return self._apply(lambda t: t.type(dst_type))

    def to_empty(self: Module, *, device: Any, recurse: bool = True) -> Module:
        """Replace parameters and buffers (of submodules too, unless ``recurse=False``) by
        uninitialised tensors of the same shapes and dtypes on ``device``.

        >>> import ember
        >>> ember.nn.Linear(2, 3).to_empty(device="cpu").weight.shape
        ember.Size([3, 2])
        """
        from ..ops import empty_like

        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def share_memory(self: Module) -> Module:
        """Nothing to do: ember's worker processes receive data, not shared modules (in
        PyTorch this moves storage to shared memory). Returns the module.

        >>> import ember
        >>> m = ember.nn.Linear(2, 2)
        >>> m.share_memory() is m
        True
        """
        return self

    def register_state_dict_pre_hook(self: Module, hook: Callable) -> RemovableHandle:
        """``hook(module, prefix, keep_vars) -> None`` runs before this module's entries are
        added by ``state_dict``."""
        return _register(self, "_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self: Module, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata) -> None`` runs after this
        module and its submodules have added their entries; it may edit ``state_dict`` in
        place (returning anything else than None is an error, as in PyTorch).

        >>> import ember
        >>> m = ember.nn.Linear(2, 2)
        >>> h = m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.pop("bias"))
        >>> list(m.state_dict())
        Traceback (most recent call last):
        ...
        RuntimeError: state_dict post-hook must return None
        """
        return _register(self, "_state_dict_hooks", hook)

    def register_load_state_dict_pre_hook(self: Module, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) -> None`` runs before ``load_state_dict`` reads this
        module's entries. It sees a copy of the given dict holding the keys under
        ``prefix`` and may rename or convert them in place; messages it appends to
        ``error_msgs`` make the load fail."""
        return _register(self, "_load_state_dict_pre_hooks", hook)

    def register_load_state_dict_post_hook(self: Module, hook: Callable) -> RemovableHandle:
        """``hook(module, incompatible_keys) -> None`` runs after ``load_state_dict`` has
        loaded this module and its submodules. It may edit ``incompatible_keys.missing_keys``
        and ``.unexpected_keys`` in place; with ``strict=True`` the load fails afterwards if
        either is still non-empty.

        >>> import ember
        >>> m = ember.nn.Linear(2, 2)
        >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
        >>> m.load_state_dict({"weight": ember.zeros(2, 2)})
        <All keys matched successfully>
        """
        return _register(self, "_load_state_dict_post_hooks", hook)


def run_load_pre_hooks(root: Module, state_dict: dict, missing: list, unexpected: list,
                       errors: list) -> None:
    """Each module's load pre-hooks, parents first, as PyTorch runs them: a submodule's
    hooks get the entries under its prefix (a copy), and their edits are folded back."""

    def visit(module: Module, prefix: str, local: dict) -> None:
        metadata = getattr(state_dict, "_metadata", {}).get(prefix[:-1], {})
        for hook in list(module._load_state_dict_pre_hooks.values()):
            # PyTorch passes strict=True to every hook whatever load_state_dict was given
            hook(module, local, prefix, metadata, True, missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is None:
                continue
            child_prefix = prefix + name + "."
            child_local = {k: v for k, v in local.items() if k.startswith(child_prefix)}
            visit(child, child_prefix, child_local)
            for key in [k for k in local if k.startswith(child_prefix)]:
                del local[key]
            local.update(child_local)

    visit(root, "", state_dict)


def run_load_post_hooks(root: Module, keys: Any) -> None:
    """Each module's load post-hooks, submodules first (PyTorch's order)."""

    def visit(module: Module) -> None:
        for child in module._modules.values():
            if child is not None:
                visit(child)
        for hook in list(module._load_state_dict_post_hooks.values()):
            if hook(module, keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be "
                    "modified, it should be done inplace.")

    visit(root)


def has_hooks(root: Module, table: str) -> bool:
    return any(m.__dict__[table] for m in root.modules())
