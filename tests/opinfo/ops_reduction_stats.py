"""Records for var, std, var_mean, std_mean, median, mode, norm (ember/ops/stats.py,
stats_norm.py) and cumsum, cumprod, cummax, cummin (ember/ops/cumulative.py)."""

import math

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T
from .ops_reduction_minmax import TIES_DIM, TIES_FULL, _with_ties, tied

VAR = [
    Sample((T((3, 4)),), name="all"),
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": (0, -1), "keepdim": True}, name="dims-keep"),
    Sample((T((2, 3, 4)),), {"dim": -2, "correction": 0}, name="correction0"),
    Sample((T((2, 3, 4)),), {"dim": 2, "correction": 2}, name="correction2"),
    Sample((T(()),), {"correction": 0}, name="0d"),
    Sample((T((0, 3)),), {"dim": 1}, name="empty"),
    Sample((T((3, 4)),), {"axis": 0, "keepdims": True}, name="axis-keepdims"),
]
# N - correction <= 0 and size-0 reductions give inf/nan: compared with torch, no FD.
VAR_DEGENERATE = [Sample((T((3, 4)),), {"dim": 1, "correction": 4}, name="dof0"),
                  Sample((T((0, 3)),), {"dim": 0}, name="empty-dim"),
                  Sample((T(()),), name="0d-unbiased")]
LEGACY = [Sample((T((3, 4)), False), name="unbiased-false"),
          Sample((T((3, 4)), 1, True, True), name="dim-unbiased-keep")]
NOT_FLOAT = ErrorInput((I((2, 3)),), {}, RuntimeError, "only floating point inputs")
BOTH = ErrorInput((T((2, 3)),), {"unbiased": True, "correction": 0}, RuntimeError,
                  "pass either 'correction' or the older 'unbiased'")

CUM = [
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": 0}, name="dim0"),
    Sample((T((2, 3, 4)),), {"dim": -2}, name="neg"),
    Sample((T(()),), {"dim": 0}, name="0d"),
    Sample((T((0, 3)),), {"dim": 0}, name="empty"),
    Sample((T((5,)),), {"axis": 0}, name="axis"),
]
CUM_TIES = [Sample((T((3, 6)),), {"dim": 1}, name="ties"),
            Sample((T((5, 3)),), {"dim": 0}, name="ties-dim0")]
CUM_ERRORS = [ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, r"dimension out of range"),
              ErrorInput((T((2, 3)),), {}, TypeError, "missing the required argument 'dim'")]


def _norm_record(p, variant, second_order=False, samples=None):
    samples = samples or [
        Sample((T((3, 4)),), name="all"),
        Sample((T((3, 4)),), {"dim": 1}, name="dim"),
        Sample((T((2, 3, 4)),), {"dim": (0, -1), "keepdim": True}, name="dims-keep"),
        Sample((T(()),), name="0d"),
        Sample((T((0, 3)),), {"dim": 1}, name="empty"),
    ]
    return OpRecord("norm", lambda x, **kw: ember.norm(x, p, **kw),
                    lambda x, **kw: torch.norm(x, p, **kw), samples, jvp=True,
                    second_order=second_order, variant=variant)


def _cat(mod, x, z):
    """Exact zeros (z is a leaf of zeros) inside a cumulative product."""
    return mod.cat([x, z, x * 0.5], -1)


