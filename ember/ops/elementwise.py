"""Elementwise arithmetic: dtype casts, the binary operators with broadcasting, ``pow`` and
the helpers the other elementwise modules (math, compare, rounding) build their ops with.

>>> import ember
>>> (ember.tensor([1, 2]) + 0.5).tolist()
[1.5, 2.5]
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..backends import _BACKENDS_BY_TYPE
from ..tensor import Tensor
from ._common import (
    bind_methods,
    cast,
    promote,
    promote_opmath,
    reduced_shape,
    scalar_tensor,
    to_float,
)
from .registry import LARGE_ELEMENTS, OpDef, defop, fast_binary, fast_unary


def check_tensor(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    return input


def tensor_pair(op: str, input: Any, other: Any, category: int, kind: str) -> list[Tensor]:
    """``input`` and ``other`` (both tensors) promoted together, with a named error unless
    the common dtype is of ``category`` (``kind`` names it: "floating-point", "integer"),
    for ops whose PyTorch kernels exist for that category only."""
    check_tensor(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected other to be a Tensor, got {type(other).__name__}")
    (a, b), dtype = promote(op, input, other)
    if dtype.category != category:
        raise TypeError(f"{op}: expected {kind} tensors, got {input.dtype.name} and "
                        f"{other.dtype.name} (shapes {tuple(input.shape)}, {tuple(other.shape)})")
    return [a, b]


def float_input(op: str, input: Any) -> Tensor:
    """``input`` checked to be a Tensor and converted to float like PyTorch's float ops."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if input.dtype.category != _dt.FLOAT:
        return to_dtype(input, _dt.get_default_dtype())
    return input


def unary_op(name: str, forward: Callable, deriv: Callable | None = None, *,
             save_x: bool = False, save_y: bool = False, zero_grad: bool = False) -> OpDef:
    """Register a one-input elementwise primitive.

    ``deriv(g, x, y, **attrs)`` applies the derivative to ``g`` (the output gradient in
    backward, the input tangent in forward mode): the same elementwise-linear map serves
    both. ``x`` is the input (``save_x``) and ``y`` the output (``save_y``), else None.
    ``zero_grad`` ops (floor, sign, ...) are piecewise constant: their gradient is zero.
    """
    op = defop(name, save=(0,) if save_x else (), save_output=save_y)(forward)
    if zero_grad:
        @op.def_backward
        def _(ctx, g, **attrs):
            from .creation import zeros_like

            return (zeros_like(g),)

        @op.def_jvp
        def _(ctx, tangents, **attrs):
            from .creation import zeros_like

            return zeros_like(tangents[0])
    elif deriv is not None:
        @op.def_backward
        def _(ctx, g, **attrs):
            return (deriv(g, ctx.saved[0] if save_x else None,
                          ctx.output if save_y else None, **attrs),)

        @op.def_jvp
        def _(ctx, tangents, **attrs):
            return deriv(tangents[0], ctx.inputs[0], ctx.output, **attrs)
    return op


