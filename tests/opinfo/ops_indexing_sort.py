"""Records for sorting and searching (ember/ops/sorting.py) and nonzero/argwhere."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

SORT_SAMPLES = [
    Sample((T((4, 5)),), name="last"),
    Sample((T((4, 5)), 0), name="dim0"),
    Sample((T((3, 4)),), {"descending": True}, name="descending"),
    Sample((T(()),), name="0d"),
    Sample((T((0, 3)),), name="empty"),
]


def _searchsorted(mod):
    # the sequence must be sorted along its last dim
    return lambda seq, v, **kw: mod.searchsorted(mod.sort(seq).values, v, **kw)


RECORDS = [
    OpRecord("sort", ember.sort, torch.sort, SORT_SAMPLES, second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), 2), {}, IndexError,
                                r"sort: dimension out of range")]),
    OpRecord("sort", lambda x, d: ember.sort(x, d, stable=True),
             lambda x, d: torch.sort(x, dim=d, stable=True),
             [Sample((I((3, 8), 3, dtype="int64"), 1), name="int-ties")], grad=False,
             variant="int-stable"),
    OpRecord("sort", lambda x: ember.sort(x, descending=True, stable=True),
             lambda x: torch.sort(x, descending=True, stable=True),
             [Sample((I((3, 8), 3, dtype="int64"),), name="int-ties")], grad=False,
             variant="int-stable-desc"),
    OpRecord("argsort", ember.argsort, torch.argsort, SORT_SAMPLES[:3], grad=False),
    OpRecord("msort", ember.msort, torch.msort, [Sample((T((4, 3)),))], second_order=True,
             jvp=True),
    OpRecord("topk", ember.topk, torch.topk,
             [Sample((T((4, 5)), 2), name="largest"),
              Sample((T((4, 5)), 3, 0), {"largest": False}, name="smallest-dim0"),
              Sample((T((4, 5)), 0), name="k0"),
              Sample((T((3, 41)), 3), name="few-of-many"),
              Sample((T((2, 41, 3)), 1, 1), {"largest": False}, name="top1-smallest-dim1"),
              Sample((T(()), 1), name="0d")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), 4), {}, RuntimeError,
                                r"topk: selected index k \(4\) is out of range for dimension 1 "
                                r"with size 3"),
                     ErrorInput((B((3,)), 1), {}, RuntimeError,
                                r"topk does not support bool dtypes")]),
    OpRecord("unique", ember.unique, torch.unique,
             [Sample((I((10,), 4),), name="1d"),
              Sample((I((3, 4), 3),), {"return_inverse": True, "return_counts": True},
                     name="inverse-counts"),
              Sample((I((4, 2), 2),), {"dim": 0, "return_inverse": True}, name="dim"),
              Sample((I((0,), 2),), name="empty")],
             grad=False),
    OpRecord("searchsorted", _searchsorted(ember), _searchsorted(torch),
             [Sample((I((6,), 3), I((4,), 4)), name="int-ties"),
              Sample((T((5,), grad=False), T((3, 2), grad=False)), name="1d-seq"),
              Sample((T((2, 5), grad=False), T((2, 3), grad=False)), {"right": True},
                     name="batched-right"),
              Sample((T((5,), grad=False), T((2,), grad=False)), {"side": "right"},
                     name="side")],
             grad=False, check_dtype=True,
             errors=[ErrorInput((T((5,)), T((2,))), {"side": "middle"}, RuntimeError,
                                r"searchsorted: side must be 'left' or 'right'")]),
    OpRecord("bincount", ember.bincount, torch.bincount,
             [Sample((I((10,), 5),), name="counts"),
              Sample((I((10,), 5), T((10,), grad=False)), name="weights"),
              Sample((I((3,), 2),), {"minlength": 6}, name="minlength"),
              Sample((I((0,), 2),), name="empty")],
             grad=False,
             errors=[ErrorInput((ember.tensor([1, -1]),), {}, RuntimeError,
                                r"bincount: only supports 1-d non-negative integral inputs")]),
    OpRecord("nonzero", ember.nonzero, torch.nonzero,
             [Sample((B((3, 4)),), name="2d"), Sample((I((5,), 3),), name="int"),
              Sample((B(()),), name="0d"), Sample((B((3, 4)),), {"as_tuple": True},
                                                  name="tuple"),
              Sample((B((0, 2)),), name="empty")],
             grad=False,
             errors=[ErrorInput(([1, 2],), {}, TypeError, r"nonzero: expected a Tensor")]),
    OpRecord("argwhere", ember.argwhere, torch.argwhere, [Sample((B((3, 4)),))], grad=False),
]
