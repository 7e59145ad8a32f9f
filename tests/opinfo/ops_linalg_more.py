"""Records for ember/ops/linalg_more.py (mv, addr, addbmm, inner, chain_matmul, cross,
inverse, det, logdet) and ember/ops/distance.py (cdist, dist)."""

import warnings

import torch

import ember

from .core import ErrorInput, I, Sample, T
from .ops_linalg_decomp import leibniz_det
from .ops_shape import _rec

INF = float("inf")


def _method(name):
    return lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs)


def _cross_no_dim(lib):
    def run(a, b):
        with warnings.catch_warnings():  # both libraries warn that dim=None is deprecated
            warnings.simplefilter("ignore", UserWarning)
            return lib.cross(a, b)

    return run


def _self_cdist(lib, p):
    return lambda x: lib.cdist(x, x, p=p)


# A well-conditioned square matrix with a positive determinant (a random one may be
# near-singular): 3 I + noise in [-1, 1]. Other input is passed on (error inputs).
def _wellcond(lib):
    def make(a):
        if a.ndim < 2 or a.shape[-1] != a.shape[-2] or not a.dtype.is_floating_point:
            return a
        return a / 2 + 3 * lib.eye(a.shape[-1], dtype=a.dtype)

    return make


CDIST = [
    Sample((T((3, 4)), T((5, 4))), name="2"),
    Sample((T((3, 4)), T((5, 4)), 1.0), name="p1"),
    Sample((T((3, 4)), T((5, 4)), 3.0), name="p3"),
    Sample((T((3, 4)), T((5, 4)), 0.5), name="p0.5"),
    Sample((T((3, 4)), T((5, 4)), INF), name="inf"),
    Sample((T((2, 1, 3, 4)), T((5, 2, 4))), {"p": 1.5}, name="batch-broadcast"),
    Sample((T((30, 3)), T((4, 3))), name="mm-path"),
    Sample((T((2, 3)), T((26, 3))), {"compute_mode": "donot_use_mm_for_euclid_dist"},
           name="mm-refused"),
    Sample((T((3, 4)), T((5, 4))), {"compute_mode": "use_mm_for_euclid_dist"}, name="mm-asked"),
    Sample((T((0, 4)), T((5, 4))), name="empty-rows"),
    Sample((T((3, 0)), T((2, 0))), {"p": INF}, name="no-columns"),
]

_DET_SAMPLES = [Sample((T((3, 3)),)), Sample((T((2, 4, 4)),), name="batch")]

