"""Records for the basic arithmetic ops in ember/ops/elementwise.py."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

BINARY_SAMPLES = [
    Sample((T((3, 4)), T((3, 4))), name="same"),
    Sample((T((3, 1)), T((1, 4))), name="broadcast"),
    Sample((T((2, 3, 4)), T((4,))), name="rank"),
    Sample((T(()), T((2, 3))), name="0d"),
    Sample((T((0, 3)), T((3,))), name="empty"),
    Sample((T((3, 4)), 2.5), name="scalar"),
]

RECORDS = [
    OpRecord("add", ember.add, torch.add, BINARY_SAMPLES, second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((4,))), {}, RuntimeError,
                                r"add: shapes \(2, 3\), \(4,\) are not broadcastable")]),
    OpRecord("add", lambda a, b: ember.add(a, b, alpha=0.5),
             lambda a, b: torch.add(a, b, alpha=0.5), BINARY_SAMPLES[:2], variant="alpha"),
    OpRecord("sub", ember.sub, torch.sub, BINARY_SAMPLES, second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), True), {}, TypeError,
                                r"sub: subtraction with a bool operand is not supported \(got "
                                r"float32 \(3,\), bool True\)"),
                     ErrorInput((I((3,)), B((3,))), {}, TypeError,
                                r"sub: subtraction with a bool operand is not supported \(got "
                                r"int64 \(3,\), bool \(3,\)\)")]),
    # Integers divide in float, a negative scalar included (no wrap-around to uint8 first).
    OpRecord("div", ember.div, torch.div,
             [Sample((I((3, 4), 9, 1, dtype="uint8"), -3), name="uint8-neg-scalar"),
              Sample((I((3,), 9, 1, dtype="uint8"), I((), 0, -4)), name="uint8-neg-0d"),
              Sample((I((3,), 9, 1, dtype="int32"), -2), name="int32-scalar")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("__rtruediv__", lambda a: -3 / a, lambda a: -3 / a,
             [Sample((I((3,), 9, 1, dtype="uint8"),), name="uint8")], dtypes=("float32",),
             grad=False, variant="int"),
    OpRecord("mul", ember.mul, torch.mul, BINARY_SAMPLES, second_order=True, jvp=True),
    OpRecord("div", ember.div, torch.div,
             [Sample((T((3, 4)), T((3, 4), 0.5, 2.0)), name="same"),
              Sample((T((3, 1)), T((1, 4), 0.5, 2.0)), name="broadcast"),
              Sample((T((3, 4)), 2.5), name="scalar")],
             second_order=True, jvp=True),
    OpRecord("neg", ember.neg, torch.neg, [Sample((T((3, 4)),)), Sample((T(()),), name="0d")],
             second_order=True, jvp=True),
    OpRecord("add", ember.add, torch.add, [Sample((I((3, 4)), I((4,))), name="int"),
                                           Sample((I((3,), dtype="int32"), 2.5), name="int-float"),
                                           Sample((I((3,), dtype="int32"), I((), dtype="int64")),
                                                  name="int-0d")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("__radd__", lambda a: 1.5 + a, lambda a: 1.5 + a, [Sample((T((3,)),))]),
    OpRecord("__rsub__", lambda a: 1.5 - a, lambda a: 1.5 - a, [Sample((T((3,)),))]),
    OpRecord("__rmul__", lambda a: 1.5 * a, lambda a: 1.5 * a, [Sample((T((3,)),))]),
    OpRecord("__rtruediv__", lambda a: 1.5 / a, lambda a: 1.5 / a,
             [Sample((T((3,), 0.5, 2.0),))]),
]
