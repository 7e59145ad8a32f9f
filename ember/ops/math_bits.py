"""Ops on the binary layout of numbers: ``frexp``, ``ldexp``, ``nextafter`` and the bit
shifts (``bitwise_left_shift``/``<<``, ``bitwise_right_shift``/``>>``), plus ``aminmax``.

Shifts follow PyTorch where C leaves them undefined: a left shift by a negative count or
by the bit width or more gives 0, a right shift by such a count fills with the sign bit
(0 for unsigned types).

>>> import ember
>>> m, e = ember.frexp(ember.tensor([8.0, -0.3]))
>>> m.tolist(), e.tolist(), (ember.tensor([1, 2]) << 3).tolist()
([0.5, -0.6000000238418579], [4, -1], [8, 16])
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, normalize_dim, promote
from .compare_clamp import clamp
from .compare_logical import _reflected
from .elementwise import check_tensor, tensor_pair
from .elementwise_pow import pow
from .inplace import make_inplace
from .reduction_minmax import amax, amin
from .registry import defop

FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


# ----------------------------------------------------------------------------- frexp
@defop("frexp", nondiff_outputs=(1,))
def _frexp(ctx, x):
    mantissa, exponent = ctx.xp.frexp(x)
    exponent = exponent.astype("int32")
    ctx.arrays = (exponent,)
    return mantissa.astype(x.dtype, copy=False), exponent


def _scale(t: Tensor, exponent: Any) -> Tensor:
    """``t / 2**exponent`` as PyTorch's gradient computes it (in ``t``'s dtype)."""
    from .creation import tensor

    return t / pow(2.0, tensor(exponent, device=t.device).to(t.dtype))


@_frexp.def_backward
def _(ctx, g, _unused):
    return (_scale(g, ctx.arrays[0]),)


@_frexp.def_jvp
def _(ctx, tangents):
    return _scale(tangents[0], ctx.outputs[1]._data), None


def frexp(input: Tensor) -> FrexpResult:
    """Split floats into mantissa in ``[0.5, 1)`` (by magnitude) and int32 exponent, with
    ``input = mantissa * 2**exponent``.

    >>> import ember
    >>> ember.frexp(ember.tensor([3.0])).exponent.tolist()
    [2]
    """
    check_tensor("frexp", input)
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"frexp: torch.frexp() only supports floating-point dtypes, got "
                           f"{input.dtype.name} (shape {tuple(input.shape)})")
    return FrexpResult(*_frexp(input))


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2**other`` as PyTorch computes it: for a float ``input`` and an integer
    ``other``, C's ``ldexp`` in ``input``'s dtype, rounded once, with no overflow of
    ``2**other`` on its own (float32 ``ldexp(1e-30, 130)`` is ``1.36e9``); otherwise
    ``input * pow(2.0, other)``, with ``2**other`` in ``other``'s float dtype (the default
    float dtype for an integer ``other``).

    >>> import ember
    >>> ember.ldexp(ember.tensor([1.0, 3.0]), ember.tensor([2, -1])).tolist()
    [4.0, 1.5]
    """
    check_tensor("ldexp", input)
    if not isinstance(other, Tensor):
        raise TypeError(f"ldexp(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    if input.dtype.category == _dt.FLOAT and other.dtype.category == _dt.INTEGER:
        _, dtype = promote("ldexp", input, other)
        return _ldexp_int(input, other).to(dtype)
    return input * pow(2.0, other)


def _ldexp_int(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2**other`` in float64 for an integer ``other``. Multiplying by powers of two
    is exact in float64 for every narrower float, so the one rounding is the final cast. The
    scale goes in three equal-signed steps of at most 2**700 (finite in float64) so that
    ``2**other`` never overflows on its own; beyond +-2100 every nonzero float64 result
    already saturates to inf or 0, so the count is clamped there (0 * 2**5000 stays 0)."""
    count = clamp(other.to(_dt.int64), -2100, 2100)
    out = input.to(_dt.float64)
    for parts_left in (3, 2, 1):
        step = count // parts_left
        out = out * pow(2.0, step.to(_dt.float64))
        count = count - step
    return out


# ----------------------------------------------------------------------------- nextafter
@defop("nextafter", differentiable=False)
def _nextafter(ctx, a, b):
    return ctx.xp.nextafter(a, b)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next float after ``input`` towards ``other``, elementwise (no gradient).

    >>> import ember
    >>> x = ember.tensor([1.0], dtype=ember.float64)
    >>> (ember.nextafter(x, x + 1) - 1).item()
    2.220446049250313e-16
    """
    return _nextafter(*tensor_pair("nextafter", input, other, _dt.FLOAT, "floating-point"))


# ----------------------------------------------------------------------------- shifts
def _shift_forward(left: bool):
    def forward(ctx, a, b):
        xp = ctx.xp
        bits = a.dtype.itemsize * 8
        wide = (b < 0) | (b >= bits)
        count = xp.where(wide, 0, b).astype(a.dtype, copy=False)
        shifted = xp.left_shift(a, count) if left else xp.right_shift(a, count)
        if left or a.dtype.kind == "u":  # unsigned right shifts fill with zeros too
            fill = xp.zeros((), a.dtype)
        else:  # the sign bit
            fill = xp.right_shift(a, xp.asarray(bits - 1, dtype=a.dtype))
        return xp.where(wide, fill, shifted)

    return forward


_left = defop("bitwise_left_shift", differentiable=False)(_shift_forward(True))
_right = defop("bitwise_right_shift", differentiable=False)(_shift_forward(False))


def _shift_operands(op: str, input: Any, other: Any) -> list[Tensor]:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor argument")
    (a, b), dtype = promote(op, input, other)
    if dtype.category != _dt.INTEGER:
        raise TypeError(f"{op}: expected integer operands, got "
                        + ", ".join(o.dtype.name if isinstance(o, Tensor) else type(o).__name__
                                    for o in (input, other)))
    return [a, b]


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """``input << other`` on integers (0 for counts outside ``[0, bits)``).

    >>> import ember
    >>> ember.bitwise_left_shift(ember.tensor([1, 3]), ember.tensor([4, 64])).tolist()
    [16, 0]
    """
    return _left(*_shift_operands("bitwise_left_shift", input, other))


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """``input >> other`` on integers, arithmetic (sign-filling) for signed types.

    >>> import ember
    >>> ember.bitwise_right_shift(ember.tensor([-8, 64]), 2).tolist()
    [-2, 16]
    """
    return _right(*_shift_operands("bitwise_right_shift", input, other))


# ----------------------------------------------------------------------------- aminmax
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """The minimum and maximum over ``dim`` (all elements by default) as ``(min, max)``;
    ties share the gradient evenly, as in ``amin``/``amax``.

    >>> import ember
    >>> ember.aminmax(ember.tensor([[1, 5], [3, 0]]), dim=1)
    aminmax(min=tensor([1, 0]), max=tensor([5, 3]))
    """
    check_tensor("aminmax", input)
    if dim is None and input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           f"operation has no identity (input shape {tuple(input.shape)})")
    if dim is None:
        if keepdim:
            dims = tuple(range(input.ndim))
            return AminmaxResult(amin(input, dims, True), amax(input, dims, True))
        return AminmaxResult(amin(input), amax(input))
    d = normalize_dim("aminmax", dim, max(input.ndim, 1))
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size, got "
                         f"input of shape {tuple(input.shape)}")
    return AminmaxResult(amin(input, dim, keepdim), amax(input, dim, keepdim))


ldexp_ = make_inplace("ldexp_", ldexp)

bind_methods(
    frexp=frexp, ldexp=ldexp, ldexp_=ldexp_, nextafter=nextafter,
    nextafter_=make_inplace("nextafter_", nextafter), aminmax=aminmax,
    bitwise_left_shift=bitwise_left_shift, bitwise_right_shift=bitwise_right_shift,
    bitwise_left_shift_=make_inplace("bitwise_left_shift_", bitwise_left_shift),
    bitwise_right_shift_=make_inplace("bitwise_right_shift_", bitwise_right_shift),
    __lshift__=bitwise_left_shift, __rshift__=bitwise_right_shift,
    __rlshift__=_reflected(bitwise_left_shift), __rrshift__=_reflected(bitwise_right_shift),
    __ilshift__=make_inplace("__ilshift__", bitwise_left_shift),
    __irshift__=make_inplace("__irshift__", bitwise_right_shift),
)

__all__ = ["frexp", "ldexp", "ldexp_", "nextafter", "bitwise_left_shift", "bitwise_right_shift",
           "aminmax"]
