"""Records for ``frexp``, ``ldexp``, ``nextafter``, the bit shifts and ``aminmax``."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_inplace_more import _ip


def _shift_samples():
    return [Sample((I((3, 4), 100, -100), I((3, 4), 70, -3))),
            Sample((I((3, 4), 100, -100), I((4,), 8)), name="bcast"),
            Sample((I((3,), 100, -100), 3), name="scalar"),
            Sample((I((), 100, -100), I((), 8)), name="0d"),
            Sample((I((3,), 200, 0, "uint8"), I((3,), 10, 0, "uint8")), name="uint8"),
            Sample((I((3,), 100, -100, "int32"), I((3,), 40, -2, "int32")), name="int32"),
            Sample((B((3,)), 1), name="bool-int")]


SHIFT_ERROR = [ErrorInput((T((3,)), 1), {}, TypeError, r"expected integer operands")]

RECORDS = [
    OpRecord("frexp", ember.frexp, torch.frexp,
             [Sample((T((3, 4), -1e3, 1e3),)), Sample((T(()),), name="0d"),
              Sample((T((0, 2)),), name="empty")],
             dtypes=("float32", "float64", "float16"), jvp=True,
             errors=[ErrorInput((I((3,)),), {}, RuntimeError,
                                r"frexp: torch.frexp\(\) only supports floating-point dtypes")]),
    OpRecord("ldexp", ember.ldexp, torch.ldexp,
             [Sample((T((3, 4)), T((3, 4), -3, 3))), Sample((T((3, 4)), I((4,), 5, 0)),
                                                            name="int-exp"),
              Sample((I((3,), 5, -5), I((3,), 5)), name="ints"), Sample((T(()), T(())), name="0d"),
              Sample((T((0, 3)), T((3,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), 2), {}, TypeError,
                                r"ldexp\(\): argument 'other' \(position 2\) must be Tensor")]),
    # PyTorch's gradient of input for negative integer exponents is 0 (it computes 2**other
    # in integer arithmetic); the float64 finite-difference check holds ember to 2**other.
    OpRecord("ldexp", ember.ldexp, torch.ldexp, [Sample((T((3, 4)), I((4,), 0, -5)))],
             grad=False, second_order=True, variant="negative-int-exp"),
    OpRecord("ldexp_", _ip("ldexp_"), _ip("ldexp_"),
             [Sample((T((3, 4)), T((4,), -3, 3)))], second_order=True,
             errors=[ErrorInput((T((3,)), T((2, 3))), {}, RuntimeError,
                                r"ldexp_: output with shape \(3,\) doesn't match")]),
    OpRecord("nextafter", ember.nextafter, torch.nextafter,
             [Sample((T((3, 4)), T((3, 4)))), Sample((T((3, 4)), T((4,))), name="bcast"),
              Sample((T(()), T(())), name="0d")], grad=False, atol=0, rtol=0,
             errors=[ErrorInput((I((3,)), I((3,))), {}, TypeError,
                                r"nextafter: expected floating-point tensors, got int64")]),
    OpRecord("nextafter_", _ip("nextafter_"), _ip("nextafter_"),
             [Sample((T((3, 4), grad=False), T((4,), grad=False)))], grad=False, atol=0, rtol=0,
             errors=[ErrorInput((T((3,)), 2.0), {}, TypeError, r"nextafter: expected other")]),
    OpRecord("bitwise_left_shift", ember.bitwise_left_shift, torch.bitwise_left_shift,
             _shift_samples(), dtypes=("int64",), grad=False, errors=SHIFT_ERROR),
    OpRecord("bitwise_right_shift", ember.bitwise_right_shift, torch.bitwise_right_shift,
             _shift_samples(), dtypes=("int64",), grad=False, errors=SHIFT_ERROR),
    OpRecord("__lshift__", lambda a, b: a << b, lambda a, b: a << b, _shift_samples()[:3],
             dtypes=("int64",), grad=False),
    OpRecord("__rrshift__", lambda a: 1000 >> a, lambda a: 1000 >> a,
             [Sample((I((5,), 12, -2),))], dtypes=("int64",), grad=False),
    OpRecord("bitwise_left_shift_", _ip("bitwise_left_shift_"), _ip("bitwise_left_shift_"),
             [Sample((I((3, 4), 100, -100), I((4,), 8)))], dtypes=("int64",), grad=False),
    OpRecord("__irshift__", _ip("__irshift__"), _ip("__irshift__"),
             [Sample((I((3, 4), 100, -100), 2))], dtypes=("int64",), grad=False),
    OpRecord("aminmax", ember.aminmax, torch.aminmax,
             [Sample((T((3, 4)),)), Sample((T((3, 4)),), {"dim": 1}, name="dim"),
              Sample((T((3, 4)),), {"dim": -2, "keepdim": True}, name="keepdim"),
              Sample((T(()),), {"dim": 0}, name="0d"),
              Sample((T((2, 0)),), {"dim": 0}, name="empty-out"),
              Sample((I((3, 4), 9),), {"dim": 0}, name="int")],
             errors=[ErrorInput((T((0,)),), {}, RuntimeError,
                                r"aminmax\(\): cannot compute aminmax over an empty dimension"),
                     ErrorInput((T((2, 0)),), {"dim": 1}, IndexError,
                                r"aminmax\(\): Expected reduction dim 1 to have non-zero size")]),
]