RECORDS = [
    # ------------------------------------------------------------------ products
    _rec("mv", [Sample((T((3, 4)), T((4,)))), Sample((T((0, 2)), T((2,))), name="empty"),
                Sample((T((2, 0)), T((0,))), name="empty-inner")],
         [ErrorInput((T((2, 3)), T((4,))), {}, RuntimeError,
                     r"mv: size mismatch, got matrix \(2, 3\) and vector \(4,\)"),
          ErrorInput((T((2, 3)), T((3, 1))), {}, RuntimeError,
                     r"mv: expected a 2-D matrix and a 1-D vector, got shapes \(2, 3\) and "
                     r"\(3, 1\)"),
          ErrorInput((T((2, 3)), T((3,), dtype="float64")), {}, RuntimeError,
                     "mv: expected both operands to have the same dtype")]),
    _rec("mv", [Sample((I((3, 4), low=-3), I((4,), low=-3)))], variant="int", grad=False,
         dtypes=("float32",)),
    _rec("mv", [Sample((T((3, 4)), T((4,))))], variant="method", ember_fn=_method("mv"),
         torch_fn=_method("mv")),
    _rec("addr", [Sample((T((2, 3)), T((2,)), T((3,)))),
                  Sample((T((3,)), T((2,)), T((3,))), {"beta": 0.5, "alpha": -2}, name="bcast"),
                  Sample((T(()), T((2,)), T((3,))), {"beta": 0}, name="beta0"),
                  Sample((T((0, 3)), T((0,)), T((3,))), name="empty")],
         [ErrorInput((T((3, 3)), T((2,)), T((3,))), {}, RuntimeError,
                     r"addr: shapes \(3, 3\), \(2, 3\) are not broadcastable"),
          ErrorInput((T((2, 3)), T((2, 1)), T((3,))), {}, RuntimeError,
                     "addr: expected 1-D argument vec1, but got 2-D"),
          ErrorInput((I((2, 3)), I((2,)), I((3,))), {"beta": 0.5}, RuntimeError,
                     "addr: for integral input tensors .* must not be floating point")]),
    _rec("addr", [Sample((T((2, 3)), T((2,), dtype="float64"), T((3,))), name="promote"),
                  Sample((I((2, 3)), I((2,)), I((3,))), {"beta": 2, "alpha": 3}, name="int"),
                  Sample((I((2, 3), high=2, dtype="bool"), I((2,), high=2, dtype="bool"),
                          I((3,), high=2, dtype="bool")), name="bool"),
                  Sample((I((2, 3), high=2, dtype="bool"), I((2,), high=2, dtype="bool"),
                          I((3,), high=2, dtype="bool")), {"beta": 0, "alpha": True},
                         name="bool-beta0")],
         variant="dtypes", dtypes=("float32",), grad=False),
    _rec("addr", [Sample((T((2, 3)), T((2,)), T((3,))), {"alpha": 2})], variant="method",
         ember_fn=_method("addr"), torch_fn=_method("addr")),
    _rec("addbmm", [Sample((T((2, 3)), T((4, 2, 5)), T((4, 5, 3)))),
                    Sample((T((3,)), T((4, 2, 5)), T((4, 5, 3))), {"beta": 2, "alpha": 0.5},
                           name="bcast"),
                    Sample((T((2, 3)), T((0, 2, 5)), T((0, 5, 3))), name="no-batches")],
         [ErrorInput((T((2, 3)), T((4, 2, 5)), T((3, 5, 3))), {}, RuntimeError,
                     r"addbmm: expected batch2 of shape \(4, 5, \*\) to multiply batch1 of "
                     r"shape \(4, 2, 5\), got \(3, 5, 3\)"),
          ErrorInput((T((2, 3)), T((2, 5)), T((5, 3))), {}, RuntimeError,
                     r"addbmm: batch1 must be a 3-D tensor, got shape \(2, 5\)"),
          ErrorInput((T((2, 3), dtype="float64"), T((4, 2, 5)), T((4, 5, 3))), {},
                     RuntimeError, "addbmm: expected input to have dtype float32, got "
                     "float64")], dtypes=("float32", "float64")),
    _rec("addbmm", [Sample((T((2, 3)), T((4, 2, 5)), T((4, 5, 3))))], variant="method",
         ember_fn=_method("addbmm"), torch_fn=_method("addbmm")),
    _rec("inner", [Sample((T((4,)), T((4,))), name="vectors"),
                   Sample((T((2, 3)), T((4, 3))), name="matrices"),
                   Sample((T((2, 1, 3)), T((3,))), name="3d-1d"),
                   Sample((T(()), T((4, 3))), name="0d"),
                   Sample((T((2, 0)), T((3, 0))), name="empty")],
         [ErrorInput((T((2, 3)), T((4, 2))), {}, RuntimeError,
                     r"inner: the last dimension must match on both input tensors but got "
                     r"shapes \(2, 3\) and \(4, 2\)"),
          ErrorInput((T((3,)), T((3,), dtype="float64")), {}, RuntimeError,
                     "inner: expected both operands to have the same dtype")]),
    _rec("inner", [Sample((T((2, 3)), T((4, 3))))], variant="method",
         ember_fn=_method("inner"), torch_fn=_method("inner")),
    _rec("chain_matmul", [Sample((T((2, 3)), T((3, 4)), T((4, 1)))),
                          Sample((T((2, 3)),), name="one"),
                          Sample(([T((2, 3)), T((3, 2))],), name="list")],
         [ErrorInput((T((2, 3)), T((3,))), {}, RuntimeError,
                     "chain_matmul: matrix 1 must be 2-D, got 1-D"),
          ErrorInput((), {}, RuntimeError, "chain_matmul: expected one or more matrices")],
         ember_fn=lambda *ms: ember.chain_matmul(*ms),
         torch_fn=lambda *ms: torch.chain_matmul(*(ms[0] if isinstance(ms[0], list) else ms))),
    # ------------------------------------------------------------------ cross
    _rec("cross", [Sample((T((4, 3)), T((4, 3)), 1)),
                   Sample((T((3, 5)), T((3, 1))), {"dim": 0}, name="dim0-bcast"),
                   Sample((T((1, 2, 3)), T((4, 1, 3)), -1), name="neg-dim"),
                   Sample((T((0, 3)), T((0, 3)), 1), name="empty")],
         [ErrorInput((T((2, 4)), T((2, 4)), 1), {}, RuntimeError,
                     r"linalg.cross: inputs dimension 1 must have length 3"),
          ErrorInput((T((3, 2)), T((3,))), {"dim": 0}, RuntimeError,
                     "cross: inputs must have the same number of dimensions"),
          ErrorInput((T((3, 2)), T((3, 2))), {"dim": 5}, IndexError,
                     "dimension out of range"),
          ErrorInput((T((3, 2)), T((3, 2), dtype="float64")), {"dim": 0}, RuntimeError,
                     "cross: expected both operands to have the same dtype")]),
    _rec("cross", [Sample((T((4, 3)), T((4, 3)))), Sample((T((3, 4)), T((3, 4))), name="dim0")],
         [ErrorInput((T((2, 4)), T((2, 4))), {}, RuntimeError, "cross: no dimension of size 3")],
         variant="no-dim", ember_fn=_cross_no_dim(ember), torch_fn=_cross_no_dim(torch)),
    _rec("cross", [Sample((I((4, 3), low=-4), I((4, 3), low=-4)), {"dim": 1})], variant="int",
         grad=False, dtypes=("float32",)),
    _rec("cross", [Sample((T((4, 3)), T((4, 3))), {"dim": -1})], variant="method",
         ember_fn=_method("cross"), torch_fn=_method("cross")),
    _rec("linalg.cross", [Sample((T((4, 3)), T((4, 3)))),
                          Sample((T((3, 2)), T((3, 1))), {"dim": 0}, name="dim0-bcast"),
                          Sample((T((3,)), T((3,))), name="vectors")],
         [ErrorInput((T((3, 2)), T((3, 2))), {}, RuntimeError,
                     r"linalg.cross: inputs dimension -1 must have length 3, got shapes "
                     r"\(3, 2\) and \(3, 2\)")],
         ember_fn=ember.linalg.cross, torch_fn=torch.linalg.cross),
    # ------------------------------------------------------------------ inverse, det
    _rec("inverse", _DET_SAMPLES,
         [ErrorInput((T((2, 3)),), {}, RuntimeError,
                     "linalg.inv: A must be batches of square matrices, but they are 2 by 3")],
         ember_fn=lambda a: ember.inverse(_wellcond(ember)(a)),
         torch_fn=lambda a: torch.inverse(_wellcond(torch)(a))),
    _rec("inverse", _DET_SAMPLES[:1], variant="method",
         ember_fn=lambda a: _wellcond(ember)(a).inverse(),
         torch_fn=lambda a: _wellcond(torch)(a).inverse()),
    _rec("det", _DET_SAMPLES + [Sample((T((0, 0)),), name="empty")],
         [ErrorInput((T((2, 3)),), {}, RuntimeError,
                     "linalg.det: A must be batches of square matrices")],
         ember_fn=lambda a: ember.det(_wellcond(ember)(a)),
         torch_fn=lambda a: torch.det(_wellcond(torch)(a))),
    _rec("det", [Sample((T((3, 3), 1.0, 1.0), [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]))],
         variant="singular", ember_fn=lambda a, m: ember.det(a * ember.tensor(m, dtype=a.dtype)),
         # the reference: det by the Leibniz formula (see ops_linalg_decomp.SINGULAR)
         torch_fn=lambda a, m: leibniz_det(a * torch.tensor(m, dtype=a.dtype))),
    _rec("det", _DET_SAMPLES[:1], variant="method", ember_fn=lambda a: _wellcond(ember)(a).det(),
         torch_fn=lambda a: _wellcond(torch)(a).det()),
    _rec("logdet", _DET_SAMPLES,
         [ErrorInput((I((2, 2)),), {}, RuntimeError,
                     "logdet: expected a floating point tensor as input, got int64")],
         ember_fn=lambda a: ember.logdet(_wellcond(ember)(a)),
         torch_fn=lambda a: torch.logdet(_wellcond(torch)(a))),
    # A negative determinant gives NaN (with a zero gradient), a singular matrix -inf.
    _rec("logdet", [Sample((T((3, 3)),))], variant="negative-det", fd=False,
         second_order=False, jvp=False,
         ember_fn=lambda a: ember.logdet(_wellcond(ember)(a) * -1),
         torch_fn=lambda a: torch.logdet(_wellcond(torch)(a) * -1)),
    _rec("logdet", [Sample((T((3, 3)),))], variant="method",
         ember_fn=lambda a: _wellcond(ember)(a).logdet(),
         torch_fn=lambda a: _wellcond(torch)(a).logdet()),
    # ------------------------------------------------------------------ distances
    _rec("cdist", CDIST,
         [ErrorInput((T((3,)), T((3, 3))), {}, RuntimeError,
                     r"cdist: only supports at least 2-D tensors, x1 has shape \(3,\)"),
          ErrorInput((T((3, 3)), T((3, 4))), {}, RuntimeError,
                     r"cdist: x1 and x2 must have the same number of columns"),
          ErrorInput((T((3, 3)), T((3, 3)), -1.0), {}, RuntimeError,
                     "cdist: only supports non-negative p values, got p=-1.0"),
          ErrorInput((I((3, 3)), I((3, 3))), {}, RuntimeError,
                     "cdist: only supports floating-point dtypes, x1 is int64"),
          ErrorInput((T((3, 3)), T((3, 3))), {"compute_mode": "foo"}, ValueError,
                     "cdist: 'foo' is not a valid value for compute_mode"),
          ErrorInput((T((3, 3)), T((3, 3), dtype="float64")), {}, RuntimeError,
                     "cdist: expected x1 and x2 to have the same dtype, got float32 and "
                     "float64"),
          ErrorInput((T((2, 3, 3)), T((4, 3, 3))), {}, RuntimeError,
                     r"cdist: shapes \(2,\), \(4,\) are not broadcastable")],
         atol=2e-5),
    # cdist(x, x): zero distances on the diagonal, where the gradient is 0 (not NaN)
    *[_rec("cdist", [Sample((T((4, 3)),))], variant=f"self-p{p}", ember_fn=_self_cdist(ember, p),
           torch_fn=_self_cdist(torch, p)) for p in (0.5, 1.0, 2.0, 3.0, INF)],
    _rec("dist", [Sample((T((3, 4)), T((3, 4)))), Sample((T((3, 4)), T((4,)), 1), name="p1"),
                  Sample((T((2, 3)), T((2, 3)), INF), name="inf"),
                  Sample((T((2, 3)), T((2, 3)), 3.5), name="p3.5"),
                  Sample((T((2, 3)), T((2, 3)), -1.5), name="neg-p"),
                  Sample((T(()), T((2,))), name="0d"), Sample((T((0,)), T((0,))), name="empty")],
         [ErrorInput((I((3,)), I((3,))), {}, RuntimeError,
                     "dist: expected floating point tensors, got int64 and int64"),
          ErrorInput((T((3,)), T((4,))), {}, RuntimeError, "dist: shapes")]),
    _rec("dist", [Sample((T((3,)), T((3,), dtype="float64")), name="promote")],
         variant="promote", dtypes=("float32",)),
    _rec("dist", [Sample((T((3, 4)), T((3, 4))))], variant="self",
         ember_fn=lambda x, y: ember.dist(x, x), torch_fn=lambda x, y: torch.dist(x, x)),
    _rec("dist", [Sample((T((3, 4)), T((3, 4)), 3))], variant="method",
         ember_fn=_method("dist"), torch_fn=_method("dist")),
]