RECORDS = [
    OpRecord("var", ember.var, torch.var, VAR + LEGACY, second_order=True, jvp=True,
             errors=[NOT_FLOAT, BOTH,
                     ErrorInput((T((2, 3)),), {"dim": 3}, IndexError, "var: dimension")]),
    OpRecord("var", ember.var, torch.var, VAR_DEGENERATE, fd=False, variant="degenerate"),
    OpRecord("std", ember.std, torch.std, VAR + LEGACY, second_order=True, jvp=True,
             errors=[NOT_FLOAT, BOTH]),
    OpRecord("std", ember.std, torch.std, VAR_DEGENERATE, fd=False, variant="degenerate"),
    # A constant input: std is 0 and PyTorch's gradient there is 0 (not NaN).
    OpRecord("std", ember.std, torch.std, [Sample((T((2, 3), 1.0, 1.0),), {"dim": 1})],
             fd=False, variant="zero"),
    OpRecord("var_mean", ember.var_mean, torch.var_mean, VAR[:5] + LEGACY[:1],
             second_order=True, jvp=True, errors=[NOT_FLOAT]),
    OpRecord("std_mean", ember.std_mean, torch.std_mean, VAR[:5], second_order=True,
             jvp=True, errors=[BOTH]),
    OpRecord("median", ember.median, torch.median,
             [Sample((T((3, 5)),), name="all"), Sample((T((2, 3, 4)),), name="even"),
              Sample((T(()),), name="0d"), Sample((T((3, 5)),), {"dim": 1}, name="dim"),
              Sample((T((4, 3)),), {"dim": 0, "keepdim": True}, name="dim-keep"),
              Sample((T((2, 3, 4)),), {"dim": -1}, name="dim-even"),
              Sample((T(()),), {"dim": 0}, name="0d-dim"),
              Sample((T((0, 3)),), {"dim": 1}, name="empty-dim")],
             jvp=True,
             errors=[ErrorInput((T((0, 3)),), {"dim": 0}, IndexError,
                                "median: expected reduction dim 0 to have non-zero size"),
                     ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "median: dimension")]),
    OpRecord("median", ember.median, torch.median, [Sample((T((0, 3)),), name="empty-nan")],
             fd=False, variant="empty"),
    OpRecord("median", _with_ties(ember.median), _with_ties(torch.median), TIES_FULL,
             fd=False, variant="ties"),
    # With ties along dim PyTorch's index is not specified: compare the values only.
    OpRecord("median", _with_ties(ember.median), _with_ties(torch.median), TIES_DIM,
             grad=False, compare=lambda out: out[0], variant="ties-dim"),
    OpRecord("median", ember.median, torch.median, [Sample((I((3, 5), 9),), {"dim": 1}),
                                                    Sample((I((3, 4), 9),))],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("mode", ember.mode, torch.mode,
             [Sample((T((3, 5)),), name="default"), Sample((T((4, 3)),), {"dim": 0}, name="dim0"),
              Sample((T((2, 3, 4)),), {"dim": -2, "keepdim": True}, name="keep"),
              Sample((T(()),), name="0d"), Sample((T((0, 3)),), {"dim": 1}, name="empty")],
             jvp=True,
             errors=[ErrorInput((T((3, 0)),), {}, IndexError,
                                "mode: expected reduction dim 1 to have non-zero size")]),
    # PyTorch returns the smallest most-frequent value and its last index.
    OpRecord("mode", _with_ties(ember.mode), _with_ties(torch.mode),
             TIES_DIM + [Sample((T((3, 8)),), name="ties-wide")], fd=False, variant="ties"),
    OpRecord("mode", ember.mode, torch.mode, [Sample((I((4, 9), 3),), {"dim": 1})],
             dtypes=("float32",), grad=False, variant="int"),
    _norm_record(2, "p2", second_order=True),
    _norm_record("fro", "fro", second_order=True),
    _norm_record(1, "p1"),
    _norm_record(3, "p3"),
    _norm_record(1.5, "p1.5"),
    _norm_record(0.5, "p0.5"),
    _norm_record(-1.5, "p-1.5", samples=[Sample((T((3, 4), 0.5, 2.0),), {"dim": 1})]),
    _norm_record(0, "p0"),
    _norm_record(math.inf, "inf", samples=[Sample((T((3, 4)),), name="all"),
                                           Sample((T((3, 4)),), {"dim": 0}, name="dim")]),
    _norm_record(-math.inf, "-inf", samples=[Sample((T((3, 4)),), {"dim": 1}, name="dim")]),
    OpRecord("norm", lambda x, **kw: ember.norm(tied(x), math.inf, **kw),
             lambda x, **kw: torch.norm(tied(x), math.inf, **kw),
             [Sample((T((3, 4)),), name="ties"), Sample((T((3, 4)),), {"dim": 1}, name="dim")],
             fd=False, variant="inf-ties"),
    # The zero vector: PyTorch's gradient of the 2-norm there is 0, not NaN.
    OpRecord("norm", ember.norm, torch.norm, [Sample((T((3,), 0.0, 0.0),)),
                                              Sample((T((2, 3), 0.0, 0.0),), {"dim": 1})],
             fd=False, variant="zero",
             errors=[ErrorInput((I((3,)),), {}, RuntimeError, "norm: expected a floating point"),
                     ErrorInput((T((3,)),), {"p": "nuc"}, ValueError, "norm: p='nuc' is a matrix"),
                     ErrorInput((T((0, 3)),), {"p": math.inf, "dim": 0}, RuntimeError,
                                "norm: cannot compute the inf norm over a dimension of size 0")]),
    OpRecord("cumsum", ember.cumsum, torch.cumsum, CUM, second_order=True, jvp=True,
             errors=CUM_ERRORS),
    OpRecord("cumsum", ember.cumsum, torch.cumsum,
             [Sample((I((3, 4)),), {"dim": 1}, name="int"),
              Sample((I((3, 4), dtype="int32"),), {"dim": 0}, name="int32")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("cumprod", ember.cumprod, torch.cumprod, CUM, second_order=True, jvp=True,
             errors=CUM_ERRORS),
    OpRecord("cumprod", lambda x, z, **kw: ember.cumprod(_cat(ember, x, z), **kw),
             lambda x, z, **kw: torch.cumprod(_cat(torch, x, z), **kw),
             [Sample((T((3, 2)), T((3, 1), 0.0, 0.0)), {"dim": 1}, name="one-zero"),
              Sample((T((2, 2)), T((2, 2), 0.0, 0.0)), {"dim": -1}, name="two-zeros"),
              Sample((T((3, 2)), T((3, 1), 0.0, 0.0)), {"dim": 0}, name="zero-elsewhere")],
             second_order=True, jvp=True, variant="zeros"),
    OpRecord("cumprod", ember.cumprod, torch.cumprod, [Sample((I((3, 4)),), {"dim": 1})],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("cummax", ember.cummax, torch.cummax, CUM, jvp=True, errors=CUM_ERRORS[:1]),
    OpRecord("cummax", _with_ties(ember.cummax), _with_ties(torch.cummax), CUM_TIES,
             fd=False, variant="ties"),
    OpRecord("cummin", ember.cummin, torch.cummin, CUM, jvp=True, errors=CUM_ERRORS[:1]),
    OpRecord("cummin", _with_ties(ember.cummin), _with_ties(torch.cummin), CUM_TIES,
             fd=False, variant="ties"),
    OpRecord("cummax", ember.cummax, torch.cummax, [Sample((I((3, 6), 3),), {"dim": 1})],
             dtypes=("float32",), grad=False, variant="int"),
]