def unary_inplace(name: str, fn: Callable, ufunc: str | None = None) -> Callable:
    """The in-place method ``name`` for the unary op ``fn``; without a graph, a float tensor
    is updated through ``xp.<ufunc>(x, out=x)`` with no temporary."""
    from ..backends import backend_of
    from .inplace import _records, run_inplace

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if (ufunc is not None and not args and not kwargs and self._data.flags.writeable
                and self.dtype.category == _dt.FLOAT and not _records(self, (), {})):
            getattr(backend_of(self._data).xp, ufunc)(self._data, out=self._data)
            self._version[0] += 1
            return self
        return run_inplace(name, self, fn, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


def zeros_if_none(t: Tensor | None, like: Tensor) -> Tensor:
    """A missing tangent (an input that carries none) as zeros."""
    if t is not None:
        return t
    from .creation import zeros_like

    return zeros_like(like)


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back down to ``shape``."""
    if g.shape == shape:
        return g
    dims, lead = reduced_shape(g.shape, shape)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


# ----------------------------------------------------------------------------- casts
@defop("to_dtype")
def _to_dtype(ctx, x, *, dtype):
    return x.astype(dtype.np)


@_to_dtype.def_backward
def _(ctx, g, *, dtype):
    return (to_dtype(g, _dt.from_numpy_dtype(ctx.in_dtypes[0])),)


@_to_dtype.def_jvp
def _(ctx, tangents, *, dtype):
    return to_dtype(tangents[0], dtype)


def to_dtype(t: Tensor, dtype: _dt.DType) -> Tensor:
    """Convert ``t`` to ``dtype``; gradients flow back only between float types."""
    dtype = _dt.as_dtype(dtype)
    if t._data.dtype == dtype.np:
        return t
    if dtype.category != _dt.FLOAT or t.dtype.category != _dt.FLOAT:
        from ..autograd.grad_mode import no_grad

        with no_grad():
            return _to_dtype(t, dtype=dtype)
    return _to_dtype(t, dtype=dtype)


# ----------------------------------------------------------------------------- binary
def _arithmetic(name: str, array_op: Callable) -> Callable:
    """``array_op`` on two arrays (e.g. ``operator.add``), large same-shape ones first
    offered to the backend's threaded kernel (NumPy's ufuncs use one core)."""
    def run(a, b):
        if a.size >= LARGE_ELEMENTS:
            out = _BACKENDS_BY_TYPE[type(a)].kernels.arithmetic(name, a, b)
            if out is not None:
                return out
        return array_op(a, b)

    run.__name__ = f"{name}_arrays"
    return run


_add_arrays = _arithmetic("add", operator.add)
_sub_arrays = _arithmetic("sub", operator.sub)
_mul_arrays = _arithmetic("mul", operator.mul)
_div_arrays = _arithmetic("div", operator.truediv)


@defop("add")
def _add(ctx, a, b):
    return _add_arrays(a, b)


@_add.def_backward
def _(ctx, g):
    sa, sb = ctx.in_shapes
    return unbroadcast(g, sa), unbroadcast(g, sb)


@_add.def_jvp
def _(ctx, tangents):
    ta, tb = tangents
    shape = ctx.output.shape
    parts = [t.expand(shape) for t in (ta, tb) if t is not None]
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


@defop("sub")
def _sub(ctx, a, b):
    return _sub_arrays(a, b)


@_sub.def_backward
def _(ctx, g):
    sa, sb = ctx.in_shapes
    return unbroadcast(g, sa), unbroadcast(-g, sb)


@_sub.def_jvp
def _(ctx, tangents):
    ta, tb = tangents
    shape = ctx.output.shape
    if tb is None:
        return ta.expand(shape)
    return (-tb).expand(shape) if ta is None else (ta - tb).expand(shape)


@defop("mul", save=(0, 1), save_read_by={0: (1,), 1: (0,)})
def _mul(ctx, a, b):
    return _mul_arrays(a, b)


@_mul.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(g * b, a.shape) if need_a else None,
            unbroadcast(g * a, b.shape) if need_b else None)


@_mul.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    parts = [t for t in (None if ta is None else ta * b, None if tb is None else a * tb)
             if t is not None]
    out = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    return out.expand(ctx.output.shape)


@defop("div", save=(0, 1), save_read_by={0: (1,)})
def _div(ctx, a, b):
    return _div_arrays(a, b)


@_div.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(g / b, a.shape) if need_a else None,
            unbroadcast(-g * a / (b * b), b.shape) if need_b else None)


@_div.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    out = None if ta is None else ta / b
    if tb is not None:
        term = -tb * a / (b * b)
        out = term if out is None else out + term
    return out.expand(ctx.output.shape)


@defop("neg")
def _neg(ctx, x):
    return ctx.xp.negative(x)


@_neg.def_backward
def _(ctx, g):
    return (-g,)


@_neg.def_jvp
def _(ctx, tangents):
    return -tangents[0]


# ----------------------------------------------------------------------------- where
@defop("where", save=(0,))
def _where(ctx, cond, a, b):
    return ctx.xp.where(cond, a, b)


@_where.def_backward
def _(ctx, g):
    (cond,) = ctx.saved
    _, sa, sb = ctx.in_shapes
    _, need_a, need_b = ctx.needs_input_grad
    return (None,
            unbroadcast(where(cond, g, 0), sa) if need_a else None,
            unbroadcast(where(cond, 0, g), sb) if need_b else None)


@_where.def_jvp
def _(ctx, tangents):
    cond = ctx.inputs[0]
    _, ta, tb = tangents
    out = where(cond, 0 if ta is None else ta, 0 if tb is None else tb)
    return out.expand(ctx.output.shape)


def where(condition: Tensor, input: Any = None, other: Any = None):
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (either may be a
    number). ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    >>> import ember
    >>> x = ember.tensor([-1.0, 2.0, -3.0])
    >>> ember.where(x > 0, x, 0.0).tolist()
    [0.0, 2.0, 0.0]
    """
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where: expected condition to be a Tensor, got "
                        f"{type(condition).__name__}")
    if condition._data.dtype.kind != "b":
        if condition.dtype is not _dt.uint8:
            raise TypeError(f"where: expected condition to be a bool tensor, got a tensor "
                            f"with dtype {condition.dtype.name} (shape {tuple(condition.shape)})")
        condition = to_dtype(condition, _dt.bool_)
    if input is None or other is None:
        raise TypeError("where: expected both input and other, or neither (got one of them)")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dtype = _dt.result_type(input, other)
        input, other = (scalar_tensor(v, dtype, condition) for v in (input, other))
    else:
        (input, other), _ = promote("where", input, other)
    return _where(condition, input, other)


