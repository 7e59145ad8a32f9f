"""Records for ember.linalg (ember/ops/decomp*.py).

Inputs are made well conditioned inside the lambdas (``A + n I`` for inverses and solves,
``A A^T + n I`` for SPD matrices), identically for ember and PyTorch, so the float32
comparisons and the finite-difference checks measure the op, not the conditioning.
"""

import itertools

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T


def _shift(lib, a):
    """``a + n I``: diagonally dominant enough for the uniform(-2, 2) samples."""
    n = a.shape[-1]
    return a + 2.0 * n * lib.eye(n, dtype=a.dtype)


def _spd(lib, a):
    n = a.shape[-1]
    return a @ a.mT + n * lib.eye(n, dtype=a.dtype)


def _on(fn_name, prep, **kw):
    """ember and torch callables applying ``linalg.<fn_name>`` to ``prep(lib, a)``."""
    def make(lib):
        fn = getattr(lib.linalg, fn_name)
        return lambda a, *rest, **k: fn(prep(lib, a), *rest, **{**kw, **k})
    return make(ember), make(torch)


# Singular matrices (exact rank n-1 or n-2, and a batch mixing singular and invertible ones).
# The leaf is all ones and multiplies the constant matrix, so its gradient is the cofactor
# matrix of that matrix (times it), which is not 0 for rank n-1. PyTorch's det goes through
# LAPACK's LU, whose rounding depends on the CPU: on an AVX-512 Intel CPU these determinants
# come out as tiny nonzero numbers and the gradient is the cofactor matrix, on an AMD EPYC they
# are exact zeros and PyTorch's gradient is 0. The reference is therefore det by the Leibniz
# formula in torch ops (`leibniz_det`), whose gradients are the cofactors on every CPU.
_A = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]
_R = [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [3.0, 4.0, 1.0]]
_W = [[3.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 5.0]]
_R4 = [[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 1.0, 2.0], [1.0, 3.0, 1.0, 3.0], [2.0, 0.0, 1.0, 1.0]]
_RANK1 = [[1.0, -1.0, 2.0], [2.0, -2.0, 4.0], [3.0, -3.0, 6.0]]


def _ones(shape):
    return T(shape, 1.0, 1.0)


SINGULAR = [Sample((_ones((3, 3)), _A), name="rank2"), Sample((_ones((4, 4)), _R4), name="4x4"),
            Sample((_ones((2, 3, 3)), [_A, _R]), name="batch"),
            Sample((_ones((2, 3, 3)), [_W, _A]), name="mixed-batch")]


def _det_on_const(lib):
    fn = ember.linalg.det if lib is ember else leibniz_det
    return lambda a, m: fn(a * lib.tensor(m, dtype=a.dtype))


def leibniz_det(a: torch.Tensor) -> torch.Tensor:
    """det(a) over the last two dims as the sum over permutations of signed products: exact
    for small integer matrices, with the cofactor matrix as its gradient (no LU rounding)."""
    n = a.shape[-1]
    total = torch.zeros(a.shape[:-2], dtype=a.dtype)
    for perm in itertools.permutations(range(n)):
        inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
        term = torch.ones(a.shape[:-2], dtype=a.dtype)
        for row, col in enumerate(perm):
            term = term * a[..., row, col]
        total = total - term if inversions % 2 else total + term
    return total


SQUARE = [Sample((T((3, 3)),)), Sample((T((2, 4, 4)),), name="batched"),
          Sample((T((0, 3, 3)),), name="empty-batch")]

_inv = _on("inv", _shift)
_det = _on("det", _shift)
_slogdet = _on("slogdet", _shift)
_solve = _on("solve", _shift)
_chol = _on("cholesky", _spd)
_chol_up = _on("cholesky", _spd, upper=True)

