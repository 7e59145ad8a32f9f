"""Records for quantile, nanquantile (ember/ops/stats_quantile.py), kthvalue, nanmedian
(stats.py) and logcumsumexp (cumulative.py).

NaN samples replace the elements above 1 by NaN inside the op's function (through ``where``,
so the others keep their gradient); they skip finite differences, whose sums would be NaN."""

import math

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T
from .ops_reduction_minmax import TIES_DIM, TIES_FULL, _with_ties
from .ops_reduction_stats import CUM

MODES = ("linear", "lower", "higher", "midpoint", "nearest")
Q = T((3,), 0.0, 1.0)  # a q tensor (it has the input's dtype and, in linear mode, a gradient)
QUANTILE = [
    Sample((T((3, 4)), 0.3), name="all"),
    Sample((T((3, 4)), 0.0), name="q0"), Sample((T((3, 4)), 1), name="q1"),
    Sample((T((3, 5)), 0.5), {"dim": 1}, name="dim"),
    Sample((T((3, 5)), Q), {"dim": 0, "keepdim": True}, name="q-dim0-keep"),
    Sample((T((2, 3, 4)), Q), {"dim": -2}, name="3d"),
    Sample((T((2, 3)), Q), {"keepdim": True}, name="all-keep"),
    Sample((T((5,)), T((), 0.0, 1.0)), name="q-0d"),
    Sample((T(()), 0.25), name="0d"), Sample((T(()), Q), {"dim": 0, "keepdim": True},
                                             name="0d-dim"),
]
NAN_QUANTILE = [Sample((T((3, 6)), Q), {"dim": 1}, name="dim"),
                Sample((T((4, 3)), 0.4), name="all")]
QUANTILE_ERRORS = [
    ErrorInput((T((3,)), 1.5), {}, RuntimeError, r"q must be in the range \[0, 1\] but got 1.5"),
    ErrorInput((T((3,)), T((2,), 1.5, 2.0)), {}, RuntimeError,
               r"q values must be in the range \[0, 1\]"),
    ErrorInput((I((3,)), 0.5), {}, RuntimeError,
               r"input tensor must be either float or double dtype, got int64"),
    ErrorInput((T((3,)), T((2,), dtype="float64")), {}, RuntimeError,
               r"q tensor must be same dtype as the input tensor, got float64 and float32"),
    ErrorInput((T((3,)), T((1, 2))), {}, RuntimeError, r"q must be a scalar or 1D tensor"),
    ErrorInput((T((0, 2)), 0.5), {}, RuntimeError, r"input tensor must be non-empty"),
    ErrorInput((T((3,)), 0.5), {"interpolation": "cubic"}, RuntimeError,
               r"interpolation must be one of linear, lower, higher, midpoint or nearest, but "
               r"got cubic"),
    ErrorInput((T((3, 2)), 0.5), {"dim": 2}, IndexError, r"dimension out of range"),
]


def _nans(x):
    return x.where(x <= 1.0, math.nan)


def _q(name, mode):
    def build(lib):
        return lambda x, q, **kw: getattr(lib, name)(x, q, interpolation=mode, **kw)

    return build


def _q_nan(name, mode):
    def build(lib):
        return lambda x, q, **kw: getattr(lib, name)(_nans(x), q, interpolation=mode, **kw)

    return build


def _quantile_records(name):
    records = []
    for mode in MODES:
        records.append(OpRecord(
            name, _q(name, mode)(ember), _q(name, mode)(torch), QUANTILE,
            second_order=mode == "linear", jvp=True, variant=mode))
        records.append(OpRecord(name, _q_nan(name, mode)(ember), _q_nan(name, mode)(torch),
                                NAN_QUANTILE, fd=False, variant=f"{mode}-nan"))
    records.append(OpRecord(name, getattr(ember, name), getattr(torch, name), [],
                            variant="errors",
                            errors=[ErrorInput(e.args, e.kwargs, e.exc, f"{name}: {e.match}")
                                    for e in QUANTILE_ERRORS]))
    return records


def _nan_fn(fn):
    return lambda x, *args, **kw: fn(_nans(x), *args, **kw)


MEDIAN = [Sample((T((3, 5)),), name="all"), Sample((T((2, 3, 4)),), name="even"),
          Sample((T(()),), name="0d"), Sample((T((3, 5)),), {"dim": 1}, name="dim"),
          Sample((T((4, 3)),), {"dim": 0, "keepdim": True}, name="dim-keep"),
          Sample((T((2, 3, 4)),), {"dim": -1}, name="dim-even"),
          Sample((T(()),), {"dim": 0}, name="0d-dim"),
          Sample((T((0, 3)),), {"dim": 1}, name="empty-dim")]
