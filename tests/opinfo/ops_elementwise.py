"""Records for where, the comparisons, maximum/minimum and pow."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_arith import BINARY_SAMPLES

POSITIVE = T((3, 4), 0.5, 2.0)
# Every element equal: maximum/minimum must split the gradient of ties like PyTorch.
TIES = [Sample((T((3, 4), 1.0, 1.0), T((3, 4), 1.0, 1.0)), name="ties"),
        Sample((T((3, 4), 1.0, 1.0), T((4,), 1.0, 1.0)), name="ties-broadcast")]
CMP_SAMPLES = [
    Sample((T((3, 4)), T((3, 4))), name="same"),
    Sample((T((3, 1)), T((1, 4))), name="broadcast"),
    Sample((T(()), T((2, 3))), name="0d"),
    Sample((T((0, 3)), T((3,))), name="empty"),
    Sample((T((3, 4)), 0.5), name="scalar"),
    Sample((I((3, 4)), 2), name="int-scalar"),
    Sample((I((3, 4)), 2.5), name="int-float-scalar"),
    Sample((I((3, 4)), T((4,))), name="int-float"),
    Sample((T((3, 4)), T((3, 4), dtype="float64")), name="mixed-float"),
]


def _cmp(name):
    return OpRecord(name, getattr(ember, name), getattr(torch, name), CMP_SAMPLES, grad=False,
                    errors=[ErrorInput((T((2, 3)), T((4,))), {}, RuntimeError,
                                       rf"{name}: shapes \(2, 3\), \(4,\) are not "
                                       r"broadcastable")])


_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
OPERATOR_RECORDS = [OpRecord(f"operator{sym}", fn, fn, CMP_SAMPLES[:5], grad=False)
                    for sym, fn in _OPS.items()]

WHERE_SAMPLES = [
    Sample((B((3, 4)), T((3, 4)), T((3, 4))), name="same"),
    Sample((B((3, 1)), T((1, 4)), T((3, 4))), name="broadcast"),
    Sample((B(()), T((2, 3)), T(())), name="0d"),
    Sample((B((0, 3)), T((3,)), T((0, 1))), name="empty"),
    Sample((B((3, 4)), T((3, 4)), 0.0), name="scalar-other"),
    Sample((B((3, 4)), -1.5, T((4,))), name="scalar-input"),
]

RECORDS = [
    *(_cmp(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    *OPERATOR_RECORDS,
    OpRecord("where", ember.where, torch.where, WHERE_SAMPLES, second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), T((3,)), T((3,))), {}, TypeError,
                                r"where: expected condition to be a bool tensor, got a tensor "
                                r"with dtype float32"),
                     ErrorInput((B((2, 3)), T((4,)), T((2, 3))), {}, RuntimeError,
                                r"where: shapes .* are not broadcastable")]),
    OpRecord("where", ember.where, torch.where,
             [Sample((B((3, 4)), 1.0, 0.0), name="scalars-float"),
              Sample((B((3, 4)), 1, 0), name="scalars-int"),
              Sample((B((3, 4)), I((3, 4), dtype="int32"), 2.5), name="int-float"),
              Sample((B((3, 4)), I((3, 4), dtype="int32"), 7), name="int32-int")],
             dtypes=("float32",), grad=False, variant="dtypes"),
    OpRecord("Tensor.where", lambda x, c, y: x.where(c, y), lambda x, c, y: x.where(c, y),
             [Sample((T((3, 4)), B((3, 4)), T((4,))))], jvp=True),
    OpRecord("maximum", ember.maximum, torch.maximum, BINARY_SAMPLES[:5], second_order=True,
             jvp=True,
             errors=[ErrorInput((T((3,)), 2.0), {}, TypeError,
                                r"maximum: expected other to be a Tensor, got float")]),
    OpRecord("minimum", ember.minimum, torch.minimum, BINARY_SAMPLES[:5], second_order=True,
             jvp=True),
    # Ties have no derivative (one-sided ones differ), so only PyTorch's rule is checked.
    OpRecord("maximum", ember.maximum, torch.maximum, TIES, fd=False, variant="ties"),
    OpRecord("minimum", ember.minimum, torch.minimum, TIES, fd=False, variant="ties"),
    OpRecord("maximum", ember.maximum, torch.maximum,
             [Sample((I((3, 4)), T((4,))), name="int-float"),
              Sample((I((3, 4), dtype="int32"), I((4,), dtype="int64")), name="ints")],
             dtypes=("float32",), grad=False, variant="dtypes"),
    OpRecord("pow", ember.pow, torch.pow,
             [Sample((POSITIVE, T((3, 4))), name="same"),
              Sample((T((3, 1), 0.5, 2.0), T((1, 4))), name="broadcast"),
              Sample((T((), 0.5, 2.0), T((2, 3))), name="0d"),
              Sample((T((0, 3), 0.5, 2.0), T((3,))), name="empty"),
              Sample((T((3, 4)), 2), name="square"), Sample((T((3, 4)), 3), name="cube"),
              Sample((POSITIVE, 0.5), name="sqrt"), Sample((POSITIVE, -1.5), name="neg"),
              Sample((T((3, 4)), 0), name="zero"), Sample((T((3, 4)), 1), name="one"),
              Sample((2.5, T((3, 4))), name="scalar-base"),
              Sample((T((), 0.5, 2.0), T((3,))), name="0d-base")],
             second_order=True, jvp=True,
             errors=[ErrorInput((I((3,)), -1), {}, RuntimeError,
                                r"pow: integers to negative integer powers are not allowed"),
                     ErrorInput(("a", T((3,))), {}, TypeError,
                                r"pow: expected a Tensor or a number, got str")]),
    OpRecord("pow", ember.pow, torch.pow,
             [Sample((I((3, 4)), 2), name="int-int"), Sample((I((3, 4)), 0.5), name="int-float"),
              Sample((B((3,)), 2), name="bool-int"),
              Sample((I((3, 4), 4, -3), I((3, 4), 3, -3)), name="int-tensors-neg"),
              Sample((2, I((3, 4))), name="int-base"), Sample((2.5, I((3, 4))), name="float-base"),
              Sample((I((3,), dtype="int32"), T(())), name="int-0d-float")],
             dtypes=("float32",), grad=False, variant="dtypes"),
    OpRecord("pow", ember.pow, torch.pow,
             [Sample((0.0, T((3, 4))), name="zero-base"),
              Sample((-2.0, T((3, 4))), name="negative-base")],
             fd=False, variant="special-bases"),
    OpRecord("__pow__", lambda a: a ** 2, lambda a: a ** 2, [Sample((T((3,)),))],
             second_order=True, jvp=True),
    OpRecord("__rpow__", lambda a: 1.5 ** a, lambda a: 1.5 ** a, [Sample((T((3,)),))],
             second_order=True, jvp=True),
]
