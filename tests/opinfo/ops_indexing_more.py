"""Records for ember/ops/indexing_more.py: index_put (and index_put_), masked_scatter (and
masked_scatter_), addmm_ and logical_not_ (in-place ones run on a clone)."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T


def _idx(lib, rows):
    return (lib.tensor(rows),)


def _index_put(lib, rows, accumulate, inplace=False):
    def run(x, v):
        if inplace:
            return x.clone().index_put_(_idx(lib, rows), v, accumulate=accumulate)
        return lib.index_put(x, _idx(lib, rows), v, accumulate=accumulate)

    return run


def _index_put_2d(lib):
    return lambda x, v: x.index_put((lib.tensor([0, 2, 0]), lib.tensor([1, 1, 1])), v,
                                    accumulate=True)


def _index_put_mask(lib):
    return lambda x, v: x.index_put((lib.tensor([True, False, True]),), v)


RECORDS = [
    OpRecord("index_put", _index_put(ember, [2, 0], False), _index_put(torch, [2, 0], False),
             [Sample((T((3, 4)), T((2, 4)))), Sample((T((3, 4)), T(())), name="0d-value"),
              Sample((T((3, 4)), T((4,))), name="bcast-value")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3, 4)), T((3, 4))), {}, RuntimeError,
                                r"index_put: shape mismatch: value tensor of shape \(3, 4\) "
                                r"cannot be broadcast to indexing result of shape \(2, 4\)"),
                     # unlike setitem, index_put keeps no extra leading 1s (as PyTorch)
                     ErrorInput((T((3, 4)), T((1, 2, 4))), {}, RuntimeError,
                                r"index_put: shape mismatch: value tensor of shape \(1, 2, 4\)"),
                     ErrorInput((T((3, 4), dtype="float32"), T((2, 4), dtype="float64")), {},
                                RuntimeError, r"index_put: the values' dtype \(float64\) must "
                                              r"match the input's \(float32\)")]),
    OpRecord("index_put", _index_put(ember, [0, 0, 2], True), _index_put(torch, [0, 0, 2], True),
             [Sample((T((3, 4)), T((3, 4)))), Sample((T((3, 4)), T(())), name="0d-value"),
              Sample((T((3, 4)), T((3, 1))), name="bcast-value")],
             second_order=True, jvp=True, variant="accumulate",
             errors=[ErrorInput((T((3, 2)), T((1, 3, 2))), {}, RuntimeError,
                                r"index_put: shape mismatch: value tensor of shape \(1, 3, 2\) "
                                r"cannot be broadcast to indexing result of shape \(3, 2\)")]),
    OpRecord("index_put", _index_put_2d(ember), _index_put_2d(torch),
             [Sample((T((3, 4)), T((3,)))), Sample((T((3, 4)), T(())), name="0d")],
             second_order=True, variant="2d-accumulate"),
    OpRecord("index_put", _index_put_mask(ember), _index_put_mask(torch),
             [Sample((T((3, 2)), T((2,))))], variant="bool-index"),
    OpRecord("index_put", lambda x, v: x.index_put((ember.tensor([0]),), v),
             lambda x, v: x.index_put((torch.tensor([0]),), v),
             [Sample((I((3, 2)), I((2,))), name="int")], variant="int", grad=False,
             dtypes=("float32",)),
    OpRecord("index_put_", _index_put(ember, [1, 1], True, True),
             _index_put(torch, [1, 1], True, True), [Sample((T((3, 4)), T((4,))))]),
    OpRecord("masked_scatter", ember.masked_scatter, torch.masked_scatter,
             [Sample((T((3, 4)), B((3, 4)), T((12,)))),
              Sample((T((2, 3)), B((3,)), T((2, 4))), name="bcast-mask"),
              Sample((T((3,)), B((2, 3)), T((7,))), name="bcast-input"),
              Sample((T((0, 3)), B((0, 3)), T((2,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), I((3,)), T((3,))), {}, RuntimeError,
                                "masked_scatter: only supports boolean masks, got mask of int64"),
                     ErrorInput((T((3,)), B((3,)), I((3,))), {}, RuntimeError,
                                "masked_scatter: expected input and source to have the same "
                                "dtype, got float32 and int64")]),
    OpRecord("masked_scatter", lambda x, s: x.masked_scatter(ember.ones(3, dtype=ember.bool), s),
             lambda x, s: x.masked_scatter(torch.ones(3, dtype=torch.bool), s),
             [Sample((T((3,)), T((3,))))],
             errors=[ErrorInput((T((3,)), T((2,))), {}, RuntimeError,
                                r"masked_scatter: source has 2 elements \(shape \(2,\)\), fewer "
                                r"than the 3 True elements")], variant="all-true"),
    OpRecord("masked_scatter_", lambda x, m, s: x.clone().masked_scatter_(m, s),
             lambda x, m, s: x.clone().masked_scatter_(m, s),
             [Sample((T((2, 3)), B((3,)), T((6,))))],
             errors=[ErrorInput((T((3,)), B((2, 3)), T((6,))), {}, RuntimeError,
                                r"masked_scatter_: mask of shape \(2, 3\) can't be broadcast")]),
    OpRecord("addmm_", lambda x, a, b: x.clone().addmm_(a, b, beta=0.5, alpha=2),
             lambda x, a, b: x.clone().addmm_(a, b, beta=0.5, alpha=2),
             [Sample((T((2, 3)), T((2, 4)), T((4, 3))))],
             errors=[ErrorInput((T((3,)), T((2, 4)), T((4, 3))), {}, RuntimeError,
                                r"addmm_: output with shape \(3,\) doesn't match the broadcast")]),
    OpRecord("logical_not_", lambda x: x.clone().logical_not_(),
             lambda x: x.clone().logical_not_(),
             [Sample((I((3, 4), high=2),), name="int"), Sample((B((3,)),), name="bool"),
              Sample((T((3,)),), name="float")], grad=False),
]
