"""Records for ember/ops/decomp_more.py, decomp_solve.py and linalg_legacy.py: matrix_exp,
matrix_rank, cond, vander, vecdot, diagonal, the triangular and Cholesky solves, tensorinv,
tensorsolve, and the top-level / Tensor-method forms (legacy svd, qr, cholesky, ...).

Triangular inputs are ``tril(a) + 2n I`` (or ``triu``), Cholesky factors of well
conditioned matrices, made inside the lambdas identically for ember and PyTorch."""

import math

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def _rec(name, ember_fn, torch_fn, samples, errors=(), variant="", **kw):
    kw.setdefault("second_order", True)
    kw.setdefault("jvp", True)
    return OpRecord(name, ember_fn, torch_fn, samples, errors=list(errors), variant=variant, **kw)


def _both(fn):
    """``fn(lib)`` for ember and torch: the two callables of a record."""
    return fn(ember), fn(torch)


def _tri(lib, a, upper):
    n = a.shape[-1]
    t = a.triu() if upper else a.tril()
    return t + 2 * n * lib.eye(n, dtype=a.dtype)


def _ip(method, prep=None):
    def make(lib):
        def run(x, *args, **kwargs):
            y = x.clone()
            getattr(y, method)(*args, **kwargs)
            return y
        return run
    return _both(make)


def _sign_fixed_svd(lib):
    def fn(a, *args):
        U, S, V = lib.svd(a + 3 * lib.eye(*a.shape[-2:], dtype=a.dtype), *args)
        k = S.shape[-1]
        U, V = U.narrow(-1, 0, k), V.narrow(-1, 0, k)
        d = U.narrow(-2, 0, 1).sign()
        return U * d, S, V * d
    return fn


def _sign_fixed_qr(lib, method=False):
    def fn(a, *args):
        Q, R = a.qr(*args) if method else lib.qr(a, *args)
        d = R.diagonal(dim1=-2, dim2=-1).sign()
        k = d.shape[-1]
        return Q.narrow(-1, 0, k) * d.unsqueeze(-2), R.narrow(-2, 0, k) * d.unsqueeze(-1)
    return fn


SQUARE = [Sample((T((3, 3)),)), Sample((T((2, 4, 4)),), name="batched"),
          Sample((T((0, 3, 3)),), name="empty-batch")]

