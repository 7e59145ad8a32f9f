"""Records for the complex-number API on real tensors (``angle``, ``adjoint``, ...)."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

RECORDS = [
    OpRecord("angle", ember.angle, torch.angle,
             [Sample((T((3, 4)),)), Sample((T(()),), name="0d"), Sample((T((0, 3)),), name="empty"),
              Sample((I((5,), high=3, low=-3),), name="int")],
             dtypes=("float32", "float64", "float16"), jvp=True),
    OpRecord("adjoint", ember.adjoint, torch.adjoint,
             [Sample((T((3, 4)),)), Sample((T((2, 3, 4)),), name="batch"),
              Sample((T((0, 3)),), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                r"adjoint: .*only supported on matrices.* Got 1-D")]),
    OpRecord("positive", ember.positive, torch.positive,
             [Sample((T((3, 4)),)), Sample((T(()),), name="0d")], second_order=True, jvp=True,
             errors=[ErrorInput((ember.tensor([True]),), {}, RuntimeError,
                                r"positive: the `\+` operator, on a bool tensor")]),
    OpRecord("conj_physical", ember.conj_physical, torch.conj_physical,
             [Sample((T((3, 4)),))], second_order=True, jvp=True),
]