RECORDS = [
    OpRecord("linalg.inv", *_inv, SQUARE, second_order=True, jvp=True),
    # Error inputs go to the functions themselves (the lambdas above reshape their input).
    OpRecord("linalg.inv", ember.linalg.inv, torch.linalg.inv, [], variant="raw",
             errors=[ErrorInput((T((2, 3)),), {}, RuntimeError,
                                "linalg.inv: A must be batches of square matrices, but they "
                                "are 2 by 3 matrices"),
                     ErrorInput((I((2, 2)),), {}, RuntimeError,
                                "linalg.inv: expected a floating point tensor as input, got "
                                "int64"),
                     ErrorInput((T((2, 2), 0.0, 0.0),), {}, RuntimeError,
                                "linalg.inv: Singular matrix")]),
    OpRecord("linalg.det", *_det, SQUARE, second_order=True, jvp=True),
    OpRecord("linalg.det", ember.linalg.det, torch.linalg.det, [], variant="raw",
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                r"linalg.det: the input tensor A must have at least 2 "
                                r"dimensions, got shape \(3,\)")]),
    OpRecord("linalg.det", _det_on_const(ember), _det_on_const(torch), SINGULAR,
             second_order=True, jvp=True, variant="singular"),
    # rank n-2: every cofactor is 0 (second order would need the SVD of repeated zeros)
    OpRecord("linalg.det", _det_on_const(ember), _det_on_const(torch),
             [Sample((_ones((3, 3)), _RANK1))], variant="rank1"),
    OpRecord("linalg.slogdet", *_slogdet, SQUARE, second_order=True, jvp=True),
    OpRecord("linalg.slogdet", ember.linalg.slogdet, torch.linalg.slogdet,
             [Sample((T((3, 3)),))], grad=False, variant="negative"),
    OpRecord("linalg.solve", *_solve,
             [Sample((T((3, 3)), T((3, 2))), name="matrix"),
              Sample((T((3, 3)), T((3,))), name="vector"),
              Sample((T((2, 3, 3)), T((2, 3))), name="batched-vector"),
              Sample((T((2, 1, 3, 3)), T((4, 3, 2))), name="broadcast"),
              Sample((T((3, 3)), T((2, 3, 1))), name="broadcast-A"),
              Sample((T((3, 3)), T((2, 3))), {"left": False}, name="right"),
              Sample((T((3, 3)), T((3, 0))), name="empty")],
             second_order=True, jvp=True),
    OpRecord("linalg.solve", ember.linalg.solve, torch.linalg.solve, [], variant="raw",
             errors=[ErrorInput((T((2, 2)), T((3,))), {}, RuntimeError,
                                r"linalg.solve: incompatible shapes of A and B for the equation "
                                r"AX = B: A is \(2, 2\), B is \(3,\)")]),
    OpRecord("linalg.cholesky", *_chol, SQUARE, second_order=True, jvp=True),
    OpRecord("linalg.cholesky", ember.linalg.cholesky, torch.linalg.cholesky, [],
             variant="raw", errors=[ErrorInput((T((2, 2), -1.0, -1.0),), {}, RuntimeError,
                                "linalg.cholesky: Matrix is not positive definite")]),
    OpRecord("linalg.cholesky", *_chol_up, SQUARE[:2], second_order=True, jvp=True,
             variant="upper"),
    OpRecord("linalg.matrix_power", ember.linalg.matrix_power, torch.linalg.matrix_power,
             [Sample((T((3, 3)), 3), name="3"), Sample((T((2, 3, 3)), 2), name="batched"),
              Sample((T((3, 3)), 1), name="1")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), 2), {}, RuntimeError,
                                r"linalg.matrix_power: expected a tensor of square matrices, "
                                r"got shape \(2, 3\)")]),
    # n = 0 gives a constant identity (PyTorch's carries a zero-gradient graph edge).
    OpRecord("linalg.matrix_power", ember.linalg.matrix_power, torch.linalg.matrix_power,
             [Sample((T((2, 3, 3)), 0))], grad=False, variant="0"),
    OpRecord("linalg.matrix_power", lambda a, n: ember.linalg.matrix_power(_shift(ember, a), n),
             lambda a, n: torch.linalg.matrix_power(_shift(torch, a), n),
             [Sample((T((3, 3)), -2))], second_order=True, jvp=True, variant="negative"),
    OpRecord("linalg.multi_dot", lambda *ts: ember.linalg.multi_dot(ts),
             lambda *ts: torch.linalg.multi_dot(ts),
             [Sample((T((2, 3)), T((3, 4)), T((4, 2)))),
              Sample((T((3,)), T((3, 4)), T((4,))), name="vectors")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((3, 4, 1)), T((1, 2))), {}, RuntimeError,
                                r"linalg.multi_dot: tensor 1 must be 2-D")]),
]
