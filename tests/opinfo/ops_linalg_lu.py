"""Records for the LU family (ember/ops/decomp_lu.py) and the ``*_ex`` functions
(ember/ops/decomp_ex.py).

Random inputs have distinct pivot candidates, so the pivots (piecewise constant) are the
same in both libraries and under the finite-difference steps. Singular inputs are made
exactly singular (a zero column survives the elimination exactly), so both report the same
``info``.
"""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T

SQUARE = [Sample((T((3, 3)),), name="square"), Sample((T((2, 4, 4)),), name="batched")]
RECT = SQUARE + [Sample((T((5, 3)),), name="tall"), Sample((T((3, 5)),), name="wide"),
                 Sample((T((2, 2, 5, 3)),), name="batched-tall"),
                 Sample((T((2, 3, 4)),), name="batched-wide")]


def _zero_last_col(a):
    """``a`` with its last column zeroed: exactly singular, ``info == n``."""
    lib = ember if isinstance(a, ember.Tensor) else torch
    n = a.shape[-1]
    return a * (lib.arange(n) != n - 1).to(a.dtype)


def _spd(a):
    return a @ a.mT + a.shape[-1] * _eye(a)


def _eye(a):
    lib = ember if isinstance(a, ember.Tensor) else torch
    return lib.eye(a.shape[-1], dtype=a.dtype)


def _well(a):
    """``a`` plus 3 on its anti-diagonal: well-conditioned (random 3x3 matrices can have
    condition numbers of 100+, which float32 solves feel), and still pivoting."""
    return a + 3 * _eye(a).flip(-1)


def _lu_solve(lib):
    def fn(a, b, **kw):
        LU, pivots = lib.linalg.lu_factor(_well(a))
        return lib.linalg.lu_solve(LU, pivots, b, **kw)
    return fn


def _lu_solve_packed(lib):
    """``lu_solve`` differentiated in a raw ``LU`` argument (its triangles are read)."""
    def fn(lu, b, **kw):
        lu = lu + 3 * _eye(lu)  # U's diagonal away from 0: well-conditioned triangles
        pivots = lib.linalg.lu_factor(lu.detach()).pivots  # any valid pivots will do
        return lib.linalg.lu_solve(lu, pivots, b, **kw)
    return fn


def _lu_solve_ex(lib, a, b, **kw):
    """``lu_solve`` with an exactly singular ``A``: infs/NaNs where LAPACK's getrs has them."""
    LU, pivots, _ = lib.linalg.lu_factor_ex(_zero_last_col(a))
    return lib.linalg.lu_solve(LU, pivots, b, **kw)


def _solve_args(left=True, adjoint=False, batch=()):
    shape = (*batch, 3, 2) if left else (*batch, 2, 3)
    return Sample((T((2, 3, 3)), T(shape)), {"left": left, "adjoint": adjoint},
                  name=f"left={left}-adjoint={adjoint}-batch={len(batch)}")


LU_SOLVE = [_solve_args(left, adjoint) for left in (True, False) for adjoint in (True, False)]
LU_SOLVE += [Sample((T((3, 3)), T((2, 3, 2))), name="broadcast-B"),
             _solve_args(batch=(4, 2))]

_SINGULAR_MSG = r"U\[3,3\] is zero and using it on lu_solve would result in a division"

