"""More in-place ops, built on :mod:`.inplace`'s machinery: the in-place comparisons
(``eq_``, ``lt_``, ... and their long aliases), ``cumsum_``/``cumprod_``, ``atan2_``,
``hypot_``, ``bitwise_not_``, and PyTorch's top-level spellings of in-place
methods (``ember.exp_(x)`` is ``x.exp_()``).

An in-place comparison writes its 0/1 result in the tensor's own dtype; as in PyTorch its
gradient is zero (the result does not depend smoothly on the inputs).

>>> import ember
>>> x = ember.tensor([1.0, 2.0, 3.0])
>>> x.gt_(1.5).tolist(), ember.sqrt_(ember.tensor([4.0])).tolist()
([0.0, 1.0, 1.0], [2.0])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from . import compare, cumulative, math_trig
from ._common import bind_methods
from .compare_logical import bitwise_not
from .inplace import make_inplace, run_inplace


def cumsum_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """In-place ``cumsum`` along ``dim``.

    >>> import ember
    >>> ember.tensor([1, 2, 3]).cumsum_(0).tolist()
    [1, 3, 6]
    """
    return run_inplace("cumsum_", self, cumulative.cumsum, (dim,), {"dtype": dtype})


def cumprod_(self: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """In-place ``cumprod`` along ``dim``.

    >>> import ember
    >>> ember.tensor([1, 2, 3]).cumprod_(0).tolist()
    [1, 2, 6]
    """
    return run_inplace("cumprod_", self, cumulative.cumprod, (dim,), {"dtype": dtype})


def bitwise_not_(self: Tensor) -> Tensor:
    """In-place ``bitwise_not`` (integer and bool tensors).

    >>> import ember
    >>> ember.tensor([0, 5]).bitwise_not_().tolist()
    [-1, -6]
    """
    return run_inplace("bitwise_not_", self, bitwise_not)


_COMPARISONS = {"eq_": compare.eq, "ne_": compare.ne, "lt_": compare.lt, "le_": compare.le,
                "gt_": compare.gt, "ge_": compare.ge}
_COMPARISON_ALIASES = {"not_equal_": "ne_", "less_": "lt_", "less_equal_": "le_",
                       "greater_": "gt_", "greater_equal_": "ge_"}
COMPARISONS = {name: make_inplace(name, fn) for name, fn in _COMPARISONS.items()}
COMPARISONS.update({alias: COMPARISONS[name] for alias, name in _COMPARISON_ALIASES.items()})

atan2_ = make_inplace("atan2_", math_trig.atan2)
hypot_ = make_inplace("hypot_", math_trig.hypot)

bind_methods(cumsum_=cumsum_, cumprod_=cumprod_, bitwise_not_=bitwise_not_, atan2_=atan2_,
             hypot_=hypot_, **COMPARISONS)


# ----------------------------------------------------------------------------- top level
def _top_level(name: str) -> Callable:
    """``ember.<name>(input, ...)``: the method ``input.<name>(...)``, as PyTorch's
    top-level in-place functions are."""

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    data, extra = _EXAMPLE_ARGS.get(name, ("[0.5]", ""))
    function.__doc__ = (f"In-place ``{name[:-1]}`` of ``input``: the same as "
                        f"``input.{name}(...)``; returns ``input``.\n\n"
                        f"    >>> import ember\n"
                        f"    >>> x = ember.tensor({data})\n"
                        f"    >>> ember.{name}(x{extra}) is x\n"
                        f"    True\n")
    return function


# The example data and extra arguments of the top-level functions that are not unary.
_EXAMPLE_ARGS = {
    "clamp_": ("[0.5]", ", 0.0, 1.0"), "clip_": ("[0.5]", ", 0.0, 1.0"),
    "clamp_max_": ("[0.5]", ", 0.2"), "clamp_min_": ("[0.5]", ", 0.7"),
    "fill_": ("[0.5]", ", 2.0"), "xlogy_": ("[0.5]", ", 2.0"),
    "gcd_": ("[4, 6]", ", ember.tensor([6, 9])"), "lcm_": ("[4, 6]", ", ember.tensor([6, 9])"),
}


# PyTorch's top-level in-place functions whose method ember has.
TOP_LEVEL = """abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_
asinh_ atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_
erfc_ exp2_ exp_ expm1_ fill_ fix_ floor_ frac_ gcd_ lcm_ log10_ log1p_ log2_ log_ logit_
nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_
sqrt_ square_ tan_ tanh_ trunc_ xlogy_ zero_""".split()

globals().update({name: _top_level(name) for name in TOP_LEVEL})

__all__ = list(TOP_LEVEL)