def _where_method(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    return where(condition, self, other)


# ----------------------------------------------------------------------------- number operands
# ``x * 0.5``, ``x + 1e-5``: with a float32/float64 tensor, NumPy converts a Python number to
# the tensor's dtype exactly as PyTorch does, so the number goes to the ufunc as is (no 0-d
# tensor, no saved operand, no unbroadcast). Half types (PyTorch computes them in float32) and
# integer tensors (out-of-range numbers) take the general path.
_PY_NUMBER = (int, float)


def _number_fast(input: Any, other: Any) -> bool:
    return type(other) in _PY_NUMBER and isinstance(input, Tensor) and \
        input._data.dtype.kind == "f" and input._data.itemsize >= 4


@defop("add_scalar")
def _add_scalar(ctx, x, *, other):
    return ctx.xp.add(x, other)


_add_scalar.def_backward(lambda ctx, g, *, other: (g,))
_add_scalar.def_jvp(lambda ctx, tangents, *, other: tangents[0])


@defop("mul_scalar")
def _mul_scalar(ctx, x, *, other):
    return ctx.xp.multiply(x, other)


_mul_scalar.def_backward(lambda ctx, g, *, other: (g * other,))
_mul_scalar.def_jvp(lambda ctx, tangents, *, other: tangents[0] * other)


@defop("div_scalar")
def _div_scalar(ctx, x, *, other):
    return ctx.xp.true_divide(x, other)


_div_scalar.def_backward(lambda ctx, g, *, other: (g / other,))
_div_scalar.def_jvp(lambda ctx, tangents, *, other: tangents[0] / other)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion.

    >>> import ember
    >>> ember.add(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]), alpha=2).tolist()
    [3.0, 4.0]
    """
    if _number_fast(input, other) and type(alpha) in _PY_NUMBER:
        return _add_scalar(input, other=other if alpha == 1 else other * alpha)
    (a, b), _ = promote("add", input, other)  # PyTorch rounds scalars to half types here
    if alpha != 1:
        b = mul(b, alpha)
    return _add(a, b)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``."""
    if _number_fast(input, other) and type(alpha) in _PY_NUMBER:
        return _add_scalar(input, other=-(other if alpha == 1 else other * alpha))
    for operand in (input, other):  # PyTorch refuses a bool on either side
        if operand is True or operand is False or \
                (isinstance(operand, Tensor) and operand._data.dtype.kind == "b"):
            shapes = ", ".join(f"{o.dtype.name} {tuple(o.shape)}" if isinstance(o, Tensor)
                               else f"{type(o).__name__} {o!r}" for o in (input, other))
            raise TypeError(f"sub: subtraction with a bool operand is not supported (got "
                            f"{shapes}); to invert a mask use ~ or logical_not(), for two "
                            "masks logical_xor()")
    (a, b), _ = promote("sub", input, other)
    if alpha != 1:
        b = mul(b, alpha)
    return _sub(a, b)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` (``sub`` with the operands swapped).

    >>> import ember
    >>> ember.rsub(ember.tensor([1.0, 2.0]), 5).tolist()
    [4.0, 3.0]
    """
    check_tensor("rsub", input)
    return sub(other, input, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product."""
    if _number_fast(input, other):
        return _mul_scalar(input, other=other)
    (a, b), dtype, upcast = promote_opmath("mul", input, other)
    return cast(_mul(a, b), dtype) if upcast else _mul(a, b)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division, or ``rounding_mode='trunc'`` / ``'floor'``.

    >>> import ember
    >>> ember.div(ember.tensor([-7, 7]), 2, rounding_mode="floor").tolist()
    [-4, 3]
    """
    if rounding_mode is None and _number_fast(input, other):
        return _div_scalar(input, other=other)
    if rounding_mode is None:
        (a, b), dtype, upcast = promote_opmath("div", input, other)
        if upcast:
            return cast(_div(a, b), dtype)
        if dtype.category != _dt.FLOAT:
            # Integers divide in the default float dtype, scalars included: promoting a
            # scalar to the tensor's integer dtype first would wrap uint8_tensor / -3.
            (a, b), dtype = promote("div", *(to_float(o) if isinstance(o, Tensor) else o
                                             for o in (input, other)))
        return _div(a, b)
    (a, b), dtype = promote("div", input, other)
    from .rounding import floor_divide, trunc_divide

    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        return trunc_divide(a, b)
    raise ValueError(
        f"div: expected rounding_mode to be one of None, 'trunc' or 'floor', got "
        f"'{rounding_mode}'"
    )


def neg(input: Tensor) -> Tensor:
    if input.dtype is _dt.bool_:
        raise TypeError("neg: negation of a bool tensor is not supported; use ~ or "
                        "logical_not() instead")
    return _neg(input)


def _radd(self: Tensor, other: Any) -> Tensor:
    return add(self, other) if _number_fast(self, other) else add(other, self)


def _rsub(self: Tensor, other: Any) -> Tensor:
    return sub(other, self)


def _rmul(self: Tensor, other: Any) -> Tensor:
    return mul(self, other) if _number_fast(self, other) else mul(other, self)


def _rdiv(self: Tensor, other: Any) -> Tensor:
    return div(other, self)


true_divide = divide = div
subtract, multiply, negative = sub, mul, neg

# The hot binary ops get a fast path for two same-dtype tensors without a graph (see
# registry.fast_binary); true division only for floats, since ints divide to float.
neg = fast_unary(neg, _neg.forward, "iuf")
add = fast_binary(add, operator.add, large_op=_add_arrays)
sub = fast_binary(sub, operator.sub, "iuf", _sub_arrays)  # bool - bool raises on the full path
mul = fast_binary(mul, operator.mul, large_op=_mul_arrays)
div = fast_binary(div, operator.truediv, "f", _div_arrays)

bind_methods(
    add=add, sub=sub, mul=mul, div=div, neg=neg, true_divide=div, divide=div,
    subtract=sub, multiply=mul, negative=neg,
    __add__=add, __radd__=_radd, __sub__=sub, __rsub__=_rsub, __mul__=mul, __rmul__=_rmul,
    __truediv__=div, __rtruediv__=_rdiv, __neg__=neg,
    to_dtype=to_dtype, where=_where_method,
    neg_=unary_inplace("neg_", neg, "negative"), negative_=unary_inplace("negative_", neg,
                                                                         "negative"),
)

from .elementwise_pow import float_power, pow  # noqa: E402  (it builds on the helpers above)

__all__ = ["add", "sub", "mul", "div", "neg", "true_divide", "divide", "subtract", "multiply",
           "negative", "pow", "float_power", "rsub", "where"]
