"""Forward-mode automatic differentiation with dual tensors, as in ``torch.autograd.forward_ad``.

>>> import ember
>>> import ember.autograd.forward_ad as fwAD
>>> x = ember.tensor([1.0, 2.0])
>>> with fwAD.dual_level():
...     d = fwAD.make_dual(x, ember.ones(2))
...     y = d * d
...     print(fwAD.unpack_dual(y).tangent.tolist())
[2.0, 4.0]
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple


class _State:
    def __init__(self) -> None:
        self.level = 0
        self.duals: list[list[weakref.ref]] = []
        # Per level: the tangent of each recorded node's saved output, so a backward rule
        # that reads it (exp, tanh, ...) sees a dual tensor: forward over reverse mode.
        self.saved_outputs: list[weakref.WeakKeyDictionary] = []


STATE = _State()


class UnpackedDualTensor(NamedTuple):
    primal: Any
    tangent: Any


class dual_level:
    """Scope for dual tensors; tangents are dropped when it exits."""

    def __enter__(self) -> int:
        STATE.level += 1
        STATE.duals.append([])
        STATE.saved_outputs.append(weakref.WeakKeyDictionary())
        return STATE.level - 1

    def __exit__(self, *exc: Any) -> None:
        STATE.saved_outputs.pop()
        for ref in STATE.duals.pop():
            t = ref()
            if t is not None:
                t._fw = None
        STATE.level -= 1


def make_dual(tensor, tangent, *, level: int | None = None):
    """A view of ``tensor`` that carries ``tangent`` as its forward derivative."""
    from ..tensor import _make

    if STATE.level == 0:
        raise RuntimeError("make_dual: must be called inside a `with dual_level():` block")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise ValueError(
            f"make_dual: tangent shape {tuple(tangent.shape)} must match the primal's "
            f"shape {tuple(tensor.shape)}"
        )
    if tangent.dtype.category != 2 or tensor.dtype.category != 2:
        raise TypeError(
            f"make_dual: expected floating-point primal and tangent, got {tensor.dtype} and "
            f"{tangent.dtype}"
        )
    tensor = _attached(tensor)
    dual = _make(tensor._data, tensor._requires_grad)
    dual.grad_fn, dual._out_index = tensor.grad_fn, tensor._out_index
    dual._version = tensor._version
    dual._fw = tangent
    _remember(dual)
    return dual


def unpack_dual(tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """Split a dual tensor into ``(primal, tangent)``; the tangent is None if it has none."""
    from ..tensor import _make

    tensor = _attached(tensor)
    primal = _make(tensor._data, tensor._requires_grad)
    primal.grad_fn, primal._out_index = tensor.grad_fn, tensor._out_index
    primal._version = tensor._version
    return UnpackedDualTensor(primal, tensor._fw)


def _attached(tensor):
    """``tensor``, or for a leaf that requires grad a differentiable alias of it: the dual
    and primal tensors copy the graph position of what they wrap, and a copy of a leaf would
    be a new leaf that gradients never leave."""
    if tensor.grad_fn is None and tensor._requires_grad:
        from .grad_mode import enable_grad

        with enable_grad():
            return tensor.view_as(tensor)
    return tensor


def saved_output_tangent(node):
    """The tangent of ``node``'s saved output, if it was computed in an open level."""
    for table in STATE.saved_outputs:
        tangent = table.get(node)
        if tangent is not None:
            return tangent
    return None


def _remember(t) -> None:
    if STATE.duals:
        STATE.duals[-1].append(weakref.ref(t))


class JvpContext:
    """What an op's ``jvp`` rule receives: the primal inputs and outputs, without tangents."""

    __slots__ = ("inputs", "outputs", "attrs")

    def __init__(self, inputs: tuple, outputs: tuple, attrs: dict) -> None:
        self.inputs, self.outputs, self.attrs = inputs, outputs, attrs

    @property
    def output(self):
        return self.outputs[0]


def propagate(op, inputs: tuple, outputs, attrs: dict) -> None:
    """Give ``outputs`` the tangents of ``op`` applied to dual ``inputs`` (called by apply)."""
    from ..tensor import _make

    if not getattr(op, "differentiable", True):
        return  # comparisons, argmax, ...: outputs carry no tangent
    if op.jvp is None:
        raise NotImplementedError(
            f"forward-mode AD (jvp) is not implemented for op '{op.name}'"
        )
    tangents = tuple(t._fw for t in inputs)
    outs = outputs if isinstance(outputs, tuple) else (outputs,)

    def primal(t):
        if t.grad_fn is None and t._requires_grad and t._fw is None:
            return t  # a leaf such as a weight: the tangent math must reach it
        p = _make(t._data, t._requires_grad)
        p.grad_fn, p._out_index = t.grad_fn, t._out_index
        return p

    ctx = JvpContext(tuple(primal(t) for t in inputs), tuple(primal(t) for t in outs), attrs)
    saved_level, STATE.level = STATE.level, 0  # tangent math is plain (no nested duals)
    try:
        result = op.jvp(ctx, tangents, **attrs)
    finally:
        STATE.level = saved_level
    results = result if isinstance(result, tuple) else (result,)
    for out, tangent in zip(outs, results):
        # Integer and bool outputs (a cast to int64, say) carry no tangent, as in PyTorch.
        if tangent is not None and out.dtype.is_floating_point:
            if tuple(tangent.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"{op.name}: jvp rule returned a tangent of shape {tuple(tangent.shape)} "
                    f"for an output of shape {tuple(out.shape)}"
                )
            out._fw = tangent
            _remember(out)
            if out is outs[0] and out.grad_fn is not None and getattr(out.grad_fn.op,
                                                                      "save_output", False):
                STATE.saved_outputs[-1][out.grad_fn] = tangent
