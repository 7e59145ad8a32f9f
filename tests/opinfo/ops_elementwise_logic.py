"""Records for clamp/clip, fmax/fmin, the logical and bitwise ops, the float classifiers and
isclose/allclose."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_arith import BINARY_SAMPLES

CLAMP = [
    Sample((T((3, 4)), -0.5, 0.5), name="numbers"),
    Sample((T((3, 4)),), {"min": -0.5}, name="min-only"),
    Sample((T((3, 4)),), {"max": 0.5}, name="max-only"),
    Sample((T((3, 4)), T((4,), -1, 0), T((3, 1), 0, 1)), name="tensors"),
    Sample((T((3, 4)), T((3, 4), 0, 1), T((3, 4), -1, 0)), name="min-above-max"),
    Sample((T((2, 3)), T(()), T((3,), 0, 1)), name="0d"),
    Sample((T((0, 3)), -1.0, 1.0), name="empty"),
]
# x exactly on the bound: PyTorch passes the gradient to x (min <= x <= max both inclusive).
BOUNDARY = [Sample((T((3, 4), 0.5, 0.5), 0.5, 1.0), name="at-min"),
            Sample((T((3, 4), 0.5, 0.5), T((4,), 0.5, 0.5), T((4,), 0.5, 0.5)),
                   name="tensor-at-both")]
LOGICAL = [Sample((B((3, 4)), B((3, 4))), name="bool"),
           Sample((T((3, 1)), I((1, 4), 2)), name="mixed-broadcast"),
           Sample((B(()), B((2, 3))), name="0d"), Sample((B((0, 3)), B((3,))), name="empty")]
BITWISE = [Sample((I((3, 4), 16), I((3, 4), 16)), name="int"),
           Sample((B((3, 1)), B((1, 4))), name="bool-broadcast"),
           Sample((I((3, 4), 16, dtype="int32"), 5), name="scalar"),
           Sample((I((3, 4), 16, dtype="uint8"), B((4,))), name="uint8-bool"),
           Sample((I((0, 3), 16), I((3,), 16)), name="empty")]
FLOAT_ERR = ErrorInput((T((3,)), T((3,))), {}, TypeError, r"expected integer or bool operands, "
                       r"got float32, float32")


def _fn(name, mod):
    return getattr(mod, name)


def _classify(name):
    # inf where x > 0 and NaN where x < -1, from ordinary arithmetic on the random input.
    def build(mod):
        return lambda x: getattr(mod, name)(mod.where(x > 0, x / 0.0, x) * mod.where(
            x < -1, float("nan"), 1.0))

    return OpRecord(name, build(ember), build(torch),
                    [Sample((T((3, 4)),), name="2d"), Sample((T(()),), name="0d"),
                     Sample((T((0, 2)),), name="empty")], grad=False)


RECORDS = [
    OpRecord("clamp", ember.clamp, torch.clamp, CLAMP, jvp=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                r"clamp: at least one of 'min' or 'max' must not be None"),
                     ErrorInput((T((3,)), "a"), {}, TypeError,
                                r"clamp: expected min to be a number or a Tensor, got str")]),
    OpRecord("clamp", ember.clamp, torch.clamp, BOUNDARY, fd=False, variant="boundary"),
    OpRecord("clamp", ember.clamp, torch.clamp,
             [Sample((I((3, 4), 9, -9), -2, 3), name="int"),
              Sample((I((3, 4), 9, -9), -2.5, 3), name="int-float-bound"),
              Sample((I((3, 4), 9, -9), I((4,), 0, -3)), name="int-tensor")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("clamp", lambda x, lo: ember.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo),
             [Sample((T((3, 4)), T((4,), -1, 0)))], jvp=True, variant="tensor-min"),
    OpRecord("clamp", lambda x, hi: ember.clamp(x, max=hi), lambda x, hi: torch.clamp(x, max=hi),
             [Sample((T((3, 4)), T((1, 4), -1, 1)))], jvp=True, variant="tensor-max"),
    OpRecord("clip", ember.clip, torch.clip, CLAMP[:1]),
    OpRecord("clamp_min", ember.clamp_min, torch.clamp_min, [Sample((T((3, 4)), 0.0))]),
    OpRecord("clamp_max", ember.clamp_max, torch.clamp_max, [Sample((T((3, 4)), 0.0))]),
    OpRecord("clamp_", lambda x, lo, hi: x.clone().clamp_(lo, hi),
             lambda x, lo, hi: x.clone().clamp_(lo, hi), CLAMP[:1], variant="inplace"),
    OpRecord("fmax", ember.fmax, torch.fmax, BINARY_SAMPLES[:5], jvp=True,
             errors=[ErrorInput((T((3,)), 1.0), {}, TypeError,
                                r"fmax: expected other to be a Tensor, got float")]),
    OpRecord("fmin", ember.fmin, torch.fmin, BINARY_SAMPLES[:5], jvp=True),
    OpRecord("fmax", lambda a, b: ember.fmax(a, b * float("nan")),
             lambda a, b: torch.fmax(a, b * float("nan")), BINARY_SAMPLES[:2], fd=False,
             variant="nan"),
    OpRecord("fmin", ember.fmin, torch.fmin,
             [Sample((T((3, 4), 1.0, 1.0), T((4,), 1.0, 1.0)), name="ties")], fd=False,
             variant="ties"),
    *(OpRecord(n, _fn(n, ember), _fn(n, torch), LOGICAL, grad=False,
               errors=[ErrorInput((B((3,)), True), {}, TypeError,
                                  rf"{n}: expected other to be a Tensor, got bool")])
      for n in ("logical_and", "logical_or", "logical_xor")),
    OpRecord("logical_not", ember.logical_not, torch.logical_not,
             [Sample((B((3, 4)),)), Sample((T((3,)),), name="float"),
              Sample((I(()),), name="0d")], grad=False),
    *(OpRecord(n, _fn(n, ember), _fn(n, torch), BITWISE, dtypes=("float32",), grad=False,
               errors=[FLOAT_ERR]) for n in ("bitwise_and", "bitwise_or", "bitwise_xor")),
    OpRecord("bitwise_not", ember.bitwise_not, torch.bitwise_not,
             [Sample((I((3, 4), 9, -9),)), Sample((B((3,)),), name="bool"),
              Sample((I((3,), 200, dtype="uint8"),), name="uint8")], grad=False,
             errors=[ErrorInput((T((3,)),), {}, TypeError,
                                r"bitwise_not: expected an integer or bool tensor, got float32")]),
    *(OpRecord(f"operator{sym}", fn, fn, BITWISE[:3], dtypes=("float32",), grad=False)
      for sym, fn in (("&", lambda a, b: a & b), ("|", lambda a, b: a | b),
                      ("^", lambda a, b: a ^ b))),
    OpRecord("operator~", lambda a: ~a, lambda a: ~a, [Sample((B((3,)),))], grad=False),
    OpRecord("__rand__", lambda a: 6 & a, lambda a: 6 & a, [Sample((I((3,), 16),))],
             grad=False),
    *(_classify(n) for n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf")),
    OpRecord("isnan", ember.isnan, torch.isnan, [Sample((I((3,)),))], grad=False,
             variant="int"),
    OpRecord("isclose", ember.isclose, torch.isclose,
             [Sample((T((3, 4)), T((3, 4))), name="random"),
              Sample((T((3, 4), 1.0, 1.0), T((4,), 1.0, 1.0)), name="equal"),
              Sample((T((3, 4), 1.0, 1.0), T((4,), 1.0, 1.0)), {"rtol": 0.0, "atol": 0.0},
                     name="exact")], grad=False,
             errors=[ErrorInput((I((3,)), T((3,))), {}, TypeError,
                                r"isclose: expected both tensors to have the same dtype, got "
                                r"int64 and float32")]),
    OpRecord("isclose", lambda a, b, **kw: ember.isclose(a / 0.0, b / 0.0, **kw),
             lambda a, b, **kw: torch.isclose(a / 0.0, b / 0.0, **kw),
             [Sample((T((3, 4)), T((3, 4))), name="inf-nan"),
              Sample((T((3, 4)), T((3, 4))), {"equal_nan": True}, name="equal-nan")],
             grad=False, variant="special"),
    OpRecord("allclose", lambda a, b: ember.tensor(ember.allclose(a, b + 1e-9)),
             lambda a, b: torch.tensor(torch.allclose(a, b + 1e-9)),
             [Sample((T((3, 4), 1.0, 1.0), T((4,), 1.0, 1.0)))], grad=False),
    # equal returns a Python bool: shapes, values (NaN never equal), dtypes may differ.
    OpRecord("equal", ember.equal, torch.equal,
             [Sample((T((3, 4)), T((3, 4))), name="different"),
              Sample((T((3, 4)), T((4,))), name="shapes"),
              Sample((T((0, 3)), T((0, 3))), name="empty")], grad=False,
             errors=[ErrorInput((T((3,)), [1.0, 2.0, 3.0]), {}, TypeError,
                                r"equal: expected other to be a Tensor, got list")]),
    OpRecord("equal", lambda x: ember.equal(x, x.detach().clone()),
             lambda x: torch.equal(x, x.detach().clone()),
             [Sample((T((3, 4)),), name="2d"), Sample((T(()),), name="0d")], grad=False,
             variant="same"),
    OpRecord("equal", lambda x: ember.equal(x, x.double()), lambda x: torch.equal(x, x.double()),
             [Sample((I((3, 4), 9),), name="int-float")], grad=False, variant="dtypes"),
    OpRecord("equal", lambda x: ember.equal(x / 0.0, x / 0.0),
             lambda x: torch.equal(x / 0.0, x / 0.0),
             [Sample((T((3,), 0.0, 0.0),), name="nan")], grad=False, variant="nan"),
]