RECORDS = [
    OpRecord("linalg.lu_factor", ember.linalg.lu_factor, torch.linalg.lu_factor, RECT,
             second_order=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                "linalg.lu_factor: the input tensor A must have at least 2"),
                     ErrorInput((T((3, 3)),), {"pivot": False}, RuntimeError,
                                "linalg.lu_factor: LU without pivoting is not implemented on "
                                "the CPU")]),
    OpRecord("linalg.lu_factor", lambda a: ember.linalg.lu_factor(_zero_last_col(a)),
             lambda a: torch.linalg.lu_factor(_zero_last_col(a)), [], variant="singular",
             errors=[ErrorInput((T((3, 3)),), {}, RuntimeError,
                                "^linalg.lu_factor: " + _SINGULAR_MSG),
                     ErrorInput((T((2, 3, 3)),), {}, RuntimeError,
                                r"^linalg.lu_factor: \(Batch element 0\): " + _SINGULAR_MSG)]),
    OpRecord("linalg.lu_factor_ex", ember.linalg.lu_factor_ex, torch.linalg.lu_factor_ex,
             RECT, errors=[ErrorInput((T((3, 3)),), {"pivot": False}, RuntimeError,
                                      "LU without pivoting is not implemented on the CPU")]),
    OpRecord("linalg.lu_factor_ex", lambda a, **kw: ember.linalg.lu_factor_ex(
                 _zero_last_col(a), **kw),
             lambda a, **kw: torch.linalg.lu_factor_ex(_zero_last_col(a), **kw),
             [Sample((T((3, 3)),), name="square"), Sample((T((2, 4, 4)),), name="batched"),
              Sample((T((5, 3)),), name="tall")],
             grad=False, variant="singular",
             errors=[ErrorInput((T((3, 3)),), {"check_errors": True}, RuntimeError,
                                "^linalg.lu_factor_ex: " + _SINGULAR_MSG)]),
    # P is a float output without a gradient, which the finite-difference checks (of every
    # float output) cannot take: they run on the "LU" variant, L and U only.
    OpRecord("linalg.lu", ember.linalg.lu, torch.linalg.lu,
             RECT + [Sample((T((0, 3, 3)),), name="empty-batch"),
                     Sample((T((2, 0, 3)),), name="empty-rows")], fd=False,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                "linalg.lu: the input tensor A must have at least 2"),
                     ErrorInput((T((3, 3)),), {"pivot": False}, RuntimeError,
                                "linalg.lu_factor: LU without pivoting is not implemented")]),
    OpRecord("linalg.lu", lambda a: ember.linalg.lu(a)[1:], lambda a: torch.linalg.lu(a)[1:],
             RECT, second_order=True, variant="LU"),
    OpRecord("linalg.lu", lambda a: ember.linalg.lu(_zero_last_col(a)),
             lambda a: torch.linalg.lu(_zero_last_col(a)), SQUARE, grad=False,
             variant="singular"),
    OpRecord("linalg.lu_solve", _lu_solve(ember), _lu_solve(torch), LU_SOLVE,
             second_order=True,
             errors=[ErrorInput((T((3, 3)), T((3,))), {}, RuntimeError,
                                "linalg.lu_solve: expected B to have at least 2 dimensions"),
                     ErrorInput((T((3, 3)), T((4, 2))), {}, RuntimeError,
                                "linalg.lu_solve: incompatible shapes of A and B")]),
    OpRecord("linalg.lu_solve", _lu_solve_packed(ember), _lu_solve_packed(torch),
             LU_SOLVE, variant="packed"),
    OpRecord("linalg.lu_solve", lambda a, b, **kw: _lu_solve_ex(ember, a, b, **kw),
             lambda a, b, **kw: _lu_solve_ex(torch, a, b, **kw),
             [Sample((T((3, 3)), T((3, 2))), name="left"),
              Sample((T((2, 3, 3)), T((4, 2, 3, 1))), {"adjoint": True}, name="adjoint"),
              Sample((T((3, 3)), T((2, 3))), {"left": False}, name="right")],
             grad=False, variant="singular"),
    OpRecord("linalg.lu_solve", ember.linalg.lu_solve, torch.linalg.lu_solve, [],
             variant="raw",
             errors=[ErrorInput((T((3, 3)), T((3,)), T((3, 2))), {}, RuntimeError,
                                "linalg.lu_solve: pivots should be a Tensor of dtype int32"),
                     ErrorInput((T((3, 4)), T((3,)), T((3, 2))), {}, RuntimeError,
                                "linalg.lu_solve: A must be batches of square matrices")]),
    OpRecord("lu_unpack", lambda a, **kw: ember.lu_unpack(*ember.linalg.lu_factor(a), **kw),
             lambda a, **kw: torch.lu_unpack(*torch.linalg.lu_factor(a), **kw), RECT,
             fd=False,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                "linalg.lu_factor: the input tensor A must have at least 2")]),
    OpRecord("lu_unpack", lambda a: ember.lu_unpack(*ember.linalg.lu_factor(a))[1:],
             lambda a: torch.lu_unpack(*torch.linalg.lu_factor(a))[1:], RECT,
             second_order=True, variant="LU"),
    OpRecord("lu_unpack", lambda a, **kw: ember.lu_unpack(*ember.linalg.lu_factor(a), **kw),
             lambda a, **kw: torch.lu_unpack(*torch.linalg.lu_factor(a), **kw),
             [Sample((T((3, 3)),), {"unpack_data": False}, name="no-data"),
              Sample((T((2, 4, 3)),), {"unpack_pivots": False}, name="no-pivots")],
             variant="flags", grad=False),  # PyTorch's empty L, U require grad; ember's not
    OpRecord("lu_unpack", ember.lu_unpack, torch.lu_unpack, [], variant="raw",
             errors=[ErrorInput((T((3, 3)), T((3,))), {}, RuntimeError,
                                "lu_unpack: pivots should be a Tensor of dtype int32"),
                     ErrorInput((T((3,)), T((3,))), {}, RuntimeError,
                                "lu_unpack: the input tensor A must have at least 2")]),
    OpRecord("lu", ember.lu, torch.lu, SQUARE + [Sample((T((3, 3)),), {"get_infos": True},
                                                       name="infos")],
             errors=[ErrorInput((T((3, 3)), False), {}, RuntimeError,
                                "LU without pivoting is not implemented on the CPU")]),
    OpRecord("lu", lambda a: a.lu(), lambda a: a.lu(), SQUARE, variant="method"),
    OpRecord("lu_solve", lambda b, a: ember.lu_solve(b, *ember.linalg.lu_factor(_well(a))),
             lambda b, a: torch.lu_solve(b, *torch.linalg.lu_factor(_well(a))),
             [Sample((T((3, 2)), T((3, 3)))), Sample((T((2, 4, 1)), T((2, 4, 4))),
                                                      name="batched")],
             errors=[ErrorInput((T((4, 2)), T((3, 3))), {}, RuntimeError,
                                "linalg.lu_solve: incompatible shapes of A and B")]),
    OpRecord("lu_solve", lambda b, a: b.lu_solve(*ember.linalg.lu_factor(a)),
             lambda b, a: b.lu_solve(*torch.linalg.lu_factor(a)),
             [Sample((T((3, 2)), T((3, 3))))], variant="method"),
    # ------------------------------------------------------------------ the *_ex functions
    OpRecord("linalg.inv_ex", ember.linalg.inv_ex, torch.linalg.inv_ex,
             SQUARE + [Sample((T((0, 2, 2)),), name="empty")], second_order=True,
             errors=[ErrorInput((T((2, 3)),), {}, RuntimeError,
                                "linalg.inv_ex: A must be batches of square matrices")]),
    OpRecord("linalg.inv_ex", lambda a, **kw: ember.linalg.inv_ex(_zero_last_col(a), **kw),
             lambda a, **kw: torch.linalg.inv_ex(_zero_last_col(a), **kw), SQUARE,
             grad=False, variant="singular",
             errors=[ErrorInput((T((2, 3, 3)),), {"check_errors": True},
                                ember.linalg.LinAlgError,
                                r"^linalg.inv_ex: \(Batch element 0\): The diagonal element 3 "
                                "is zero, the inversion could not be completed because the "
                                "input matrix is singular.")]),
    OpRecord("linalg.solve_ex", lambda a, b, **kw: ember.linalg.solve_ex(_well(a), b, **kw),
             lambda a, b, **kw: torch.linalg.solve_ex(_well(a), b, **kw),
             [Sample((T((3, 3)), T((3,))), name="vector"),
              Sample((T((2, 3, 3)), T((2, 3, 2))), name="batched"),
              Sample((T((3, 3)), T((4, 3, 2))), name="broadcast"),
              Sample((T((2, 3, 3)), T((2, 2, 3))), {"left": False}, name="right")],
             second_order=True),
    OpRecord("linalg.solve_ex", ember.linalg.solve_ex, torch.linalg.solve_ex, [],
             variant="raw",
             errors=[ErrorInput((T((3, 3)), T((2, 2))), {}, RuntimeError,
                                "linalg.solve_ex: incompatible shapes of A and B"),
                     ErrorInput((T((3, 3)), T((3, 2))), {"left": False}, RuntimeError,
                                "linalg.solve_ex: incompatible shapes of A and B for the "
                                "equation XA = B")]),
    OpRecord("linalg.solve_ex", lambda a, b, **kw: ember.linalg.solve_ex(
                 _zero_last_col(a), b, **kw),
             lambda a, b, **kw: torch.linalg.solve_ex(_zero_last_col(a), b, **kw),
             [Sample((T((3, 3)), T((3,))), name="vector"),
              Sample((T((2, 3, 3)), T((4, 2, 3, 2))), name="broadcast"),
              Sample((T((2, 3, 3)), T((2, 2, 3))), {"left": False}, name="right")],
             grad=False, variant="singular",
             errors=[ErrorInput((T((3, 3)), T((3, 1))), {"check_errors": True},
                                ember.linalg.LinAlgError,
                                "^linalg.solve_ex: The solver failed because the input matrix "
                                "is singular.")]),
    OpRecord("linalg.cholesky_ex", lambda a, **kw: ember.linalg.cholesky_ex(_spd(a), **kw),
             lambda a, **kw: torch.linalg.cholesky_ex(_spd(a), **kw),
             SQUARE + [Sample((T((2, 3, 3)),), {"upper": True}, name="upper")],
             second_order=True),
    OpRecord("linalg.cholesky_ex", ember.linalg.cholesky_ex, torch.linalg.cholesky_ex, [],
             variant="raw",
             errors=[ErrorInput((T((2, 3)),), {}, RuntimeError,
                                "linalg.cholesky_ex: A must be batches of square matrices")]),
    # Fails at order 1, before LAPACK's recursive potrf has touched the other columns, so
    # the partial L agrees too.
    OpRecord("linalg.cholesky_ex", lambda a, **kw: ember.linalg.cholesky_ex(-_spd(a), **kw),
             lambda a, **kw: torch.linalg.cholesky_ex(-_spd(a), **kw),
             SQUARE + [Sample((T((3, 3)),), {"upper": True}, name="upper")], grad=False,
             variant="not-pd",
             errors=[ErrorInput((T((2, 3, 3)),), {"check_errors": True},
                                ember.linalg.LinAlgError,
                                r"^linalg.cholesky_ex: \(Batch element 0\): The factorization "
                                "could not be completed because the input is not "
                                r"positive-definite \(the leading minor of order 1 is not "
                                r"positive-definite\).")]),
]
