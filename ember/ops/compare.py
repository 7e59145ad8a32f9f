"""Comparisons (``==``, ``<``, ...), ``maximum``/``minimum``/``fmax``/``fmin`` and ``clamp``.

Comparisons return bool tensors and carry no gradient. ``Tensor.__hash__`` stays identity
(``bind_methods`` sets ``__eq__`` after the class is built, which leaves ``__hash__`` alone), so
tensors still work as dict keys.

>>> import ember
>>> (ember.tensor([1, 2, 3]) >= 2).tolist()
[False, True, True]
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, promote
from .elementwise import check_tensor, unbroadcast, where, zeros_if_none
from .registry import OpDef, defop

_NUMBER = (int, float)


# ----------------------------------------------------------------------------- comparisons
def _comparison(name: str, ufunc: str) -> OpDef:
    def forward(ctx, a, b=None, *, scalar=None):
        return getattr(ctx.xp, ufunc)(a, scalar if b is None else b)

    op = defop(name, differentiable=False)(forward)
    op.def_jvp(lambda ctx, tangents, **attrs: None)  # bool output: no tangent
    return op


_OPS = {name: _comparison(name, ufunc) for name, ufunc in (
    ("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
    ("gt", "greater"), ("ge", "greater_equal"))}


def _scalar_fits(input: Tensor, value: Any) -> bool:
    """Whether a Python scalar can go to the ufunc as is: NumPy then converts it to the
    tensor's dtype, as PyTorch does, when its category is not higher than the tensor's."""
    category = input.dtype.category
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return category != _dt.BOOL
    return isinstance(value, float) and category == _dt.FLOAT


def _compare(name: str, input: Any, other: Any) -> Tensor:
    op = _OPS[name]
    if isinstance(input, Tensor) and isinstance(other, _NUMBER) and _scalar_fits(input, other):
        return op(input, scalar=other)
    (a, b), _ = promote(name, input, other)
    return op(a, b)


def eq(input: Tensor, other: Any) -> Tensor:
    """``input == other`` elementwise, as a bool tensor.

    >>> import ember
    >>> ember.eq(ember.tensor([1.0, 2.0]), ember.tensor([1, 3])).tolist()
    [True, False]
    """
    return _compare("eq", input, other)


def ne(input: Tensor, other: Any) -> Tensor:
    """``input != other`` elementwise.

    >>> import ember
    >>> ember.ne(ember.tensor([1, 2]), 2).tolist()
    [True, False]
    """
    return _compare("ne", input, other)


def lt(input: Tensor, other: Any) -> Tensor:
    """``input < other`` elementwise.

    >>> import ember
    >>> ember.lt(ember.tensor([1, 2]), 2).tolist()
    [True, False]
    """
    return _compare("lt", input, other)


def le(input: Tensor, other: Any) -> Tensor:
    """``input <= other`` elementwise.

    >>> import ember
    >>> ember.le(ember.tensor([1, 2]), 1.5).tolist()
    [True, False]
    """
    return _compare("le", input, other)


def gt(input: Tensor, other: Any) -> Tensor:
    """``input > other`` elementwise.

    >>> import ember
    >>> ember.gt(ember.tensor([1, 2]), 1).tolist()
    [False, True]
    """
    return _compare("gt", input, other)


def ge(input: Tensor, other: Any) -> Tensor:
    """``input >= other`` elementwise.

    >>> import ember
    >>> ember.ge(ember.tensor([1, 2]), 2).tolist()
    [False, True]
    """
    return _compare("ge", input, other)


def _operator(name: str):
    """The Python operator: NotImplemented for operands that are not numbers or tensors, so
    ``tensor == None`` is False as with PyTorch."""

    def method(self: Tensor, other: Any):
        if not isinstance(other, (Tensor, *_NUMBER)) and not (
                hasattr(other, "dtype") and getattr(other, "ndim", 1) == 0):
            return NotImplemented
        return _compare(name, self, other)

    method.__name__ = f"__{name}__"
    return method


# ----------------------------------------------------------------------------- maximum/minimum
def _extremum(name: str, ufunc: str, above: str) -> OpDef:
    """maximum/minimum: where both inputs tie, each gets half the gradient (PyTorch's rule).
    ``above`` is the comparison under which ``a`` wins (``gt`` for maximum)."""
    op = defop(name, save=(0, 1))(lambda ctx, a, b: getattr(ctx.xp, ufunc)(a, b))
    wins, loses = (gt, lt) if above == "gt" else (lt, gt)

    def split(g: Tensor, a: Tensor, b: Tensor, first: bool) -> Tensor:
        share = where(eq(a, b), g * 0.5, g)
        return where(loses(a, b) if first else wins(a, b), 0.0, share)

    @op.def_backward
    def _(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(split(g, a, b, True), a.shape) if need_a else None,
                unbroadcast(split(g, a, b, False), b.shape) if need_b else None)

    @op.def_jvp
    def _(ctx, tangents):
        (a, b), (ta, tb) = ctx.inputs, tangents
        ta, tb = zeros_if_none(ta, a), zeros_if_none(tb, b)
        out = where(eq(a, b), (ta + tb) * 0.5, where(wins(a, b), ta, tb))
        return out.expand(ctx.output.shape)

    return op


_maximum = _extremum("maximum", "maximum", "gt")
_minimum = _extremum("minimum", "minimum", "lt")


def _two_tensors(op: str, input: Any, other: Any) -> list[Tensor]:
    check_tensor(op, input)
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected other to be a Tensor, got {type(other).__name__}")
    return promote(op, input, other)[0]


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum (NaN propagates); ties split the gradient evenly.

    >>> import ember
    >>> ember.maximum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0])).tolist()
    [3.0, 5.0]
    """
    return _maximum(*_two_tensors("maximum", input, other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum (NaN propagates); ties split the gradient evenly.

    >>> import ember
    >>> ember.minimum(ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    return _minimum(*_two_tensors("minimum", input, other))


from ..backends import backend_of  # noqa: E402
from . import compare_clamp as _clamp  # noqa: E402
from . import compare_logical as _logical  # noqa: E402
from .compare_clamp import *  # noqa: E402, F403
from .compare_logical import *  # noqa: E402, F403
from .inplace import _records, make_inplace, run_inplace  # noqa: E402


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In-place ``clamp``; without a graph a float tensor is clamped with no temporary."""
    if (self.dtype.category == _dt.FLOAT and self._data.flags.writeable
            and (min is not None or max is not None)
            and all(b is None or type(b) in _NUMBER for b in (min, max))
            and not _records(self, (), {})):
        xp = backend_of(self._data).xp
        if min is not None:
            xp.maximum(self._data, min, out=self._data)
        if max is not None:
            xp.minimum(self._data, max, out=self._data)
        self._version[0] += 1
        return self
    return run_inplace("clamp_", self, _clamp.clamp, (min, max))


def _bound_inplace(name: str, fn):
    def method(self: Tensor, bound: Any) -> Tensor:
        return run_inplace(name, self, fn, (bound,))

    method.__name__ = name
    return method

bind_methods(
    **_logical.METHODS,
    **{n: getattr(_clamp, n) for n in _clamp.__all__},
    clamp_=clamp_, clip_=clamp_, clamp_min_=_bound_inplace("clamp_min_", _clamp.clamp_min),
    clamp_max_=_bound_inplace("clamp_max_", _clamp.clamp_max),
    fmax_=make_inplace("fmax_", _clamp.fmax), fmin_=make_inplace("fmin_", _clamp.fmin),
    **{f"{n}_": make_inplace(f"{n}_", getattr(_logical, n), n)
       for n in ("bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
                 "logical_xor")},
    __iand__=make_inplace("__iand__", _logical.bitwise_and, "bitwise_and"),
    __ior__=make_inplace("__ior__", _logical.bitwise_or, "bitwise_or"),
    __ixor__=make_inplace("__ixor__", _logical.bitwise_xor, "bitwise_xor"),
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, maximum=maximum, minimum=minimum,
    __eq__=_operator("eq"), __ne__=_operator("ne"), __lt__=_operator("lt"),
    __le__=_operator("le"), __gt__=_operator("gt"), __ge__=_operator("ge"),
    greater=gt, greater_equal=ge, less=lt, less_equal=le, not_equal=ne,
)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "maximum", "minimum", *_logical.__all__, *_clamp.__all__]
