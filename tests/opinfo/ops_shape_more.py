"""Records for ember/ops/shape_more.py (select, hsplit/vsplit/dsplit, rot90, unfold),
ember/ops/shape_build.py (block_diag, cartesian_prod, combinations, vander, diagflat) and
renorm (ember/ops/distance.py)."""

import torch

from .core import ErrorInput, I, Sample, T
from .ops_shape import _rec

INF = float("inf")


def _vander_via_linalg(x, N=None, increasing=False):
    v = torch.linalg.vander(x, N=N)
    return v if increasing else v.flip(-1)


def _method(name):
    return lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs)


_SPLIT_INT = [Sample((T((2, 4, 6)), 2), name="sections"),
              Sample((T((2, 4, 6)), [1, 3]), name="indices"),
              Sample((T((2, 4, 6)), (3, 1)), name="backwards-indices")]


def _split_errors(op, dim, ndim):
    return [ErrorInput((T((3, 3, 5)), 2), {}, RuntimeError,
                       rf"{op}: attempted to split along dimension {dim}, but the size of the "
                       rf"dimension \d is not divisible by the split size 2"),
            ErrorInput((T((2,) * (ndim - 1)), 1), {}, RuntimeError,
                       rf"{op}: requires a tensor with at least {ndim} dimension")]


