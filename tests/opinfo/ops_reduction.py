"""Records for sum, mean, nansum, nanmean, prod, logsumexp, all, any, count_nonzero
(ember/ops/reduction.py). Max/min records are in ops_reduction_minmax.py, statistics and
cumulative ops in ops_reduction_stats.py."""

import numpy as np
import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T

DIM_OUT_OF_RANGE = r"dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"

# The common reduction samples: all dims, one dim, several dims with keepdim, negative
# dims, 0-d and size-0 inputs (strided copies are added by the generated tests).
REDUCE = [
    Sample((T((3, 4)),), name="all"),
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, name="dims-keep"),
    Sample((T((2, 3, 4)),), {"dim": (-1, -3)}, name="neg-dims"),
    Sample((T((2, 3, 4)),), {"dim": -2, "keepdim": True}, name="neg-keep"),
    Sample((T(()),), name="0d"),
    Sample((T(()),), {"dim": 0, "keepdim": True}, name="0d-dim"),
    Sample((T((0, 3)),), {"dim": 0}, name="empty"),
    Sample((T((0, 3)),), name="empty-all"),
]
# Reducing a size-0 dim gives NaN (mean) or -inf (logsumexp), which finite differences
# cannot check; these ops take size-0 inputs along a kept dim instead (and EMPTY_NAN below).
FINITE = [x for x in REDUCE if not x.name.startswith("empty")] + [
    Sample((T((0, 3)),), {"dim": 1}, name="empty")]
ALIASES = [Sample((T((3, 4)),), {"axis": 0, "keepdims": True}, name="axis-keepdims")]


def _nanify(x):
    """Put NaN in every third element, in place and outside the graph (a test input)."""
    arr = x.detach().numpy()
    if arr.ndim and arr.dtype.kind == "f":
        arr[np.unravel_index(np.arange(0, arr.size, 3), arr.shape)] = np.nan
    return x


def _cat(mod, x, z, dim):
    """``cat`` of a random input and a zero input: products with exact zeros whose
    derivatives the finite differences still see (z is a leaf)."""
    return mod.cat([x, z], dim)


