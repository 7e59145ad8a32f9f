"""Records for bucketize, histc, isin and unique_consecutive (ember/ops/sorting_bins.py). None
of them has a gradient; values, dtypes and errors are compared."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_reduction_minmax import tied


def _bucketize(lib):
    # the boundaries must be sorted
    return lambda x, b, **kw: lib.bucketize(x, lib.sort(b).values, **kw)


def _isin_tied(lib):
    # x rounded to integers in [-2, 2], so that some of them occur in the int test elements
    return lambda x, t, **kw: lib.isin(tied(x), t, **kw)


def _unique_tied(lib):
    return lambda x, **kw: lib.unique_consecutive(tied(x), **kw)


G = {"grad": False}

RECORDS = [
    OpRecord("bucketize", _bucketize(ember), _bucketize(torch),
             [Sample((T((3, 4), grad=False), T((5,), grad=False)), name="float"),
              Sample((T((3, 4), grad=False), T((5,), grad=False)), {"right": True},
                     name="right"),
              Sample((I((3, 4), 6), I((5,), 6)), {"out_int32": True}, name="int-ties-int32"),
              Sample((I((3, 4), 6), I((5,), 6)), {"right": True}, name="int-ties-right"),
              Sample((2.5, T((5,), grad=False)), name="scalar"),
              Sample((T((), grad=False), T((4,), grad=False)), name="0d"),
              Sample((T((0, 2), grad=False), T((3,), grad=False)), name="empty"),
              Sample((T((3,), grad=False), I((4,), 3, -3)), name="float-int")],
             **G,
             errors=[ErrorInput((T((3,)), T((2, 2))), {}, RuntimeError,
                                r"bucketize: boundaries tensor must be 1 dimension, but got "
                                r"dim\(2\)")]),
    OpRecord("histc", ember.histc, torch.histc,
             [Sample((T((20,)),), name="default"),
              Sample((T((4, 5)), 7, -1.0, 1.0), name="range"),
              Sample((T((4, 5)), 6, -1, 2), name="int-range"),
              Sample((T((30,)), 4, 0.5, 0.5), name="equal-bounds"),
              Sample((T((3, 4), 1.0, 1.0), 4), name="one-value"),
              Sample((T(()), 3), name="0d"), Sample((T((0,)), 3), name="empty")],
             dtypes=("float16", "float32", "float64"), **G,
             errors=[ErrorInput((T((3,)), 0), {}, RuntimeError, r"histc: bins must be > 0"),
                     ErrorInput((I((3,)), 3), {}, TypeError,
                                r"histc: expected a floating-point tensor, got int64"),
                     ErrorInput((T((3,)), 3, 2.0, 1.0), {}, RuntimeError,
                                r"histc: max must be larger than min"),
                     ErrorInput((T((3,)), 3, 0.0, float("inf")), {}, RuntimeError,
                                r"histc: range of \[0.0, inf\] is not finite")]),
    # The data's own range with a NaN in it is not finite.
    OpRecord("histc", lambda x: ember.histc(x / 0.0 * 0.0), None, [], variant="nan-range",
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                r"histc: range of \[nan, nan\] is not finite")]),
    OpRecord("isin", ember.isin, torch.isin,
             [Sample((I((3, 4), 6), I((5,), 6)), name="int"),
              Sample((I((3, 4), 6), I((2, 3), 6)), {"invert": True}, name="invert-2d"),
              Sample((I((3, 4), 6, dtype="int32"), I((5,), 6)), name="int32-int64"),
              Sample((I((3, 4), 6), 2), name="scalar-test"),
              Sample((3, I((5,), 6)), name="scalar-elements"),
              Sample((I((0, 2), 6), I((5,), 6)), name="empty-elements"),
              Sample((I((3,), 6), I((0,), 6)), name="empty-test")],
             dtypes=("float32",), **G,
             errors=[ErrorInput((1, 2), {}, TypeError,
                                r"isin: expected elements or test_elements to be a Tensor"),
                     ErrorInput((B((3,)), B((2,))), {}, RuntimeError,
                                r"isin: unsupported input type encountered: bool")]),
    OpRecord("isin", _isin_tied(ember), _isin_tied(torch),
             [Sample((T((3, 4)), I((3,), 3, -3)), name="float-int"),
              Sample((T((3, 4)), T((4,), grad=False)), {"invert": True}, name="float"),
              Sample((T((3, 4)), 1.0), name="float-scalar")],
             **G, variant="float"),
    OpRecord("unique_consecutive", ember.unique_consecutive, torch.unique_consecutive,
             [Sample((I((12,), 3),), name="1d"),
              Sample((I((3, 4), 2),), {"return_inverse": True, "return_counts": True},
                     name="inverse-counts"),
              Sample((I((6, 2), 2),), {"dim": 0, "return_inverse": True,
                                       "return_counts": True}, name="dim0"),
              Sample((I((2, 6), 2),), {"dim": -1, "return_counts": True}, name="dim1"),
              Sample((I((), 3),), {"return_inverse": True, "return_counts": True}, name="0d"),
              Sample((I((0,), 3),), {"return_inverse": True, "return_counts": True},
                     name="empty"),
              Sample((I((0, 2), 3),), {"dim": 0, "return_inverse": True,
                                       "return_counts": True}, name="empty-dim")],
             dtypes=("float32",), **G,
             errors=[ErrorInput((I((), 3),), {"dim": 0}, IndexError,
                                r"unique_consecutive: dimension specified as 0 but tensor has "
                                r"no dimensions"),
                     ErrorInput((I((3, 0), 3),), {"dim": 0}, RuntimeError,
                                r"there are 0 sized dimensions, and they aren't selected"),
                     ErrorInput((I((3,), 3),), {"dim": 1}, IndexError,
                                r"dimension out of range")]),
    OpRecord("unique_consecutive", _unique_tied(ember), _unique_tied(torch),
             [Sample((T((20,)),), {"return_counts": True}, name="float"),
              Sample((T((5, 2)),), {"dim": 0, "return_inverse": True}, name="float-dim")],
             **G, variant="float"),
]
