"""Hook handles and the machinery behind ``Module.register_full_backward_hook``.

>>> import ember
>>> hooks = {}
>>> h = RemovableHandle(hooks)
>>> hooks[h.id] = print
>>> h.remove(); len(hooks)
0
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from ...autograd.function import Function
from ...tensor import Tensor

__all__ = ["RemovableHandle", "BackwardHook"]


class RemovableHandle:
    """Returned by every ``register_*_hook``: ``remove()`` takes the hook away (also usable
    as a context manager)."""

    _ids = itertools.count()

    def __init__(self, hooks_dict: dict, *, extra_dict: Any = None) -> None:
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._ids)
        self.extra_dicts = [] if extra_dict is None else (
            list(extra_dict) if isinstance(extra_dict, (list, tuple)) else [extra_dict])

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            if isinstance(d, dict):
                d.pop(self.id, None)
            else:
                d.discard(self.id)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class _Identity(Function):
    """Passes tensors through unchanged; its backward hands their gradients to ``state``.

    Placed on a module's inputs and outputs, it lets ``BackwardHook`` see the gradients of
    the module's outputs and inputs (what PyTorch's ``BackwardHookFunction`` does)."""

    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tensors  # Function.apply wraps each in a new tensor sharing its memory

    @staticmethod
    def backward(ctx, *grads):
        new = ctx.callback(grads)
        return (None, *new)


class BackwardHook:
    """One forward call's view of a module's full backward hooks.

    ``setup_input`` wraps the forward's tensor arguments, ``setup_output`` its outputs; in
    backward the output gradients are recorded (and passed to backward pre-hooks), then the
    input gradients trigger ``hook(module, grad_input, grad_output)``."""

    def __init__(self, module: Any, hooks: list[Callable], pre_hooks: list[Callable]) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_output: tuple | None = None
        self.n_inputs = 0
        self.input_positions: list[int] = []

    def setup_input(self, args: tuple) -> tuple:
        self.n_inputs = sum(isinstance(a, Tensor) for a in args)
        # PyTorch passes zeros for tensor inputs that need no gradient (when some other one
        # does): keep their shapes, not the tensors.
        self.input_meta = [(a.shape, a.dtype, a.device) for a in args if isinstance(a, Tensor)]
        tensor_index, positions, wrapped = 0, [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if a.requires_grad:
                    positions.append((i, tensor_index))
                    wrapped.append(a)
                tensor_index += 1
        self.input_positions = [t for _, t in positions]
        if not wrapped:
            return args
        outs = _Identity.apply(self._on_input_grads, *wrapped)
        args = list(args)
        for (i, _), o in zip(positions, outs):
            args[i] = o
        return tuple(args)

    def setup_output(self, output: Any) -> Any:
        single = isinstance(output, Tensor)
        outs = (output,) if single else output
        if not isinstance(outs, tuple):
            return output
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return output
        self.n_outputs = len(outs)
        self.output_index = idx
        new = _Identity.apply(self._on_output_grads, *[outs[i] for i in idx])
        outs = list(outs)
        for i, o in zip(idx, new):
            outs[i] = o
        return outs[0] if single else tuple(outs)

    def _on_output_grads(self, grads: tuple) -> tuple:
        full = [None] * self.n_outputs
        for i, g in zip(self.output_index, grads):
            full[i] = g
        grad_output = tuple(full)
        for hook in self.pre_hooks:
            result = hook(self.module, grad_output)
            if result is not None:
                grad_output = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grad_output
        if not self.input_positions:  # no input needs a gradient: PyTorch calls the hooks now
            for hook in self.hooks:
                hook(self.module, (None,) * max(self.n_inputs, 1), grad_output)
        return tuple(grad_output[i] for i in self.output_index)

    def _on_input_grads(self, grads: tuple) -> tuple:
        from ...ops.creation import zeros

        grad_input = [zeros(s, dtype=d, device=dev) for s, d, dev in self.input_meta]
        for t, g in zip(self.input_positions, grads):
            grad_input[t] = g
        grad_input = tuple(grad_input)
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(
                        f"backward hook returned {len(result)} gradients, but the module has "
                        f"{len(grad_input)} tensor inputs")
                grad_input = result
        return tuple(grad_input[t] for t in self.input_positions)