RECORDS = [
    OpRecord("sum", ember.sum, torch.sum, REDUCE + ALIASES, second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "sum: " + DIM_OUT_OF_RANGE),
                     ErrorInput((T((2, 3)),), {"dim": (0, -2)}, RuntimeError,
                                r"sum: dim \(0, -2\) appears multiple times"),
                     ErrorInput((T((2, 3)),), {"dim": 1.5}, TypeError, "sum: dim must be an int")]),
    OpRecord("sum", ember.sum, torch.sum,
             [Sample((I((3, 4)),), name="int"), Sample((I((3, 4), dtype="int32"),), {"dim": 0},
                                                       name="int32"),
              Sample((B((3, 4)),), {"dim": 1}, name="bool")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("sum", lambda x, **kw: ember.sum(x, dtype=ember.float64, **kw),
             lambda x, **kw: torch.sum(x, dtype=torch.float64, **kw),
             [Sample((T((3, 4)),), {"dim": 1}, name="float"), Sample((I((3, 4)),), name="int")],
             dtypes=("float32",), variant="dtype"),
    OpRecord("mean", ember.mean, torch.mean, REDUCE[-2:], fd=False, variant="empty-nan"),
    OpRecord("mean", ember.mean, torch.mean, FINITE + ALIASES, second_order=True, jvp=True,
             errors=[ErrorInput((I((2, 3)),), {}, RuntimeError,
                                r"mean: could not infer output dtype.*got int64"),
                     ErrorInput((T((2, 3)),), {"dim": -3}, IndexError,
                                "mean: dimension out of range")]),
    OpRecord("nansum", lambda x, **kw: ember.nansum(_nanify(x), **kw),
             lambda x, **kw: torch.nansum(_nanify(x), **kw),
             REDUCE[:5] + [Sample((T((0, 3)),), {"dim": 1}, name="empty")] + ALIASES, jvp=True,
             second_order=True,
             errors=[ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "nansum: dimension")]),
    OpRecord("nansum", ember.nansum, torch.nansum, [Sample((I((3, 4)),), {"dim": 0})],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("nanmean", lambda x, **kw: ember.nanmean(_nanify(x), **kw),
             lambda x, **kw: torch.nanmean(_nanify(x), **kw),
             REDUCE[:5] + [Sample((T((2, 3)),), {"dim": 1}, name="dim1")], jvp=True,
             second_order=True,
             errors=[ErrorInput((I((2, 3)),), {}, RuntimeError,
                                "nanmean: expected a floating point input, got int64")]),
    OpRecord("prod", ember.prod, torch.prod,
             [Sample((T((3, 4), 0.5, 1.5),), name="all"),
              Sample((T((3, 4)),), {"dim": 1}, name="dim"),
              Sample((T((2, 3, 4)),), {"dim": -2, "keepdim": True}, name="neg-keep"),
              Sample((T(()),), name="0d"), Sample((T(()),), {"dim": 0}, name="0d-dim"),
              Sample((T((0, 3)),), {"dim": 0}, name="empty"),
              Sample((T((0, 3)),), name="empty-all")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)),), {"dim": (0, 1)}, TypeError,
                                r"prod: dim must be an int, got tuple"),
                     ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "prod: dimension")]),
    # Exact zeros in the input: the gradient is the product of the others, not out / x.
    OpRecord("prod", lambda x, z, **kw: ember.prod(_cat(ember, x, z, -1), **kw),
             lambda x, z, **kw: torch.prod(_cat(torch, x, z, -1), **kw),
             [Sample((T((3, 4)), T((3, 1), 0.0, 0.0)), {"dim": 1}, name="one-zero"),
              Sample((T((3, 4)), T((3, 2), 0.0, 0.0)), {"dim": 1}, name="two-zeros"),
              Sample((T((2, 3), 0.5, 1.5), T((2, 1), 0.0, 0.0)), name="one-zero-all"),
              Sample((T((3, 4)), T((3, 1), 0.0, 0.0)), {"dim": 0}, name="zero-elsewhere")],
             second_order=True, jvp=True, variant="zeros"),
    OpRecord("prod", ember.prod, torch.prod,
             [Sample((I((3, 4)),), {"dim": 0}, name="int"), Sample((B((3,)),), name="bool")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("logsumexp", ember.logsumexp, torch.logsumexp,
             [s for s in FINITE if "dim" in s.kwargs] + ALIASES
             + [Sample((T((3, 4), 80.0, 100.0),), {"dim": 1}, name="large")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)),), {"dim": 2}, IndexError, "logsumexp: dimension"),
                     ErrorInput((T((2, 3)),), {}, TypeError, "logsumexp: missing the required")]),
    OpRecord("logsumexp", ember.logsumexp, torch.logsumexp,
             [Sample((T((0, 3)),), {"dim": 0}, name="empty")], fd=False, variant="empty"),
    OpRecord("all", ember.all, torch.all,
             [Sample((B((3, 4)),), name="all"), Sample((B((3, 4)),), {"dim": 1}, name="dim"),
              Sample((I((2, 3, 4), 2),), {"dim": (0, -1), "keepdim": True}, name="int-dims"),
              Sample((T((3, 4)),), {"dim": 0}, name="float"), Sample((B(()),), name="0d"),
              Sample((B((0, 3)),), {"dim": 0}, name="empty"), Sample((B((0, 3)),), name="empty-all")],
             dtypes=("float32",), grad=False,
             errors=[ErrorInput((B((2, 3)),), {"dim": 2}, IndexError, "all: dimension")]),
    OpRecord("any", ember.any, torch.any,
             [Sample((B((3, 4)),), name="all"), Sample((B((3, 4)),), {"dim": -1}, name="dim"),
              Sample((I((2, 3, 4), 2),), {"dim": (0, 1), "keepdim": True}, name="int-dims"),
              Sample((B(()),), name="0d"), Sample((B((0, 3)),), {"dim": 1}, name="empty")],
             dtypes=("float32",), grad=False,
             errors=[ErrorInput((B((2, 3)),), {"dim": -3}, IndexError, "any: dimension")]),
    OpRecord("count_nonzero", ember.count_nonzero, torch.count_nonzero,
             [Sample((I((3, 4), 3),), name="all"), Sample((I((3, 4), 3),), {"dim": 1}, name="dim"),
              Sample((B((2, 3, 4)),), {"dim": (0, 2)}, name="dims"), Sample((T(()),), name="0d"),
              Sample((T((0, 3)),), {"dim": 0}, name="empty")],
             dtypes=("float32",), grad=False,
             errors=[ErrorInput((B((2, 3)),), {"dim": 2}, IndexError, "count_nonzero: dimension")]),
]
