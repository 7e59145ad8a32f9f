"""Records for rounding (floor, ceil, trunc, round, frac) and division with rounding
(floor_divide, div(rounding_mode=...), remainder, fmod)."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

UNARY = [Sample((T((3, 4), -3, 3),), name="2d"), Sample((T((), -3, 3),), name="0d"),
         Sample((T((0, 3)),), name="empty")]
# Divisors kept away from 0; quotients are piecewise constant, so finite differences are 0.
DIV = [Sample((T((3, 4), -5, 5), T((3, 4), 0.5, 2)), name="same"),
       Sample((T((3, 1), -5, 5), T((1, 4), -2, -0.5)), name="broadcast-neg"),
       Sample((T((), -5, 5), T((2, 3), 0.5, 2)), name="0d"),
       Sample((T((0, 3)), T((3,), 0.5, 2)), name="empty"),
       Sample((T((3, 4), -5, 5), 1.5), name="scalar"),
       Sample((T((3, 4), -5, 5), -0.75), name="neg-scalar")]
INT_DIV = [Sample((I((3, 4), 9, -9), I((4,), 4, 1)), name="pos"),
           Sample((I((3, 4), 9, -9), I((4,), -1, -4)), name="neg"),
           Sample((I((3, 4), 9, -9, dtype="int32"), 3), name="scalar"),
           Sample((I((3, 4), 9, -9), 2.5), name="float-scalar"),
           Sample((I((3, 4), 9, -9), T((4,), 0.5, 2)), name="int-float")]
ZERO_DIV = ErrorInput((I((3,)), I((3,), 1, 0)), {}, RuntimeError, r"integer division by zero")


def _rounding(name, **kw):
    return OpRecord(name, getattr(ember, name), getattr(torch, name), UNARY, jvp=True,
                    errors=[ErrorInput((B((3,)),), {}, TypeError,
                                       rf"{name}: not supported for bool tensors")], **kw)


def _div_mode(mode):
    return lambda a, b: ember.div(a, b, rounding_mode=mode)


def _tdiv_mode(mode):
    return lambda a, b: torch.div(a, b, rounding_mode=mode)


RECORDS = [
    *(_rounding(n) for n in ("floor", "ceil", "trunc", "round")),
    *(OpRecord(n, getattr(ember, n), getattr(torch, n), [Sample((I((3, 4), 9, -9),))],
               dtypes=("float32",), grad=False, variant="int") for n in
      ("floor", "ceil", "trunc", "round")),
    OpRecord("round", ember.round, torch.round,
             [Sample((T((3, 4), -30, 30),), {"decimals": 1}, name="1"),
              Sample((T((3, 4), -3000, 3000),), {"decimals": -2}, name="-2"),
              Sample((T((3, 4), -3, 3),), {"decimals": 3}, name="3")],
             jvp=True, variant="decimals",
             errors=[ErrorInput((I((3,)),), {"decimals": 1}, TypeError,
                                r"round: decimals=1 needs a floating-point tensor, got int64")]),
    OpRecord("round", ember.round, torch.round,
             [Sample((T((4,), 0.5, 0.5),), name="half"), Sample((T((4,), 2.5, 2.5),), name="2.5"),
              Sample((T((4,), -1.5, -1.5),), name="-1.5")],
             variant="half-to-even", fd=False),  # the ties sit on the jumps
    OpRecord("frac", ember.frac, torch.frac, UNARY, second_order=True, jvp=True,
             errors=[ErrorInput((I((3,)),), {}, TypeError,
                                r"frac: expected a floating-point tensor, got int64")]),
    OpRecord("floor_divide", ember.floor_divide, torch.floor_divide, DIV, grad=False,
             errors=[ZERO_DIV]),
    OpRecord("floor_divide", ember.floor_divide, torch.floor_divide, INT_DIV, grad=False,
             dtypes=("float32",), variant="int"),
    OpRecord("__floordiv__", lambda a, b: a // b, lambda a, b: a // b, DIV[:2], grad=False),
    OpRecord("__rfloordiv__", lambda a: 7.5 // a, lambda a: 7.5 // a,
             [Sample((T((3, 4), 0.5, 2),))], grad=False),
    OpRecord("div", _div_mode("floor"), _tdiv_mode("floor"), DIV, jvp=True, variant="floor",
             errors=[ZERO_DIV]),
    OpRecord("div", _div_mode("trunc"), _tdiv_mode("trunc"), DIV, jvp=True, variant="trunc"),
    OpRecord("div", ember.div, torch.div, [], variant="bad-mode",
             errors=[ErrorInput((T((3,)), T((3,))), {"rounding_mode": "round"}, ValueError,
                                r"div: expected rounding_mode to be one of None, 'trunc' or "
                                r"'floor', got 'round'")]),
    OpRecord("div", _div_mode("trunc"), _tdiv_mode("trunc"), INT_DIV, grad=False,
             dtypes=("float32",), variant="trunc-int"),
    OpRecord("div", _div_mode("floor"), _tdiv_mode("floor"), INT_DIV, grad=False,
             dtypes=("float32",), variant="floor-int"),
    OpRecord("remainder", ember.remainder, torch.remainder, DIV, second_order=True, jvp=True,
             errors=[ZERO_DIV]),
    OpRecord("remainder", ember.remainder, torch.remainder, INT_DIV, grad=False,
             dtypes=("float32",), variant="int"),
    OpRecord("__mod__", lambda a, b: a % b, lambda a, b: a % b, DIV[:2]),
    # PyTorch has no derivative for a number modulo a tensor: compare values only.
    OpRecord("__rmod__", lambda a: 7.5 % a, lambda a: 7.5 % a,
             [Sample((T((3, 4), 0.5, 2),))], grad=False),
    OpRecord("fmod", ember.fmod, torch.fmod, DIV, second_order=True, jvp=True,
             errors=[ZERO_DIV]),
    OpRecord("fmod", ember.fmod, torch.fmod, INT_DIV, grad=False, dtypes=("float32",),
             variant="int"),
]
