"""Records for the core shape ops (sum/mean records are in ops_reduction.py)."""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _kw_method(name):
    """``x.<name>(**kwargs)``: the sizes given by PyTorch's keyword (``x.view(size=...)``)."""
    return lambda x, *args, **kw: getattr(x, name)(*args, **kw)

RECORDS = [
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
    # Sizes by keyword, as PyTorch's docs name them (method and function forms).
    OpRecord("reshape", _kw_method("reshape"), _kw_method("reshape"),
             [Sample((T((2, 6)),), {"shape": (4, -1)}, name="method")], jvp=True,
             variant="keyword",
             errors=[ErrorInput((T((2, 6)), 4, -1), {"shape": (4, -1)}, TypeError,
                                r"reshape: got shape both positionally \(4, -1\) and by "
                                r"keyword"),
                     ErrorInput((T((2, 6)), ember.float32), {}, TypeError,
                                r"reshape: shape must be a sequence of ints, got DType")]),
    OpRecord("reshape", ember.reshape, torch.reshape,
             [Sample((T((2, 6)),), {"shape": (3, -1)}, name="fn"),
              Sample((T((2, 6)), (-1,)), name="fn-tuple")], variant="fn-keyword"),
    OpRecord("view", _kw_method("view"), _kw_method("view"),
             [Sample((T((2, 6)),), {"size": (-1,)}, name="method")], variant="keyword"),
    OpRecord("expand", _kw_method("expand"), _kw_method("expand"),
             [Sample((T((3, 1)),), {"size": (2, 3, -1)}, name="method")], variant="keyword"),
    OpRecord("permute", _kw_method("permute"), _kw_method("permute"),
             [Sample((T((2, 3, 4)),), {"dims": (2, 0, 1)}, name="method")], variant="keyword"),
    OpRecord("permute", ember.permute, torch.permute,
             [Sample((T((2, 3, 4)),), {"dims": (-1, 0, 1)}, name="fn"),
              Sample((T((2, 3)), (1, 0)), name="fn-tuple")], variant="fn-keyword"),
    OpRecord("repeat", _kw_method("repeat"), _kw_method("repeat"),
             [Sample((T((2, 3)),), {"repeats": (2, 1, 2)}, name="method")], variant="keyword"),
    OpRecord("split", lambda x, **kw: x.split(**kw)[-1], lambda x, **kw: x.split(**kw)[-1],
             [Sample((T((5, 3)),), {"split_size": 2, "dim": 0}, name="method")],
             variant="keyword"),
]
