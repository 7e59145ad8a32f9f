"""``ember.autograd.Function``: user-defined ops with a hand-written backward.

>>> import ember
>>> class Cube(ember.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x * x
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x * x
>>> x = ember.tensor([2.0], requires_grad=True)
>>> Cube.apply(x).backward()
>>> x.grad.tolist()
[12.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from .grad_mode import STATE as _GRAD
from .graph import Node


class FunctionCtx:
    """The ``ctx`` of a custom Function: saves tensors and says which inputs need grads."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._released = False
        self.non_differentiable: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        self._saved = tensors
        self._versions = tuple(None if t is None else t._version[0] for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(
                "saved_tensors: trying to backward through the graph a second time; pass "
                "retain_graph=True to the first backward()"
            )
        for t, v in zip(self._saved, self._versions):
            if t is not None and t._version[0] != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a custom Function saved a tensor of shape "
                    f"{tuple(t.shape)} at version {v}; it is now at version {t._version[0]}"
                )
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        self.non_differentiable.update(id(t) for t in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    def _release(self) -> None:
        self._saved = ()
        self._released = True


class _FunctionOp:
    """Adapts a Function subclass to the op interface the engine calls."""

    nondiff_outputs: tuple = ()

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.name = cls.__name__
        self.backward_name = cls.__name__ + "Backward"

    def backward(self, node: Node, *grads: Tensor, tensor_positions: tuple) -> tuple:
        result = self.cls.backward(node.user_ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        positions = tensor_positions
        if len(result) < max(positions, default=-1) + 1:
            raise RuntimeError(
                f"{self.name}.backward returned {len(result)} values but forward took "
                f"{max(positions) + 1} arguments"
            )
        return tuple(result[p] for p in positions)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call
    ``apply``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Tensor) -> Any:
        raise NotImplementedError

    @staticmethod
    def jvp(ctx: FunctionCtx, *tangents: Tensor | None) -> Any:
        """Forward mode: the output tangents, from one tangent (or None) per argument."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        from . import forward_ad as _fw

        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        tensors = [args[i] for i in positions]
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx = FunctionCtx(needs)
        record = _GRAD.grad_enabled and any(needs)
        tangents = None
        if _fw.STATE.level and any(t._fw is not None for t in tensors):
            tangents, args = _split_tangents(cls, args)
        prev = _GRAD.grad_enabled
        _GRAD.grad_enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _GRAD.grad_enabled = prev
        if record:
            out = _record(cls, ctx, tensors, positions, out)
        if tangents is not None:
            _attach_tangents(cls, ctx, out, tangents)
        return out


class _DelayedError(Function):
    """An identity whose backward raises: stands for the derivative of a backward marked
    ``once_differentiable``, so the error comes only if that derivative is asked for."""

    @staticmethod
    def forward(ctx: FunctionCtx, *outputs: Tensor | None) -> tuple:
        return outputs

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Tensor) -> Any:
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn: Callable) -> Callable:
    """Mark a Function's ``backward`` as not differentiable, as PyTorch's decorator: it runs
    without recording a graph, and when its incoming gradients require grad (a
    ``create_graph`` pass) its results do too, through a node whose backward raises
    "trying to differentiate twice a function that was marked with @once_differentiable".

    >>> import ember
    >>> class Square(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> x = ember.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward()
    >>> x.grad.tolist()
    [6.0]
    """

    @functools.wraps(fn)
    def wrapper(ctx: FunctionCtx, *args: Any) -> Any:
        prev = _GRAD.grad_enabled
        _GRAD.grad_enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            _GRAD.grad_enabled = prev
        if not prev or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        # detached leaves that require grad, so the error node is recorded for every output
        fakes = [o.detach().requires_grad_(True) if isinstance(o, Tensor) else o for o in outs]
        wrapped = _DelayedError.apply(*fakes)
        return wrapped[0] if single else wrapped

    return wrapper


def _record(cls: type, ctx: FunctionCtx, tensors: list, positions: tuple, out: Any) -> Any:
    """Give the outputs of a custom Function a node whose backward calls ``cls.backward``."""
    from ..tensor import _make, _refresh_if_stale
    from .anomaly import ANOMALY

    outs = out if isinstance(out, tuple) else (out,)
    for t in tensors:
        _refresh_if_stale(t)
    op = cls.__dict__.get("_ember_op") or _FunctionOp(cls)
    cls._ember_op = op
    edges = tuple((t.grad_fn, t._out_index) if t.grad_fn is not None
                  else ((t, 0) if t._requires_grad else None) for t in tensors)
    node = Node(op, {"tensor_positions": positions}, edges,
                tuple(t._requires_grad for t in tensors), _backend(tensors[0]))
    node.user_ctx = ctx
    if ANOMALY.enabled:
        ANOMALY.record_forward(node)
    results, meta = [], []
    for index, o in enumerate(outs):
        if not isinstance(o, Tensor):  # non-tensor outputs pass through untouched
            results.append(o)
            meta.append(((), None))
            continue
        meta.append((o._data.shape, o._data.dtype))
        if id(o) in ctx.non_differentiable or o.dtype.category != 2:
            results.append(o)
            continue
        t = _make(o._data, True)
        t._version = o._version
        t.grad_fn, t._out_index = node, index
        results.append(t)
    node.out_meta = tuple(meta)
    if ANOMALY.enabled:
        ANOMALY.check_forward(op, tuple(r for r in results if isinstance(r, Tensor)))
    return tuple(results) if isinstance(out, tuple) else results[0]


def _split_tangents(cls: type, args: tuple) -> tuple:
    """Forward mode: strip the tangents off the arguments (``forward`` sees primals, as in
    PyTorch), refusing a Function without a ``jvp`` rule."""
    from . import forward_ad as _fw

    if cls.jvp is Function.jvp:
        raise NotImplementedError(
            f"forward-mode AD (jvp) is not implemented for the custom Function "
            f"'{cls.__name__}': define a static jvp(ctx, *tangents)"
        )
    tangents = tuple(a._fw if isinstance(a, Tensor) else None for a in args)
    primals = tuple(_fw.unpack_dual(a).primal if isinstance(a, Tensor) else a for a in args)
    return tangents, primals


def _attach_tangents(cls: type, ctx: FunctionCtx, out: Any, tangents: tuple) -> None:
    from . import forward_ad as _fw

    result = cls.jvp(ctx, *tangents)
    outs = out if isinstance(out, tuple) else (out,)
    results = result if isinstance(result, tuple) else (result,)
    for o, t in zip(outs, results):
        if isinstance(o, Tensor) and t is not None:
            if tuple(t.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"{cls.__name__}.jvp returned a tangent of shape {tuple(t.shape)} for an "
                    f"output of shape {tuple(o.shape)}"
                )
            o._fw = t
            _fw._remember(o)


def _backend(t: Tensor):
    from ..backends import backend_of

    return backend_of(t._data)
