"""Records for sum/mean and the core shape ops."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T

RECORDS = [
    OpRecord("sum", ember.sum, torch.sum,
             [Sample((T((3, 4)),), name="all"), Sample((T((3, 4)),), {"dim": 1}, name="dim"),
              Sample((T((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, name="dims-keep"),
              Sample((T(()),), name="0d"), Sample((T((0, 3)),), {"dim": 0}, name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)),), {"dim": 2}, IndexError,
                                r"sum: dimension out of range \(expected to be in range of "
                                r"\[-2, 1\], but got 2\)")]),
    OpRecord("mean", ember.mean, torch.mean,
             [Sample((T((3, 4)),), name="all"), Sample((T((3, 4)),), {"dim": -1}, name="dim"),
              Sample((T((2, 3, 4)),), {"dim": (0, 1), "keepdim": True}, name="dims-keep")],
             second_order=True, jvp=True),
    OpRecord("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1),
             [Sample((T((2, 6)),)), Sample((T((3, 4)),))], second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 5)),), {}, RuntimeError,
                                r"reshape: shape \(4, -1\) is invalid for input of size 10")]),
    OpRecord("expand", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4),
             [Sample((T((3, 1)),)), Sample((T((4,)),))], second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 4)),), {}, RuntimeError,
                                r"expand: the expanded size of the tensor \(3\) must match the "
                                r"existing size \(2\)")]),
    OpRecord("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1),
             [Sample((T((2, 3, 4)),))], second_order=True, jvp=True),
    OpRecord("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1),
             [Sample((T((2, 3, 4)),)), Sample((T((3,)),))], jvp=True),
]
