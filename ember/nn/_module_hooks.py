"""Running and registering ``Module`` forward/backward hooks, kept apart from
``module.py``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .utils.hooks import BackwardHook, RemovableHandle

if TYPE_CHECKING:
    from .module import Module


def call_with_hooks(module: Module, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` when it has hooks: pre-hooks, backward-hook setup,
    ``forward``, forward hooks."""
    for hid, hook in list(module._forward_pre_hooks.items()):
        if hid in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    bw = None
    if module._backward_hooks or module._backward_pre_hooks:
        bw = BackwardHook(module, list(module._backward_hooks.values()),
                          list(module._backward_pre_hooks.values()))
        args = bw.setup_input(args)
    output = module.forward(*args, **kwargs)
    for hid, hook in list(module._forward_hooks.items()):
        if hid in module._forward_hooks_with_kwargs:
            result = hook(module, args, kwargs, output)
        else:
            result = hook(module, args, output)
        if result is not None:
            output = result
    if bw is not None:
        output = bw.setup_output(output)
    return output


def add_hook(hooks: OrderedDict, hook: Callable, prepend: bool,
             with_kwargs_ids: set | None = None, with_kwargs: bool = False
             ) -> RemovableHandle:
    """Register ``hook`` in ``hooks`` (first if ``prepend``); ids of hooks that take kwargs
    go in ``with_kwargs_ids``."""
    handle = RemovableHandle(hooks, extra_dict=with_kwargs_ids)
    hooks[handle.id] = hook
    if with_kwargs:
        with_kwargs_ids.add(handle.id)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle
