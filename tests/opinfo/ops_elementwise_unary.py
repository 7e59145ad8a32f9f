"""Records for the unary math ops (math.py, math_trig.py, math_special.py), their in-place
versions, and the binary math ops atan2, hypot and lerp."""

import math

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T


def _samples(low, high):
    return [Sample((T((3, 4), low, high),), name="2d"), Sample((T((), low, high),), name="0d"),
            Sample((T((0, 3), low, high),), name="empty"),
            Sample((T((2, 3, 2), low, high),), name="3d")]


# name, domain, smooth (second order checked)
SMOOTH = [
    ("exp", -2, 2), ("exp2", -2, 2), ("expm1", -2, 2), ("log", 0.5, 2), ("log2", 0.5, 2),
    ("log10", 0.5, 2), ("log1p", -0.5, 2), ("sqrt", 0.5, 2), ("rsqrt", 0.5, 2),
    ("square", -2, 2), ("reciprocal", 0.5, 2), ("sin", -2, 2), ("cos", -2, 2),
    ("tan", -1.2, 1.2), ("asin", -0.9, 0.9), ("acos", -0.9, 0.9), ("atan", -2, 2),
    ("sinh", -2, 2), ("cosh", -2, 2), ("tanh", -2, 2), ("asinh", -2, 2), ("acosh", 1.2, 3),
    ("atanh", -0.9, 0.9), ("sigmoid", -3, 3), ("logit", 0.1, 0.9), ("erf", -2, 2),
    ("erfc", -2, 2), ("erfinv", -0.9, 0.9), ("sinc", -2, 2), ("deg2rad", -2, 2),
    ("rad2deg", -2, 2), ("lgamma", 0.1, 6), ("digamma", 0.1, 6),
]
# Not smooth at isolated points (abs at 0), or piecewise constant (sign): first order only.
PIECEWISE = [("abs", -2, 2), ("sign", -2, 2), ("sgn", -2, 2)]


def _unary(name, low, high, smooth):
    return OpRecord(name, getattr(ember, name), getattr(torch, name), _samples(low, high),
                    second_order=smooth, jvp=True,
                    errors=[ErrorInput(([1.0, 2.0],), {}, TypeError,
                                       rf"{name}: expected a Tensor as input, got list")])


def _int_input(name):
    # Integer and bool inputs: float ops give the default float dtype, abs/sign/square keep
    # integers (square of bool is int64), as in PyTorch.
    samples = [Sample((I((3, 4), 3, -2),), name="int64"),
               Sample((I((3,), 3, 0, dtype="int32"),), name="int32")]
    if name not in ("abs",):
        samples.append(Sample((B((3,)),), name="bool"))
    return OpRecord(name, getattr(ember, name), getattr(torch, name), samples,
                    dtypes=("float32",), grad=False, variant="int")


INT_OK = ["exp", "sqrt", "sin", "tanh", "sigmoid", "erf", "abs", "sign", "square", "reciprocal",
          "log1p", "atan", "sgn", "sinc", "deg2rad", "rad2deg", "lgamma", "digamma"]


def _inplace(name, low, high):
    def run(mod):
        return lambda x: getattr(x.clone() if isinstance(x, ember.Tensor) else x.clone(),
                                 name + "_")()

    return OpRecord(f"{name}_", run(ember), run(torch), _samples(low, high)[:2], jvp=False,
                    variant="inplace")


HALF = [Sample((T((3, 4), 0.5, 2.0),), name="2d")]


def _polygamma(lib, n):
    return lambda x: lib.polygamma(n, x)

