"""Activation checkpointing: ``checkpoint(fn, *args)`` runs ``fn`` without keeping its
intermediate results and runs it again during backward to get the gradients (less memory
for one extra forward), like ``torch.utils.checkpoint`` with ``use_reentrant=True``.

>>> import ember
>>> x = ember.tensor([1.0, 2.0], requires_grad=True)
>>> checkpoint(lambda t: (t.sin() * t).sum(), x).backward()
>>> [round(v, 4) for v in x.grad.tolist()]
[1.3818, 0.077]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...autograd import backward as _backward
from ...autograd.function import Function
from ...autograd.grad_mode import enable_grad
from ...ops.random import get_rng_state, set_rng_state
from ...tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, run: Callable, preserve_rng: bool, *args: Any) -> Any:
        # Runs under no_grad (Function.apply): no graph, so no intermediate is kept.
        ctx.run, ctx.preserve_rng = run, preserve_rng
        ctx.rng_state = get_rng_state() if preserve_rng else None
        ctx.inputs = args
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        return run(*args)

    @staticmethod
    def backward(ctx, *grads: Tensor) -> tuple:
        saved = iter(ctx.saved_tensors)  # version-checked
        inputs = []
        for a in ctx.inputs:
            if isinstance(a, Tensor):
                t = next(saved)
                d = t.detach()
                d.requires_grad_(t.requires_grad)
                inputs.append(d)
            else:
                inputs.append(a)
        now = get_rng_state() if ctx.preserve_rng else None
        if ctx.preserve_rng:
            set_rng_state(ctx.rng_state)  # dropout masks as in the first run
        try:
            with enable_grad():
                outputs = ctx.run(*inputs)
        finally:
            if now is not None:
                set_rng_state(now)
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            # Gradients of parameters used inside fn accumulate into their .grad here.
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, *[a.grad if isinstance(a, Tensor) else None for a in inputs])


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, recomputed during backward instead of storing its
    intermediates. Gradients reach the tensor arguments and, through ``.backward()``, the
    parameters ``function`` uses (not ``ember.autograd.grad`` w.r.t. those parameters, as
    with PyTorch's reentrant checkpoint)."""
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    return _Checkpoint.apply(run, preserve_rng_state, *args)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run ``functions`` (a ``Sequential`` or a list of callables) on ``input`` in
    ``segments`` pieces, checkpointing every piece but the last, as PyTorch's
    ``checkpoint_sequential`` (``preserve_rng_state`` is the one keyword accepted).

    >>> import ember
    >>> model = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.Tanh(), ember.nn.Linear(2, 1))
    >>> x = ember.ones(3, 2, requires_grad=True)
    >>> checkpoint_sequential(model, 2, x).sum().backward()
    >>> x.grad.shape
    ember.Size([3, 2])
    """
    from ..containers import Sequential

    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int) -> Callable:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
