"""Records for the composite ops PyTorch code often reaches for (ember/ops/composite.py)."""

import torch

import ember

from .core import B, ErrorInput, I, OpRecord, Sample, T
from .ops_shape import _rec


def _grids(lib, indexing):
    return lambda *ts: lib.meshgrid(*ts, indexing=indexing)


def _weighted(lib, correction=1):
    return lambda x, fw, aw: lib.cov(x, correction=correction, fweights=fw, aweights=aw)


def _cov_kw(lib, key):
    return lambda x, w, **kw: lib.cov(x, **{key: w}, **kw)


AW = T((5,), 0.2, 2.0)  # observation weights (they get a gradient too)
FW = I((5,), 4, 1)


RECORDS = [
    _rec("meshgrid", [Sample((T((3,)), T((2,)))), Sample((T((2,)), T(()), T((4,))), name="3"),
                      Sample((T((3,)),), name="one"), Sample((T((0,)), T((2,))), name="empty")],
         [ErrorInput((T((2, 2)), T((2,))), {}, RuntimeError,
                     r"meshgrid: expected 0-D or 1-D tensors, got 2-D at 0")],
         ember_fn=_grids(ember, "ij"), torch_fn=_grids(torch, "ij")),
    _rec("meshgrid", [Sample((T((3,)), T((2,)))), Sample((T((2,)), T((3,)), T((4,))), name="3")],
         variant="xy", ember_fn=_grids(ember, "xy"), torch_fn=_grids(torch, "xy")),
    _rec("addcmul", [Sample((T((2, 3)), T((2, 3)), T((3,))), {"value": 0.5}),
                     Sample((T(()), T((2,)), T((2, 1))), name="broadcast"),
                     Sample((T((0, 3)), T((0, 3)), T((3,))), name="empty")],
         [ErrorInput((T((2, 3)), T((4,)), T((3,))), {}, RuntimeError, r"broadcast")]),
    _rec("addcdiv", [Sample((T((2, 3)), T((2, 3)), T((3,), low=0.5, high=2.0)),
                            {"value": -2.0}),
                     Sample((T(()), T((2,)), T((2, 1), low=0.5, high=2.0)), name="broadcast")]),
    _rec("diff", [Sample((T((3, 5)),)), Sample((T((3, 5)), 2, 0), name="n2-dim0"),
                  Sample((T((3, 5)), 1, -1, T((3, 2)), T((3, 1))), name="pre-append"),
                  Sample((T((4,)), 5), name="past-length"), Sample((T((2, 0)),), name="empty")],
         [ErrorInput((T(()),), {}, RuntimeError, r"diff: expects input to be at least one"),
          ErrorInput((T((3,)), -1), {}, RuntimeError, r"diff: order must be non-negative")]),
    _rec("trace", [Sample((T((3, 3)),)), Sample((T((2, 4)),), name="wide"),
                   Sample((T((0, 2)),), name="empty")],
         [ErrorInput((T((3,)),), {}, RuntimeError, r"trace: expected a matrix")]),
    _rec("cov", [Sample((T((3, 5)),)), Sample((T((5,)),), name="1d"),
                 Sample((T((2, 5)),), {"correction": 0}, name="correction0"),
                 Sample((T((2, 5)),), {"correction": 3}, name="correction3"),
                 Sample((T((1, 4)),), name="one-variable")],
         [ErrorInput((T((2, 2, 2)),), {}, RuntimeError,
                     r"cov: expected input to have two or fewer dimensions but got an input "
                     r"with 3 dimensions"),
          ErrorInput((B((2, 3)),), {}, RuntimeError, r"cov: bool dtype is not supported"),
          ErrorInput((T((2, 3)),), {"fweights": ember.tensor([1.0, 2.0, 1.0])}, RuntimeError,
                     r"cov: expected fweights to have integral dtype but got fweights with "
                     r"float32 dtype"),
          ErrorInput((T((2, 3)),), {"fweights": ember.tensor([1, -2, 1])}, RuntimeError,
                     r"cov: fweights cannot be negative"),
          ErrorInput((T((2, 3)),), {"fweights": ember.tensor([1, 2])}, RuntimeError,
                     r"cov: expected fweights to have the same numel as there are observations "
                     r"in the input but got 2 != 3"),
          ErrorInput((T((2, 3)),), {"aweights": ember.tensor([1, 2, 1])}, RuntimeError,
                     r"cov: expected aweights to have floating point dtype but got aweights "
                     r"with int64 dtype"),
          ErrorInput((T((2, 3)),), {"aweights": ember.zeros(3)}, RuntimeError,
                     r"cov: weights sum to zero, can't be normalized")]),
    _rec("cov", [Sample((T((3, 5)), FW)), Sample((T((5,)), FW), {"correction": 0}, name="1d")],
         variant="fweights", ember_fn=_cov_kw(ember, "fweights"),
         torch_fn=_cov_kw(torch, "fweights")),
    _rec("cov", [Sample((T((3, 5)), AW)), Sample((T((5,)), AW), {"correction": 2}, name="1d"),
                 Sample((T((2, 5)), T((5,), 0.2, 2.0, dtype="float64")), name="float64-weights")],
         variant="aweights", ember_fn=_cov_kw(ember, "aweights"),
         torch_fn=_cov_kw(torch, "aweights")),
    _rec("cov", [Sample((T((3, 5)), FW, AW))], variant="both", ember_fn=_weighted(ember),
         torch_fn=_weighted(torch)),
    _rec("cov", [Sample((T((3, 5)), FW, AW))], variant="both-correction0",
         ember_fn=_weighted(ember, 0), torch_fn=_weighted(torch, 0)),
    # Degrees of freedom <= 0 (inf/NaN, with PyTorch's warning) and integer inputs.
    OpRecord("cov", ember.cov, torch.cov,
             [Sample((T((2, 3)),), {"correction": 5}, name="dof0"),
              Sample((T((2, 0)),), name="no-observations"), Sample((T(()),), name="0d")],
             fd=False, variant="degenerate"),
    OpRecord("cov", ember.cov, torch.cov, [Sample((I((3, 5), 9, -9),), name="int")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("cov", _cov_kw(ember, "fweights"), _cov_kw(torch, "fweights"),
             [Sample((I((3, 5), 9, -9), FW), name="int-fweights")], dtypes=("float32",),
             grad=False, variant="int-fweights"),
    _rec("corrcoef", [Sample((T((3, 5)),)), Sample((T((5,)),), name="1d")],
         [ErrorInput((T((2, 2, 2)),), {}, RuntimeError,
                     r"corrcoef: expected input to have two or fewer dimensions")]),
    OpRecord("corrcoef", ember.corrcoef, torch.corrcoef,
             [Sample((I((3, 5), 9, -9),), name="int")], dtypes=("float32",), grad=False,
             variant="int"),
    _rec("trapezoid", [Sample((T((3, 5)),)), Sample((T((3, 5)),), {"dx": 0.5, "dim": 0},
                                                    name="dx-dim0"),
                       Sample((T((3, 5)), T((5,))), name="x-1d"),
                       Sample((T((3, 5)), T((3, 5))), name="x-same"),
                       Sample((T((4, 3)), T((4, 1))), {"dim": 0}, name="x-broadcast"),
                       Sample((T((2, 3, 4)), T((3, 4))), name="x-fewer-dims"),
                       Sample((T((3, 1)),), name="one-sample")],
         [ErrorInput((T((2, 3)), T((2,))), {}, RuntimeError,
                     r"trapezoid: there must be one `x` value for each sample point"),
          ErrorInput((T(()),), {}, IndexError, r"trapezoid: dimension specified as -1 but "
                                               r"tensor has no dimensions"),
          ErrorInput((B((3,)),), {}, RuntimeError,
                     r"trapezoid: received a bool input for `y`, but bool is not supported"),
          ErrorInput((T((3,)), T((3,))), {"dx": 2.0}, TypeError,
                     r"trapezoid: pass either x \(sample points\) or dx")]),
    # No samples: zeros, outside the graph (as PyTorch's)
    OpRecord("trapezoid", ember.trapezoid, torch.trapezoid, [Sample((T((3, 0)),))], fd=False,
             variant="no-samples"),
    OpRecord("trapezoid", ember.trapezoid, torch.trapezoid,
             [Sample((I((3, 4), 9, -9),), name="int"),
              Sample((I((3, 4), 9, -9),), {"dx": 2}, name="int-dx"),
              Sample((I((3, 4), 9, -9), I((4,), 9)), name="int-x")],
             dtypes=("float32",), grad=False, variant="int"),
    _rec("trapz", [Sample((T((3, 5)), T((5,))))]),
    _rec("cumulative_trapezoid", [Sample((T((3, 5)),)),
                                  Sample((T((3, 5)),), {"dx": 0.5, "dim": 0}, name="dx-dim0"),
                                  Sample((T((3, 5)), T((5,))), name="x-1d"),
                                  Sample((T((3, 5)), T((3, 5))), name="x-same"),
                                  Sample((T((3, 1)),), name="one-sample"),
                                  Sample((T((3, 0)),), name="no-samples")],
         [ErrorInput((T((2, 3)), T((2,))), {}, RuntimeError,
                     r"cumulative_trapezoid: there must be one `x` value for each sample"),
          ErrorInput((B((3,)),), {}, RuntimeError,
                     r"cumulative_trapezoid: received a bool input for `y`")]),
    OpRecord("cumulative_trapezoid", ember.cumulative_trapezoid, torch.cumulative_trapezoid,
             [Sample((I((3, 4), 9, -9),), name="int"),
              Sample((I((3, 4), 9, -9), I((4,), 9)), name="int-x")],
             dtypes=("float32",), grad=False, variant="int"),
]