RECORDS = [
    *(_unary(n, lo, hi, True) for n, lo, hi in SMOOTH),
    *(_unary(n, lo, hi, False) for n, lo, hi in PIECEWISE),
    *(_int_input(n) for n in INT_OK),
    *(OpRecord(n, getattr(ember, n), getattr(torch, n), HALF, dtypes=("float16",),
               grad=False, variant="half") for n in ("exp", "log", "sqrt", "sigmoid", "tanh",
                                                     "erf", "abs", "reciprocal", "sinc",
                                                     "deg2rad", "rad2deg")),
    *(_inplace(n, lo, hi) for n, lo, hi in (("abs", -2, 2), ("exp", -2, 2), ("sqrt", 0.5, 2),
                                            ("sigmoid", -2, 2), ("tanh", -2, 2),
                                            ("log", 0.5, 2), ("sin", -2, 2), ("sgn", -2, 2),
                                            ("sinc", -2, 2), ("deg2rad", -2, 2),
                                            ("rad2deg", -2, 2), ("lgamma", 0.5, 3),
                                            ("digamma", 0.5, 3))),
    # The gamma family left of 0 (the reflection formulas), between the poles.
    *(OpRecord(n, getattr(ember, n), getattr(torch, n),
               [Sample((T((3, 4), -3.95, -3.05),), name="-4..-3"),
                Sample((T((3, 4), -0.95, -0.05),), name="-1..0")],
               second_order=True, jvp=True, variant="negative") for n in ("lgamma", "digamma")),
    *(OpRecord("polygamma", _polygamma(ember, k), _polygamma(torch, k),
               [Sample((T((3, 4), 0.1, 6.0),), name="positive"),
                Sample((T((2, 3), 12.0, 40.0),), name="large"),
                Sample((T((3, 4), -1.95, -1.05),), name="negative"),
                Sample((T(()),), name="0d"), Sample((T((0, 3)),), name="empty")],
               second_order=True, jvp=True, variant=f"n{k}")
      for k in (0, 1, 2, 3)),
    OpRecord("polygamma", ember.polygamma, torch.polygamma, [], variant="errors",
             errors=[ErrorInput((-1, T((3,))), {}, RuntimeError,
                                r"polygamma: n must be non-negative, got -1"),
                     ErrorInput((1.5, T((3,))), {}, TypeError,
                                r"polygamma: n must be an int, got float")]),
    OpRecord("polygamma_", lambda x: x.clone().polygamma_(2), lambda x: x.clone().polygamma_(2),
             [Sample((T((3, 4), 0.5, 3.0),))], variant="inplace"),
    OpRecord("Tensor.polygamma", lambda x: x.polygamma(1), lambda x: x.polygamma(1),
             [Sample((T((3, 4), 0.5, 3.0),))], jvp=True),
    # sinc(0) = 1 with gradient 0 (PyTorch's rule)
    OpRecord("sinc", ember.sinc, torch.sinc, [Sample((T((3,), 0.0, 0.0),))], fd=False,
             variant="zero"),
    # x * -0.0 is -0.0 where x > 0: signbit sees the sign of zeros.
    OpRecord("signbit", lambda x: ember.signbit(ember.cat([x, x * -0.0])),
             lambda x: torch.signbit(torch.cat([x, x * -0.0])),
             [Sample((T((3, 4)),), name="2d"), Sample((T((0,)),), name="empty")], grad=False),
    OpRecord("signbit", ember.signbit, torch.signbit,
             [Sample((T(()),), name="0d"), Sample((I((3, 4), 3, -3),), name="int"),
              Sample((I((3,), 3, dtype="uint8"),), name="uint8"), Sample((B((3,)),), name="bool")],
             dtypes=("float16", "float32"), grad=False, variant="dtypes",
             errors=[ErrorInput(([1.0],), {}, TypeError,
                                r"signbit: expected a Tensor as input, got list")]),
    OpRecord("signbit", lambda: ember.signbit(ember.tensor([math.nan, -math.nan, -math.inf])),
             lambda: torch.signbit(torch.tensor([math.nan, -math.nan, -math.inf])),
             [Sample(())], dtypes=("float32",), grad=False, variant="nan"),
    OpRecord("abs", ember.abs, torch.abs, [], dtypes=("float32",), grad=False,
             variant="bool-error",
             errors=[ErrorInput((B((3,)),), {}, TypeError, r"abs: not supported for bool")]),
    OpRecord("logit", ember.logit, torch.logit,
             [Sample((T((3, 4), 0.05, 0.95),), {"eps": 0.2}, name="eps"),
              Sample((T((3, 4), -0.5, 1.5),), name="outside")],
             fd=False, variant="eps"),
    OpRecord("logit", lambda x: ember.logit(x, 0.2), lambda x: torch.logit(x, 0.2),
             [Sample((T((3, 4), 0.25, 0.75),))], second_order=True, jvp=True,
             variant="eps-inside"),
    OpRecord("nan_to_num", lambda x, **kw: ember.nan_to_num(ember.log(x), **kw),
             lambda x, **kw: torch.nan_to_num(torch.log(x), **kw),
             [Sample((T((3, 4), -1.0, 1.0),), name="default"),
              Sample((T((3, 4), -1.0, 1.0),), {"nan": 1.5, "neginf": -3.0}, name="values"),
              Sample((T((), -1.0, 1.0),), name="0d")], jvp=True),
    OpRecord("nan_to_num", ember.nan_to_num, torch.nan_to_num, [], variant="errors",
             errors=[ErrorInput((None,), {}, TypeError, r"nan_to_num: expected a Tensor")]),
    OpRecord("nan_to_num", lambda x: ember.nan_to_num(x / 0.0), lambda x: torch.nan_to_num(x / 0.0),
             [Sample((T((3, 4)),))], dtypes=("float16", "float32", "float64"),
             grad=False, variant="inf"),
    OpRecord("atan2", ember.atan2, torch.atan2,
             [Sample((T((3, 4)), T((3, 4))), name="same"),
              Sample((T((3, 1)), T((1, 4))), name="broadcast"),
              Sample((T(()), T((2, 3))), name="0d"), Sample((T((0, 3)), T((3,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((4,))), {}, RuntimeError,
                                r"atan2: shapes \(2, 3\), \(4,\) are not broadcastable")]),
    OpRecord("atan2", ember.atan2, torch.atan2, [Sample((I((3, 4), 3, -2), I((4,), 3, 1)))],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("hypot", ember.hypot, torch.hypot,
             [Sample((T((3, 4)), T((3, 4))), name="same"),
              Sample((T((3, 1)), T((1, 4))), name="broadcast"),
              Sample((T(()), T((2, 3))), name="0d"), Sample((T((0, 3)), T((3,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((I((3,)), I((3,))), {}, TypeError,
                                r"hypot: expected floating-point tensors, got int64")]),
    OpRecord("lerp", ember.lerp, torch.lerp,
             [Sample((T((3, 4)), T((3, 4)), 0.3), name="small-weight"),
              Sample((T((3, 4)), T((3, 4)), 0.7), name="large-weight"),
              Sample((T((3, 1)), T((1, 4)), 0.5), name="broadcast"),
              Sample((T((3, 4)), T((3, 4)), T((3, 4), 0.0, 1.0)), name="tensor-weight"),
              Sample((T((3, 1)), T((4,)), T((2, 1, 1), -0.5, 1.5)), name="tensor-broadcast"),
              Sample((T(()), T((2, 3)), T(())), name="0d"),
              Sample((T((0, 3)), T((3,)), 0.25), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), T((3,), dtype="float64"), 0.5), {}, TypeError,
                                r"lerp: expected dtype float32 for `end` but got dtype float64"),
                     ErrorInput((I((3,)), I((3,)), 0.5), {}, TypeError,
                                r"lerp: expected floating-point tensors, got int64")]),
    OpRecord("Tensor.pow_", lambda x: x.clone().pow_(2), lambda x: x.clone().pow_(2),
             [Sample((T((3, 4)),))]),
    OpRecord("Tensor.exp-method", lambda x: x.exp().log1p().sigmoid().sqrt(),
             lambda x: x.exp().log1p().sigmoid().sqrt(), [Sample((T((3, 4)),))],
             second_order=True, jvp=True),
]