RECORDS = [
    # ------------------------------------------------------------------ matrix_exp
    _rec("linalg.matrix_exp", ember.linalg.matrix_exp, torch.linalg.matrix_exp,
         SQUARE + [Sample((T((3, 3), -5.0, 5.0),), name="large-norm"),
                   Sample((T((1, 1)),), name="1x1")],
         [ErrorInput((T((2, 3)),), {}, RuntimeError,
                     "linalg.matrix_exp: A must be batches of square matrices, but they are 2 "
                     "by 3")],
         grad_atol=1e-4),  # float32: entries up to e^15 / 2^k cancel in the squarings
    _rec("matrix_exp", ember.matrix_exp, torch.matrix_exp, [Sample((T((3, 3)),))]),
    _rec("matrix_exp", *_both(lambda lib: lambda a: a.matrix_exp()), [Sample((T((3, 3)),))],
         variant="method"),
    _rec("matrix_power", ember.matrix_power, torch.matrix_power,
         [Sample((T((3, 3)), 3)), Sample((T((2, 3, 3)), 2), name="batched")]),
    _rec("matrix_power", *_both(lambda lib: lambda a: (a + 6 * lib.eye(3)).matrix_power(-2)),
         [Sample((T((3, 3)),))], variant="method-negative"),
    # ------------------------------------------------------------------ rank, cond
    OpRecord("linalg.matrix_rank", ember.linalg.matrix_rank, torch.linalg.matrix_rank,
             [Sample((T((3, 4)),)), Sample((T((2, 3, 3)),), {"atol": 1.0, "rtol": 0.5},
                                           name="tols"),
              Sample((T((2, 3, 3)),), {"hermitian": True}, name="hermitian"),
              Sample((T((3, 3)), 1.5), name="tol"), Sample((T((0, 3)),), name="empty")],
             grad=False),
    OpRecord("linalg.matrix_rank", lambda a: ember.linalg.matrix_rank(a @ a.mT[..., :2, :]),
             lambda a: torch.linalg.matrix_rank(a @ a.mT[..., :2, :]),
             [Sample((T((2, 4, 2)),))], grad=False, variant="deficient"),
    _rec("linalg.cond", *_both(lambda lib: lambda a, *p: lib.linalg.cond(
        a + 3 * lib.eye(*a.shape[-2:], dtype=a.dtype), *p)),
         [Sample((T((3, 3)),)), Sample((T((2, 4, 3)), 2), name="p2-rect"),
          Sample((T((3, 3)), -2), name="p-2"),
          Sample((T((2, 3, 3)), "nuc"), name="nuc")],
         [ErrorInput((T((3, 3)), "foo"), {}, RuntimeError,
                     "linalg.cond got an invalid norm type: foo"),
          ErrorInput((T((2, 3)), "fro"), {}, RuntimeError,
                     "linalg.cond.*A must be batches of square matrices")],
         # float32: entries up to ~50 (the gradient scales with the condition number)
         second_order=False, jvp=False, grad_atol=5e-4),
    # PyTorch's own backward fails for these norms (its inv_ex output is modified in place),
    # so only values are compared; the finite-difference checks still cover the gradient.
    _rec("linalg.cond", *_both(lambda lib: lambda a, p: lib.linalg.cond(
        a + 3 * lib.eye(3, dtype=a.dtype), p)),
         [Sample((T((3, 3)), 1), name="1"), Sample((T((2, 3, 3)), -math.inf), name="-inf"),
          Sample((T((3, 3)), "fro"), name="fro")], variant="norms", grad=False,
         second_order=False),
    OpRecord("linalg.cond", ember.linalg.cond, torch.linalg.cond,
             [Sample((T((3, 3), 0.0, 0.0), 1))], grad=False, variant="singular"),
    # empty matrices: zeros of the batch shape (PyTorch's convention), carrying no gradient
    OpRecord("linalg.cond", ember.linalg.cond, torch.linalg.cond,
             [Sample((T((0, 0)),), name="0x0"), Sample((T((3, 0, 0)), 2), name="batch-p2"),
              Sample((T((2, 0, 3)), -2), name="rect-p-2"), Sample((T((0, 0)), "fro"), name="fro"),
              Sample((T((3, 0, 0)), 1), name="batch-1"),
              Sample((T((0, 3)), math.inf), name="rect-inf")],
             grad=False, variant="empty",
             errors=[ErrorInput((T((0, 3)), "nuc"), {}, RuntimeError,
                                r"linalg.cond\(ord=nuc\): A must be batches of square")]),
    # ------------------------------------------------------------------ vander, vecdot, ...
    _rec("linalg.vander", ember.linalg.vander, torch.linalg.vander,
         [Sample((T((4,)),)), Sample((T((2, 3)),), {"N": 5}, name="batched-N"),
          Sample((T((3,), 0.0, 0.0),), name="zeros")],
         [ErrorInput((T((3,)),), {"N": 1}, RuntimeError, "N must be greater than 1")]),
    OpRecord("linalg.vander", ember.linalg.vander, torch.linalg.vander,
             [Sample((I((3,), low=-3),))], grad=False, variant="int", dtypes=("float32",)),
    _rec("linalg.vecdot", ember.linalg.vecdot, torch.linalg.vecdot,
         [Sample((T((2, 3)), T((3,)))), Sample((T((3, 2)), T((3, 1))), {"dim": 0}, name="dim0"),
          Sample((T((0, 3)), T((0, 3))), name="empty")],
         [ErrorInput((T((3,)), T((3,), dtype="float64")), {}, RuntimeError,
                     "linalg.vecdot: Expected x and y to have the same dtype"),
          ErrorInput((I((3,)), I((3,))), {}, RuntimeError,
                     "linalg.vecdot: Expected a floating point")]),
    _rec("linalg.diagonal", ember.linalg.diagonal, torch.linalg.diagonal,
         [Sample((T((2, 3, 4)),)), Sample((T((3, 4)),), {"offset": 1}, name="offset"),
          Sample((T((3, 4, 2)),), {"dim1": 0, "dim2": 1}, name="dims")]),
    _rec("linalg.matmul", ember.linalg.matmul, torch.linalg.matmul,
         [Sample((T((2, 3)), T((3, 4)))), Sample((T((2, 2, 3)), T((3,))), name="bcast")]),
    # ------------------------------------------------------------------ triangular solves
    *[_rec("linalg.solve_triangular",
           *_both(lambda lib, up=up: lambda a, b, **k: lib.linalg.solve_triangular(
               _tri(lib, a, up), b, upper=up, **k)),
           [Sample((T((3, 3)), T((3, 2)))),
            Sample((T((2, 1, 3, 3)), T((4, 3, 2))), name="broadcast"),
            Sample((T((3, 3)), T((2, 3))), {"left": False}, name="right"),
            Sample((T((3, 3)), T((3, 2))), {"unitriangular": True}, name="unit"),
            Sample((T((3, 3)), T((3, 0))), name="empty")],
           variant="upper" if up else "lower") for up in (True, False)],
    OpRecord("linalg.solve_triangular", ember.linalg.solve_triangular,
             torch.linalg.solve_triangular, [], variant="raw",
             errors=[ErrorInput((T((3, 3)), T((3,))), {"upper": True}, RuntimeError,
                                "linalg.solve_triangular: .* at least 2 dimensions"),
                     ErrorInput((T((3, 3)), T((2, 2))), {"upper": True}, RuntimeError,
                                r"linalg.solve_triangular: [Ii]ncompatible shapes of A and B")]),
    _rec("triangular_solve",
         *_both(lambda lib: lambda b, a, *args, **k: lib.triangular_solve(
             b, _tri(lib, a, args[0] if args else k.get("upper", True)), *args, **k)),
         [Sample((T((3, 2)), T((3, 3)))), Sample((T((3, 2)), T((3, 3)), False), name="lower"),
          Sample((T((2, 3, 2)), T((3, 3))), {"transpose": True}, name="transpose-bcast"),
          Sample((T((3, 2)), T((3, 3))), {"unitriangular": True}, name="unit")]),
    _rec("triangular_solve", *_both(lambda lib: lambda b, a: b.triangular_solve(
        _tri(lib, a, True))), [Sample((T((3, 2)), T((3, 3))))], variant="method"),
    # ------------------------------------------------------------------ cholesky solves
    _rec("cholesky_solve",
         *_both(lambda lib: lambda b, a, *args: lib.cholesky_solve(
             b, _tri(lib, a, bool(args and args[0])), *args)),
         [Sample((T((3, 2)), T((3, 3)))), Sample((T((3, 2)), T((3, 3)), True), name="upper"),
          Sample((T((2, 3, 2)), T((3, 3))), name="bcast")],
         [ErrorInput((T((3, 2)), T((2, 2))), {}, RuntimeError, "cholesky_solve")]),
    _rec("cholesky_solve", *_both(lambda lib: lambda b, a: b.cholesky_solve(
        _tri(lib, a, False))), [Sample((T((3, 2)), T((3, 3))))], variant="method"),
    _rec("cholesky_inverse",
         *_both(lambda lib: lambda a, *args: lib.cholesky_inverse(
             _tri(lib, a, bool(args and args[0])), *args)),
         [Sample((T((3, 3)),)), Sample((T((3, 3)), True), name="upper"),
          Sample((T((2, 3, 3)),), name="batched")]),
    _rec("cholesky_inverse", *_both(lambda lib: lambda a: _tri(lib, a, False).cholesky_inverse()),
         [Sample((T((3, 3)),))], variant="method"),
    # ------------------------------------------------------------------ tensorinv, tensorsolve
    _rec("linalg.tensorinv",
         *_both(lambda lib: lambda a, ind=2: lib.linalg.tensorinv(
             a + 8 * lib.eye(a.shape[:ind].numel(), dtype=a.dtype).reshape(a.shape), ind)),
         [Sample((T((4, 2, 2)), 1)), Sample((T((2, 3, 6)),), name="ind2")]),
    OpRecord("linalg.tensorinv", ember.linalg.tensorinv, torch.linalg.tensorinv, [],
             variant="raw",
             errors=[ErrorInput((T((4, 2, 3)),), {"ind": 1}, RuntimeError,
                                r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\)"),
                     ErrorInput((T((4, 2, 2)),), {"ind": 0}, RuntimeError,
                                "strictly positive integer for 'ind'")]),
    _rec("linalg.tensorsolve",
         *_both(lambda lib: lambda a, b, **k: lib.linalg.tensorsolve(
             a + 8 * lib.eye(6, dtype=a.dtype).reshape(a.shape), b, **k)),
         [Sample((T((2, 3, 6)), T((2, 3)))),
          Sample((T((6, 2, 3)), T((2, 3))), {"dims": (0,)}, name="dims")]),
    OpRecord("linalg.tensorsolve", ember.linalg.tensorsolve, torch.linalg.tensorsolve, [],
             variant="raw", errors=[ErrorInput((T((2, 3, 5)), T((2, 3))), {}, RuntimeError,
                                               r"prod\(self.shape\[other.ndim:\]\)")]),
    # ------------------------------------------------------------------ legacy / methods
    _rec("svd", _sign_fixed_svd(ember), _sign_fixed_svd(torch),
         [Sample((T((3, 3)),)), Sample((T((4, 3)), False), name="some-false"),
          Sample((T((2, 3, 4)),), name="batched")], second_order=False, jvp=False),
    OpRecord("svd", *_both(lambda lib: lambda a: lib.svd(a, compute_uv=False)),
             [Sample((T((2, 4, 3)),))], grad=False, variant="no-uv"),
    _rec("qr", _sign_fixed_qr(ember), _sign_fixed_qr(torch),
         [Sample((T((4, 3)),)), Sample((T((3, 3)), False), name="some-false")],
         second_order=False, jvp=False),
    _rec("qr", _sign_fixed_qr(ember, True), _sign_fixed_qr(torch, True), [Sample((T((3, 3)),))],
         variant="method", second_order=False, jvp=False),
    *[_rec("cholesky", *_both(lambda lib, m=m: lambda a, *args: (
        (a @ a.mT + 3 * lib.eye(3)).cholesky(*args) if m
        else lib.cholesky(a @ a.mT + 3 * lib.eye(3), *args))),
        [Sample((T((3, 3)),)), Sample((T((3, 3)), True), name="upper")],
        variant="method" if m else "") for m in (False, True)],
    _rec("slogdet", *_both(lambda lib: lambda a: lib.slogdet(a + 6 * lib.eye(3))),
         [Sample((T((3, 3)),))]),
    _rec("slogdet", *_both(lambda lib: lambda a: (a + 6 * lib.eye(3)).slogdet()),
         [Sample((T((3, 3)),))], variant="method"),
    _rec("pinverse", ember.pinverse, torch.pinverse,
         [Sample((T((3, 4)),)), Sample((T((2, 4, 3)),), {"rcond": 1e-3}, name="batched")],
         second_order=False, jvp=False),
    _rec("pinverse", *_both(lambda lib: lambda a: a.pinverse()), [Sample((T((3, 4)),))],
         variant="method", second_order=False, jvp=False),
    # ------------------------------------------------------------------ in-place products
    _rec("addmv_", *_ip("addmv_"), [Sample((T((2,)), T((2, 3)), T((3,)))),
                                    Sample((T((2,)), T((2, 3)), T((3,))),
                                           {"beta": 0.5, "alpha": 2}, name="scaled")],
         [ErrorInput((T((3,)), T((2, 3)), T((3,))), {}, RuntimeError, "addmv")]),
    _rec("addmv_", *_both(lambda lib: lambda x, m, v: lib.addmv_(x.clone(), m, v)),
         [Sample((T((2,)), T((2, 3)), T((3,))))], variant="top-level"),
    _rec("addr_", *_ip("addr_"), [Sample((T((2, 3)), T((2,)), T((3,))), {"alpha": 2})]),
    _rec("addbmm_", *_ip("addbmm_"), [Sample((T((2, 3)), T((4, 2, 5)), T((4, 5, 3))))]),
    _rec("baddbmm_", *_ip("baddbmm_"),
         [Sample((T((4, 2, 3)), T((4, 2, 5)), T((4, 5, 3))), {"beta": 0})],
         [ErrorInput((T((2, 3)), T((4, 2, 5)), T((4, 5, 3))), {}, RuntimeError, "baddbmm_")]),
]