KTH = [Sample((T((3, 5)), 2), name="default"),
       Sample((T((4, 3)), 4, 0), {"keepdim": True}, name="dim0-keep-last"),
       Sample((T((2, 3, 4)), 1, -2), name="first"),
       Sample((T(()), 1), name="0d"), Sample((T((0, 3)), 3), {"dim": 1}, name="empty")]

RECORDS = [
    *_quantile_records("quantile"),
    *_quantile_records("nanquantile"),
    # Slices of NaN only: nanquantile gives NaN there.
    OpRecord("nanquantile", lambda x, q: ember.nanquantile(x * math.nan, q, dim=1),
             lambda x, q: torch.nanquantile(x * math.nan, q, dim=1),
             [Sample((T((2, 3)), Q))], grad=False, variant="all-nan"),
    OpRecord("Tensor.quantile", lambda x, q: x.quantile(q, 1, True),
             lambda x, q: x.quantile(q, 1, True), [Sample((T((3, 4)), Q))], jvp=True),
    OpRecord("kthvalue", ember.kthvalue, torch.kthvalue, KTH, jvp=True,
             errors=[ErrorInput((T((2, 3)), 0), {}, RuntimeError,
                                r"kthvalue: selected number k out of range for dimension 1"),
                     ErrorInput((T((2, 3)), 4), {}, RuntimeError,
                                r"kthvalue: selected number k out of range for dimension 1"),
                     ErrorInput((T((2, 3)), 1, 2), {}, IndexError, r"dimension out of range")]),
    # Ties and NaN (the largest value): which tied index PyTorch's quickselect returns is not
    # specified, so only the values are compared.
    OpRecord("kthvalue", _with_ties(ember.kthvalue), _with_ties(torch.kthvalue),
             [Sample((T((3, 6)), 3), name="ties"), Sample((T((5, 3)), 2, 0), name="ties-dim0")],
             grad=False, compare=lambda out: out[0], variant="ties"),
    OpRecord("kthvalue", _nan_fn(ember.kthvalue), _nan_fn(torch.kthvalue),
             [Sample((T((3, 6)), 5), name="nan")], grad=False, compare=lambda out: out[0],
             variant="nan"),
    OpRecord("kthvalue", ember.kthvalue, torch.kthvalue, [Sample((I((3, 5), 90), 2))],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("nanmedian", ember.nanmedian, torch.nanmedian, MEDIAN, jvp=True,
             errors=[ErrorInput((T((0, 3)),), {"dim": 0}, IndexError,
                                r"nanmedian: expected reduction dim 0 to have non-zero size"),
                     ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "nanmedian: dimension")]),
    # Indices are exact with NaN and ties too: the lower median in a stable order, as
    # PyTorch's nth_element with its index tie-break.
    OpRecord("nanmedian", _nan_fn(ember.nanmedian), _nan_fn(torch.nanmedian),
             [Sample((T((4, 6)),), name="all"), Sample((T((4, 6)),), {"dim": 1}, name="dim"),
              Sample((T((6, 4)),), {"dim": 0, "keepdim": True}, name="dim0")],
             fd=False, variant="nan"),
    OpRecord("nanmedian", lambda x, **kw: ember.nanmedian(x * math.nan, **kw),
             lambda x, **kw: torch.nanmedian(x * math.nan, **kw),
             [Sample((T((2, 3)),), name="all"), Sample((T((2, 3)),), {"dim": 1}, name="dim")],
             grad=False, variant="all-nan"),
    OpRecord("nanmedian", _with_ties(ember.nanmedian), _with_ties(torch.nanmedian),
             TIES_FULL + TIES_DIM, fd=False, variant="ties"),
    OpRecord("nanmedian", ember.nanmedian, torch.nanmedian,
             [Sample((I((3, 5), 9),), {"dim": 1}), Sample((I((3, 4), 9),))],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("logcumsumexp", ember.logcumsumexp, torch.logcumsumexp,
             CUM[:5] + [Sample((T((3, 6), -40.0, 40.0),), {"dim": 1}, name="wide")],
             second_order=True, jvp=True,
             errors=[ErrorInput((I((2, 3)),), {"dim": 1}, RuntimeError,
                                r"logcumsumexp: expected a floating point input"),
                     ErrorInput((T((2, 3)),), {}, TypeError,
                                r"logcumsumexp: missing the required argument 'dim'"),
                     ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, r"dimension out of range")]),
    # -inf elements (exp of them is 0) and an all -inf prefix.
    OpRecord("logcumsumexp", lambda x, **kw: ember.logcumsumexp(x.where(x < 1, -math.inf), **kw),
             lambda x, **kw: torch.logcumsumexp(x.where(x < 1, -math.inf), **kw),
             [Sample((T((3, 6)),), {"dim": 1})], fd=False, variant="neg-inf"),
]