RECORDS = [
    _rec("select", [Sample((T((3, 4)), 1, 2)), Sample((T((3, 4)), -1, -3), name="negative"),
                    Sample((T((2, 0, 3)), 2, 1), name="empty"),
                    Sample((T((3,)), 0, 1), name="to-0d")],
         [ErrorInput((T((2, 3)), 1, 3), {}, IndexError,
                     r"select: index 3 out of range for tensor of size \(2, 3\) at dimension 1"),
          ErrorInput((T(()), 0, 0), {}, IndexError, "select: cannot be applied to a 0-dim"),
          ErrorInput((T((2, 3)), 2, 0), {}, IndexError, "select: dimension out of range")]),
    _rec("select", [Sample((T((3, 4)), 0, 1))], variant="method", ember_fn=_method("select"),
         torch_fn=_method("select")),
    _rec("hsplit", _SPLIT_INT[1:] + [Sample((T((2, 6, 4)), 3), name="sections"),
                                     Sample((T((6,)), 3), name="1d")],
         _split_errors("hsplit", 1, 1)[:1]),
    _rec("vsplit", [Sample((T((4, 3)), 2)), Sample((T((4, 3)), [1]), name="indices")],
         _split_errors("vsplit", 0, 2)),
    _rec("dsplit", _SPLIT_INT, _split_errors("dsplit", 2, 3)),
    _rec("hsplit", [Sample((T((2, 4)), 2))], variant="method", ember_fn=_method("hsplit"),
         torch_fn=_method("hsplit")),
    _rec("rot90", [Sample((T((2, 3)),)), Sample((T((2, 3)), 2), name="k2"),
                   Sample((T((2, 3)), 3), name="k3"), Sample((T((2, 3)), -1), name="k-1"),
                   Sample((T((2, 3)), 4), name="k4"),
                   Sample((T((2, 3, 4)), 1, (2, 0)), name="dims"),
                   Sample((T((2, 3, 4)), 1, [0, -1]), name="neg-dim"),
                   Sample((T((0, 3)), 1), name="empty")],
         [ErrorInput((T((2, 3)), 1, (0, 0)), {}, RuntimeError,
                     "rot90: expected rotation dims to be different, but got dim0 = 0 and "
                     "dim1 = 0"),
          ErrorInput((T((2, 3)), 1, (0,)), {}, RuntimeError,
                     "rot90: expected total rotation dims == 2, but got dims = 1"),
          ErrorInput((T((3,)), 1), {}, RuntimeError, "rot90: expected total dims >= 2"),
          ErrorInput((T((2, 3)), 1, (0, 2)), {}, IndexError, "rot90: dimension out of range")]),
    _rec("rot90", [Sample((T((2, 3)), 1, [1, 0]))], variant="method", ember_fn=_method("rot90"),
         torch_fn=_method("rot90")),
    _rec("Tensor.unfold", [Sample((T((2, 6, 3)), 1, 2, 1), name="overlap"),
                    Sample((T((7,)), 0, 3, 2), name="step2"),
                    Sample((T((2, 5)), -1, 2, 3), name="gap"),
                    Sample((T((2, 3, 4)), 0, 2, 1), name="dim0"),
                    Sample((T((2, 3)), 1, 0, 1), name="size0"),
                    Sample((T((2, 3)), 1, 3, 1), name="whole"),
                    Sample((T(()), 0, 1, 1), name="0d")],
         [ErrorInput((T((2, 3)), 1, 4, 1), {}, RuntimeError,
                     "unfold: maximum size for tensor at dimension 1 is 3 but size is 4"),
          ErrorInput((T((2, 3)), 1, 2, 0), {}, RuntimeError, "unfold: step is 0 but must be"),
          ErrorInput((T((2, 3)), 1, -1, 1), {}, RuntimeError, "unfold: size is -1 but must"),
          ErrorInput((T((2, 3)), 2, 1, 1), {}, IndexError, "unfold: dimension out of range")],
         ember_fn=_method("unfold"), torch_fn=_method("unfold")),
    # ------------------------------------------------------------------ construction
    _rec("block_diag", [Sample((T((2, 3)), T(()), T((2,)), T((0, 2)))),
                        Sample((T((2, 2)),), name="one"),
                        Sample((T((1, 2)), T((2, 1), dtype="float64")), name="promote")],
         [ErrorInput((T((2, 3, 4)),), {}, RuntimeError,
                     r"block_diag: input tensors must have 2 or fewer dimensions; input 0 has "
                     r"shape \(2, 3, 4\)")]),
    _rec("block_diag", [Sample((I((2, 2)), T((1, 2))), name="int-float"),
                        Sample((I((2, 2)), I((1,))), name="int")],
         variant="dtypes", grad=False, dtypes=("float32",)),
    _rec("cartesian_prod", [Sample((T((2,)), T((3,)))),
                            Sample((T((2,)), T((1,)), T((2,))), name="three"),
                            Sample((T((0,)), T((3,))), name="empty")],
         [ErrorInput((T((2, 2)), T((2,))), {}, RuntimeError,
                     r"cartesian_prod: expected 1-D tensors, got shape \(2, 2\) at position 0")]),
    _rec("cartesian_prod", [Sample((T((3,)),))], variant="one"),
    _rec("combinations", [Sample((T((4,)),)), Sample((T((4,)), 3), name="r3"),
                          Sample((T((3,)), 2, True), name="replacement"),
                          Sample((T((3,)), 3), {"with_replacement": True}, name="r3-repl"),
                          Sample((T((3,)), 5), name="r-too-large"),
                          Sample((T((3,), grad=False), 0), name="r0"),
                          Sample((T((0,)), 2), name="empty")],
         [ErrorInput((T((2, 2)),), {}, RuntimeError, "combinations: expected a 1-D tensor"),
          ErrorInput((T((3,)), -1), {}, RuntimeError,
                     "combinations: expected a non-negative r, got -1")]),
    # torch.vander's own backward fails (it writes in place into a saved view), so the
    # gradients are compared with torch.linalg.vander's, which builds the same matrix
    _rec("vander", [Sample((T((4,)),)), Sample((T((3,)), 5), name="N5"),
                    Sample((T((3,)),), {"N": 4, "increasing": True}, name="increasing")],
         torch_fn=_vander_via_linalg),
    _rec("vander", [Sample((T((4,)),)), Sample((T((3,)), 5), name="N5"),
                    Sample((T((3,)), 1), name="N1"), Sample((T((3,)), 0), name="N0"),
                    Sample((T((0,)),), name="empty")],
         [ErrorInput((T((2, 2)),), {}, RuntimeError, "vander: x must be a one-dimensional"),
          ErrorInput((T((3,)), -1), {}, RuntimeError, "vander: N must be non-negative")],
         variant="values", grad=False),
    _rec("vander", [Sample((I((3,), low=-3, dtype="int32"),), name="int32"),
                    Sample((I((3,), high=2, dtype="bool"), 3), name="bool")],
         variant="int", grad=False, dtypes=("float32",)),
    _rec("diagflat", [Sample((T((3,)),)), Sample((T((2, 2)), 1), name="2d-offset"),
                      Sample((T(()),), name="0d"), Sample((T((3,)), -2), name="below"),
                      Sample((T((0,)),), name="empty")]),
    _rec("diagflat", [Sample((T((2, 2)), -1))], variant="method", ember_fn=_method("diagflat"),
         torch_fn=_method("diagflat")),
    _rec("renorm", [Sample((T((3, 4)), 2, 0, 1.0)), Sample((T((2, 3, 4)), 1, 1, 2.0), name="p1"),
                    Sample((T((2, 3, 4)), 3.0, -1, 1.5), name="p3"),
                    Sample((T((3, 4)), INF, 1, 1.0), name="inf"),
                    Sample((T((3, 4)), 2, 0, 10.0), name="none-scaled"),
                    Sample((T((0, 3)), 2, 0, 1.0), name="empty")],
         [ErrorInput((T((3, 4)), 0, 0, 1.0), {}, RuntimeError,
                     "renorm: non-positive norm not supported"),
          ErrorInput((T((3, 4)), 2, 0, -1.0), {}, RuntimeError,
                     "renorm: expected maxnorm to be >= 0 but got -1.0"),
          ErrorInput((T((3,)), 2, 0, 1.0), {}, RuntimeError,
                     r"renorm: input needs at least 2 dimensions, got shape \(3,\)"),
          ErrorInput((T((3, 4)), 2, 2, 1.0), {}, IndexError, "renorm: dimension out of range")]),
    _rec("renorm", [Sample((T((3, 4)), 2, 1, 1.0))], variant="method",
         ember_fn=_method("renorm"), torch_fn=_method("renorm")),
    _rec("renorm_", [Sample((T((3, 4)), 2, 1, 1.0))], ember_fn=lambda x, *a: x.clone().renorm_(*a),
         torch_fn=lambda x, *a: x.clone().renorm_(*a), jvp=False),
]
