"""``pow``: tensor and number exponents and bases, with PyTorch's integer rules and its
gradient conventions at 0. Re-exported by ``elementwise.py``.

>>> import ember
>>> (ember.tensor([2.0, 3.0]) ** 2).tolist()
[4.0, 9.0]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, cast, promote
from .elementwise import unbroadcast, where
from .registry import defop


def _int_power(xp, a, b):
    """Integer ``a ** b`` where ``b`` may hold negative entries: PyTorch gives 1 / a**|b|
    truncated (0 unless a is 1 or -1) where NumPy refuses."""
    neg = b < 0
    if not neg.any():
        return xp.power(a, b)
    out = xp.power(a, xp.where(neg, -b, b))
    return xp.where(neg & (xp.abs(a) != 1), 0, out)


def _is_int_array(x) -> bool:
    return x.dtype.kind in "iub"


@defop("pow_scalar", save=(0,))
def _pow_scalar(ctx, x, *, exponent):
    if exponent == 2:
        return ctx.xp.square(x)
    if exponent == 0.5:
        return ctx.xp.sqrt(x)
    return ctx.xp.power(x, exponent)


def _pow_scalar_deriv(g: Tensor, x: Tensor, exponent: Any) -> Tensor:
    if exponent == 0:  # PyTorch's rule: no gradient at all for x ** 0, even at x = 0
        from .creation import zeros_like

        return zeros_like(g)
    if exponent == 2:
        return g * (x * 2.0)
    return g * (_pow_scalar(x, exponent=exponent - 1) * exponent)


@_pow_scalar.def_backward
def _(ctx, g, *, exponent):
    return (_pow_scalar_deriv(g, ctx.saved[0], exponent),)


@_pow_scalar.def_jvp
def _(ctx, tangents, *, exponent):
    return _pow_scalar_deriv(tangents[0], ctx.inputs[0], exponent)


@defop("rpow_scalar", save_output=True, save=(0,))
def _rpow_scalar(ctx, x, *, base):
    if _is_int_array(x):
        return _int_power(ctx.xp, ctx.xp.asarray(base, dtype=x.dtype), x)
    return ctx.xp.power(base, x)


def _log_scalar(base: float) -> float:
    import math

    return math.log(base) if base > 0 else (float("nan") if base < 0 else float("-inf"))


def _rpow_deriv(g: Tensor, exponent: Tensor, y: Tensor, base: Any) -> Tensor:
    if base == 0:  # 0 ** e is 0 for every e >= 0: PyTorch gives those no gradient
        from .compare import ge

        return g * where(ge(exponent, 0), 0.0, y * _log_scalar(base))
    return g * (y * _log_scalar(base))


@_rpow_scalar.def_backward
def _(ctx, g, *, base):
    return (_rpow_deriv(g, ctx.saved[0], ctx.output, base),)


@_rpow_scalar.def_jvp
def _(ctx, tangents, *, base):
    return _rpow_deriv(tangents[0], ctx.inputs[0], ctx.output, base)


@defop("pow", save=(0, 1), save_output=True)
def _pow(ctx, a, b):
    if _is_int_array(a):
        return _int_power(ctx.xp, a, b)
    return ctx.xp.power(a, b)


def _pow_grads(ga: Tensor | None, gb: Tensor | None, a: Tensor, b: Tensor, y: Tensor):
    """The derivative terms of ``a ** b`` applied to ``ga`` / ``gb`` (PyTorch's rules:
    nothing through ``a`` where ``b == 0``, nothing through ``b`` where ``a == 0, b >= 0``)."""
    from .compare import eq, ge, logical_and

    da = db = None
    if ga is not None:
        da = ga * where(eq(b, 0), 0.0, b * pow(a, b - 1))
    if gb is not None:
        from .math import log

        db = gb * where(logical_and(eq(a, 0), ge(b, 0)), 0.0, y * log(a))
    return da, db


@_pow.def_backward
def _(ctx, g):
    a, b = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    da, db = _pow_grads(g if need_a else None, g if need_b else None, a, b, ctx.output)
    return (None if da is None else unbroadcast(da, a.shape),
            None if db is None else unbroadcast(db, b.shape))


@_pow.def_jvp
def _(ctx, tangents):
    (a, b), (ta, tb) = ctx.inputs, tangents
    da, db = _pow_grads(ta, tb, a, b, ctx.output)
    out = da if db is None else (db if da is None else da + db)
    return out.expand(ctx.output.shape)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` elementwise; either side may be a number. Integer tensors raised
    to integer powers stay integer, as in PyTorch.

    >>> import ember
    >>> ember.pow(ember.tensor([1, 2, 3]), 2).tolist()
    [1, 4, 9]
    >>> (2 ** ember.tensor([0.5, 1.0])).tolist()
    [1.4142135381698608, 2.0]
    """
    if type(exponent) in (int, float) and isinstance(input, Tensor) and \
            input._data.dtype.kind == "f":  # float tensor, number exponent: the dtype stays
        return _pow_scalar(input, exponent=exponent)
    if isinstance(exponent, (int, float)) and isinstance(input, Tensor):
        dtype = _dt.result_type(input, exponent)
        if dtype.category != _dt.FLOAT and exponent < 0:
            raise RuntimeError(
                f"pow: integers to negative integer powers are not allowed (input dtype "
                f"{input.dtype.name}, exponent {exponent})"
            )
        return _pow_scalar(cast(input, dtype), exponent=int(exponent)
                           if isinstance(exponent, bool) else exponent)
    if isinstance(input, (int, float)) and isinstance(exponent, Tensor):
        dtype = _dt.result_type(input, exponent)
        return _rpow_scalar(cast(exponent, dtype), base=input)
    (a, b), _ = promote("pow", input, exponent)
    return _pow(a, b)


def _rpow(self: Tensor, other: Any) -> Tensor:
    return pow(other, self)


def _pow_inplace(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``pow``; ``x ** 2`` and other number exponents of a float tensor run without
    a temporary when no graph is recorded."""
    from ..backends import backend_of
    from .inplace import _records, run_inplace

    if (type(exponent) in (int, float) and self.dtype.category == _dt.FLOAT
            and self._data.flags.writeable and not _records(self, (), {})):
        xp = backend_of(self._data).xp
        if exponent == 2:
            xp.square(self._data, out=self._data)
        else:
            xp.power(self._data, exponent, out=self._data)
        self._version[0] += 1
        return self
    return run_inplace("pow_", self, pow, (exponent,))


def float_power(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` computed in float64, whatever the operands' dtypes (either may
    be a number); gradients flow back to the operands in their own dtypes.

    >>> import ember
    >>> ember.float_power(ember.tensor([2, 3]), 2).dtype
    ember.float64
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"float_power: expected at least one Tensor, got "
                        f"{type(input).__name__} and {type(exponent).__name__}")
    wide = [cast(o, _dt.float64) if isinstance(o, Tensor) else float(o)
            for o in (input, exponent)]
    return pow(*wide)


def _float_power_inplace(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``float_power``: the tensor must already be float64, as in PyTorch."""
    from .inplace import run_inplace

    if self.dtype is not _dt.float64:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype "
                           f"{self.dtype.name} but the operation's result requires dtype "
                           "float64")
    return run_inplace("float_power_", self, float_power, (exponent,))


bind_methods(pow=pow, __pow__=pow, __rpow__=_rpow, pow_=_pow_inplace, __ipow__=_pow_inplace)
bind_methods(float_power=float_power, float_power_=_float_power_inplace)

__all__ = ["pow", "float_power"]
