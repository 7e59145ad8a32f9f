"""Records for the in-place comparisons, cumulative ops and binary math ops: each runs on a
clone (so the leaf stays a leaf) and compares the result and the gradients through it."""

import torch

from .core import ErrorInput, I, OpRecord, Sample, T

TWO = [Sample((T((3, 4)), T((3, 4))), name="same"), Sample((T((3, 4)), T((4,))), name="bcast"),
       Sample((T(()), T(())), name="0d"), Sample((T((0, 4)), T((4,))), name="empty")]


def _ip(method, *extra):
    def run(x, *args, **kwargs):
        y = x.clone()
        out = getattr(y, method)(*args, *extra, **kwargs)
        assert out is y
        return y

    run.__name__ = method
    return run


_SHAPE_ERROR = ErrorInput((T((3,)), T((2, 3))), {}, RuntimeError,
                          r"output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)")

RECORDS = [
    *[OpRecord(name, _ip(name), _ip(name),
               [*TWO, Sample((T((3, 4)), 0.5), name="scalar"),
                Sample((I((3, 4)), I((4,))), name="int")],
               errors=[_SHAPE_ERROR])
      for name in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_",
                   "greater_equal_", "less_equal_", "not_equal_")],
    OpRecord("atan2_", _ip("atan2_"), _ip("atan2_"), TWO, second_order=True,
             errors=[_SHAPE_ERROR]),
    OpRecord("hypot_", _ip("hypot_"), _ip("hypot_"), TWO, second_order=True,
             errors=[_SHAPE_ERROR]),
    OpRecord("cumsum_", _ip("cumsum_"), _ip("cumsum_"),
             [Sample((T((3, 4)), 1)), Sample((T((3, 4)), -2), name="negdim"),
              Sample((T(()), 0), name="0d"), Sample((I((3, 4)), 0), name="int")],
             second_order=True,
             errors=[ErrorInput((T((3, 4)), 2), {}, IndexError, r"cumsum.*out of range")]),
    OpRecord("cumprod_", _ip("cumprod_"), _ip("cumprod_"),
             [Sample((T((3, 4)), 1)), Sample((T((0, 2)), 0), name="empty")], second_order=True,
             errors=[ErrorInput((T((3, 4)), 3), {}, IndexError, r"cumprod.*out of range")]),
    OpRecord("bitwise_not_", _ip("bitwise_not_"), _ip("bitwise_not_"),
             [Sample((I((3, 4), high=100, low=-100),))], dtypes=("int64",), grad=False,
             errors=[ErrorInput((T((3,)),), {}, TypeError, r"bitwise_not.*float")]),
]

_ = torch  # the records' torch callables are the methods themselves
