"""Records for logaddexp, logaddexp2, xlogy, copysign, heaviside (ember/ops/math_binary.py),
gcd and lcm (rounding.py), float_power (elementwise_pow.py) and rsub (elementwise.py), with
their in-place forms."""

import math

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_arith import BINARY_SAMPLES
from .ops_reduction_minmax import tied

BINARY = BINARY_SAMPLES[:5]  # same, broadcast, rank, 0d, empty
POS = T((3, 4), 0.5, 2.0)
INT_FLOAT = [Sample((T((3, 4)), I((4,), 3, -3)), name="float-int")]


def _infinite(fn):
    """``fn`` on inputs scaled to +-inf (their signs kept): the overflow-safe paths."""
    return lambda a, b: fn(a * math.inf, b * math.inf)


def _inplace(name, samples, dtypes=("float32", "float64"), grad=True, errors=()):
    def run(x, *args):
        return getattr(x.clone(), name)(*args)

    return OpRecord(name, run, run, samples, dtypes=dtypes, grad=grad, errors=list(errors),
                    variant="inplace")


def _heaviside_backward(x, v):
    ember.heaviside(x.requires_grad_(), v).sum().backward()


RECORDS = [
    *(OpRecord(name, getattr(ember, name), getattr(torch, name), BINARY + INT_FLOAT,
               second_order=True, jvp=True,
               errors=[ErrorInput((I((3,)), I((3,))), {}, TypeError,
                                  rf"{name}: expected floating-point tensors, got int64 and "
                                  r"int64"),
                       ErrorInput((T((3,)), 2.0), {}, TypeError,
                                  rf"{name}: expected other to be a Tensor, got float"),
                       ErrorInput((T((2, 3)), T((4,))), {}, RuntimeError,
                                  r"shapes \(2, 3\), \(4,\) are not broadcastable")])
      for name in ("logaddexp", "logaddexp2")),
    # Far apart (one exp overflows, the other underflows) and infinite operands.
    *(OpRecord(name, getattr(ember, name), getattr(torch, name),
               [Sample((T((3, 4), 300.0, 900.0), T((3, 4), -900.0, -300.0)), name="far")],
               fd=False, variant="far") for name in ("logaddexp", "logaddexp2")),
    *(OpRecord(name, _infinite(getattr(ember, name)), _infinite(getattr(torch, name)),
               [Sample((T((3, 4)), T((3, 4))))], grad=False, variant="inf")
      for name in ("logaddexp", "logaddexp2")),
    OpRecord("xlogy", ember.xlogy, torch.xlogy,
             [Sample((T((3, 4)), POS), name="same"),
              Sample((T((3, 1)), T((1, 4), 0.5, 2.0)), name="broadcast"),
              Sample((T(()), T((2, 3), 0.5, 2.0)), name="0d"),
              Sample((T((0, 3)), T((3,), 0.5, 2.0)), name="empty"),
              Sample((T((3, 4)), 2.5), name="scalar-other"),
              Sample((1.5, POS), name="scalar-self"),
              Sample((T((3, 4)), T((4,), dtype="float64", low=0.5)), name="mixed-float")],
             second_order=True, jvp=True,
             errors=[ErrorInput((2.0, 3.0), {}, TypeError,
                                r"xlogy: expected at least one Tensor, got float and float")]),
    # x == 0 gives 0 (and gradient log(y) * 0 for x), also at y == 0; y <= 0 gives NaN/-inf.
    OpRecord("xlogy", ember.xlogy, torch.xlogy,
             [Sample((T((3, 4), 0.0, 0.0), T((3, 4))), name="zero-x"),
              Sample((T((3, 4)), T((3, 4), 0.0, 0.0)), name="zero-y"),
              Sample((T((3, 4)), T((3, 4), -2.0, 0.0)), name="negative-y")],
             fd=False, variant="domain"),
    OpRecord("xlogy", ember.xlogy, torch.xlogy,
             [Sample((I((3, 4), 4, -2), I((3, 4), 4, 1)), name="ints"),
              Sample((I((3, 4), 4, -2), 2.5), name="int-scalar"),
              Sample((B((3,)), T((3,), 0.5, 2.0)), name="bool-float")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("copysign", ember.copysign, torch.copysign,
             BINARY + [Sample((T((3, 4)), -0.5), name="scalar"),
                       Sample((T((3, 4)), 0.0), name="scalar-zero")],
             second_order=True, jvp=True,
             errors=[ErrorInput((2.0, T((3,))), {}, TypeError,
                                r"copysign: expected a Tensor as input, got float")]),
    # x == 0: PyTorch's gradient there is 0; -0.0 in other counts as negative.
    OpRecord("copysign", ember.copysign, torch.copysign,
             [Sample((T((3, 4), 0.0, 0.0), T((3, 4))), name="zero-x")],
             fd=False, variant="zero"),
    OpRecord("copysign", lambda a: ember.copysign(a, a * -0.0),
             lambda a: torch.copysign(a, a * -0.0), [Sample((T((3, 4)),))], fd=False,
             variant="signed-zero"),
    OpRecord("copysign", ember.copysign, torch.copysign,
             [Sample((I((3, 4), 4, -4), I((4,), 4, -4)), name="ints"),
              Sample((I((3, 4), 4, -4), 2.5), name="int-scalar"),
              Sample((B((3,)), B((3,))), name="bools")],
             dtypes=("float32",), grad=False, variant="int"),
    # Integers in [-2, 2]: zeros take ``values``.
    OpRecord("heaviside", lambda x, v: ember.heaviside(tied(x), v),
             lambda x, v: torch.heaviside(tied(x), v),
             [Sample((T((3, 4)), T((4,))), name="broadcast"), Sample((T(()), T(())), name="0d"),
              Sample((T((0, 3)), T((3,))), name="empty")],
             grad=False,
             errors=[ErrorInput((T((3,)), T((3,), dtype="float64")), {}, RuntimeError,
                                r"heaviside: is not yet implemented for tensors with different "
                                r"dtypes \(got float32 and float64\)"),
                     ErrorInput((T((3,)), 0.5), {}, TypeError,
                                r"heaviside: expected values to be a Tensor, got float")]),
    OpRecord("heaviside", ember.heaviside, torch.heaviside,
             [Sample((I((3, 4), 3, -2), I((4,), 9)), name="int"),
              Sample((B((3,)), B((3,))), name="bool")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("heaviside", _heaviside_backward, None, [], variant="backward",
             errors=[ErrorInput((T((3,)), T((3,))), {}, RuntimeError,
                                r"heaviside: the derivative is not implemented")]),
    *(OpRecord(name, getattr(ember, name), getattr(torch, name),
               [Sample((I((3, 4), 30, -30), I((3, 4), 30, -30)), name="same"),
                Sample((I((3, 1), 30), I((4,), 30)), name="broadcast"),
                Sample((I((3,), 30, dtype="int32"), I((3,), 30)), name="int32-int64"),
                Sample((I((3,), 30, dtype="uint8"), I((3,), 30, dtype="uint8")), name="uint8"),
                Sample((I((), 30), I((2,), 30)), name="0d"),
                Sample((I((0, 3), 30), I((3,), 30)), name="empty")],
               dtypes=("float32",), grad=False,
               errors=[ErrorInput((T((3,)), T((3,))), {}, TypeError,
                                  rf"{name}: expected integer tensors, got float32 and float32"),
                       ErrorInput((B((3,)), B((3,))), {}, TypeError,
                                  rf"{name}: expected integer tensors, got bool and bool"),
                       ErrorInput((I((3,)), 2), {}, TypeError,
                                  rf"{name}: expected other to be a Tensor, got int")])
      for name in ("gcd", "lcm")),
    OpRecord("float_power", ember.float_power, torch.float_power,
             [Sample((POS, T((3, 4))), name="same"),
              Sample((T((3, 1), 0.5, 2.0), T((4,))), name="broadcast"),
              Sample((T((), 0.5, 2.0), T((2, 3))), name="0d"),
              Sample((T((0, 3), 0.5, 2.0), T((3,))), name="empty"),
              Sample((T((3, 4)), 2), name="square"), Sample((POS, -0.5), name="scalar-exp"),
              Sample((2.5, T((3, 4))), name="scalar-base")],
             second_order=True, jvp=True,
             errors=[ErrorInput((2.0, 3), {}, TypeError,
                                r"float_power: expected at least one Tensor, got float and int")]),
    OpRecord("float_power", ember.float_power, torch.float_power,
             [Sample((I((3, 4), 4, -3), I((3, 4), 3, -3)), name="ints"),
              Sample((I((3,), 4), 2), name="int-scalar"), Sample((B((3,)), 2.5), name="bool")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("rsub", ember.rsub, torch.rsub, BINARY_SAMPLES, second_order=True, jvp=True,
             errors=[ErrorInput((2.0, T((3,))), {}, TypeError,
                                r"rsub: expected a Tensor as input, got float"),
                     ErrorInput((B((3,)), B((3,))), {}, TypeError,
                                r"sub: subtraction with a bool operand is not supported")]),
    OpRecord("rsub", lambda a, b: ember.rsub(a, b, alpha=2), lambda a, b: torch.rsub(a, b, alpha=2),
             BINARY_SAMPLES[:2] + [Sample((I((3,)), I((3,))), name="int")], variant="alpha"),
    _inplace("xlogy_", [Sample((T((3, 4)), POS)), Sample((T((3, 4)), 2.0), name="scalar")]),
    _inplace("copysign_", [Sample((T((3, 4)), T((4,)))), Sample((T((3, 4)), -1.0), name="scalar")]),
    _inplace("heaviside_", [Sample((T((3, 4)), T((4,))))], grad=False),
    _inplace("gcd_", [Sample((I((3, 4), 30, -30), I((4,), 30)))], dtypes=("float32",), grad=False),
    _inplace("lcm_", [Sample((I((3, 4), 30, -30), I((4,), 30)))], dtypes=("float32",), grad=False),
    _inplace("float_power_", [Sample((T((3, 4), 0.5, 2.0), T((4,)))),
                              Sample((T((3, 4)), 2), name="scalar")], dtypes=("float64",),
             errors=[ErrorInput((T((3,)), 2), {}, RuntimeError,
                                r"float_power_: the base given to float_power_ has dtype "
                                r"float32 but the operation's result requires dtype float64")]),
]
