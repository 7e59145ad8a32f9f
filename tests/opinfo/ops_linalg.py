"""Records for the matrix products in ember/ops/linalg.py."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

MATMUL_SAMPLES = [
    Sample((T((4,)), T((4,))), name="dot"),
    Sample((T((3, 4)), T((4, 5))), name="mm"),
    Sample((T((4,)), T((4, 5))), name="vec-mat"),
    Sample((T((3, 4)), T((4,))), name="mat-vec"),
    Sample((T((2, 3, 4)), T((2, 4, 5))), name="bmm"),
    Sample((T((2, 3, 4)), T((4, 5))), name="batch-left"),
    Sample((T((3, 4)), T((2, 4, 5))), name="batch-right"),
    Sample((T((2, 1, 3, 4)), T((5, 4, 2))), name="batch-broadcast"),
    Sample((T((4,)), T((2, 3, 4, 5))), name="vec-batch"),
    Sample((T((2, 3, 3, 4)), T((4,))), name="batch-vec"),
    Sample((T((0, 4)), T((4, 3))), name="empty-rows"),
    Sample((T((3, 0)), T((0, 2))), name="empty-inner"),
    Sample((T((0,)), T((0,))), name="empty-dot"),
]

_SHAPES = r"got shapes \(2, 3\) \(2-D\) and \(\) \(0-D\)"

RECORDS = [
    OpRecord(
        "matmul", ember.matmul, torch.matmul, MATMUL_SAMPLES, second_order=True, jvp=True,
        errors=[
            ErrorInput((T((32, 784)), T((512, 10))), {}, RuntimeError,
                       r"matmul: cannot multiply \(32, 784\) by \(512, 10\): inner dimensions "
                       r"784 and 512 differ"),
            ErrorInput((T((2, 3)), T(())), {}, RuntimeError, "matmul: .*at least 1-D, " + _SHAPES),
            ErrorInput((T((3,)), T((4,))), {}, RuntimeError, "matmul: cannot multiply"),
            ErrorInput((T((2, 3, 4)), T((3, 4, 5))), {}, RuntimeError,
                       r"matmul: shapes \(2,\), \(3,\) are not broadcastable"),
            ErrorInput((T((2, 3)), T((3, 2), dtype="float64")), {}, RuntimeError,
                       "matmul: expected both operands to have the same dtype, got float32"),
            ErrorInput((T((2, 3)), 2.0), {}, TypeError, "matmul: expected Tensor operands"),
        ]),
    OpRecord("matmul", ember.matmul, torch.matmul,
             [Sample((I((3, 4), low=-3), I((4, 2), low=-3)), name="int-mm"),
              Sample((I((2, 3, 4), low=-3), I((4,), low=-3)), name="int-batch-vec"),
              Sample((I((3,), dtype="int32"), I((3,), dtype="int32")), name="int32-dot")],
             dtypes=("float32",), grad=False, variant="int"),
    OpRecord("__matmul__", lambda a, b: a @ b, lambda a, b: a @ b, MATMUL_SAMPLES[:4],
             second_order=True, jvp=True),
    OpRecord("__rmatmul__", lambda a, b: b.__rmatmul__(a), lambda a, b: b.__rmatmul__(a),
             MATMUL_SAMPLES[1:3], jvp=True),
    OpRecord("mm", ember.mm, torch.mm,
             [Sample((T((3, 4)), T((4, 5)))), Sample((T((0, 4)), T((4, 2))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3, 3)), T((3, 2))), {}, RuntimeError,
                                r"mm: input must be a matrix \(2-D\), got shape \(2, 3, 3\)"),
                     ErrorInput((T((2, 3)), T((4, 2))), {}, RuntimeError,
                                r"mm: cannot multiply \(2, 3\) by \(4, 2\)")]),
    OpRecord("bmm", ember.bmm, torch.bmm,
             [Sample((T((2, 3, 4)), T((2, 4, 5)))), Sample((T((0, 3, 4)), T((0, 4, 2))),
                                                             name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((2, 3, 4))), {}, RuntimeError,
                                r"bmm: input must be a 3-D tensor, got shape \(2, 3\)"),
                     ErrorInput((T((2, 2, 3)), T((3, 3, 2))), {}, RuntimeError,
                                r"bmm: expected mat2 of shape \(2, 3, \*\)")]),
    OpRecord("dot", ember.dot, torch.dot, [Sample((T((5,)), T((5,)))),
                                           Sample((T((0,)), T((0,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((3,))), {}, RuntimeError,
                                r"dot: 1-D tensors expected, got shapes \(2, 3\) and \(3,\)"),
                     ErrorInput((T((2,)), T((3,))), {}, RuntimeError,
                                "dot: inconsistent tensor size.*got 2 and 3")]),
    OpRecord("vdot", ember.vdot, torch.vdot, [Sample((T((5,)), T((5,))))],
             second_order=True, jvp=True),
    OpRecord("outer", ember.outer, torch.outer,
             [Sample((T((3,)), T((4,)))), Sample((T((0,)), T((2,))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3)), T((3,))), {}, RuntimeError,
                                "outer: 1-D tensors expected")]),
    OpRecord("ger", ember.ger, torch.ger, [Sample((T((3,)), T((4,))))]),
    OpRecord("addmm", ember.addmm, torch.addmm,
             [Sample((T((3, 5)), T((3, 4)), T((4, 5)))),
              Sample((T((5,)), T((3, 4)), T((4, 5))), name="broadcast"),
              Sample((T(()), T((3, 4)), T((4, 5))), name="0d"),
              Sample((T((1, 5)), T((3, 4)), T((4, 5))), {"beta": 0.5, "alpha": -2.0},
                     name="scaled"),
              Sample((T((3, 5)), T((3, 4)), T((4, 5))), {"beta": 0}, name="beta0"),
              Sample((T((0, 2)), T((0, 3)), T((3, 2))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 2)), T((3, 4)), T((4, 5))), {}, RuntimeError,
                                r"addmm: shapes \(2, 2\), \(3, 5\) are not broadcastable")]),
    OpRecord("baddbmm", ember.baddbmm, torch.baddbmm,
             [Sample((T((2, 3, 5)), T((2, 3, 4)), T((2, 4, 5)))),
              Sample((T((5,)), T((2, 3, 4)), T((2, 4, 5))), {"beta": 2.0, "alpha": 0.5},
                     name="broadcast")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3, 5)), T((3, 4)), T((4, 5))), {}, RuntimeError,
                                "bmm: input must be a 3-D tensor")]),
    OpRecord("addmv", ember.addmv, torch.addmv,
             [Sample((T((3,)), T((3, 4)), T((4,)))),
              Sample((T(()), T((3, 4)), T((4,))), {"beta": 0.5, "alpha": 2.0}, name="0d")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((3,)), T((3, 4)), T((3,))), {}, RuntimeError,
                                r"addmv: cannot multiply \(3, 4\) by \(3,\)")]),
]


def _einsum(eq):
    return (lambda *ops: ember.einsum(eq, *ops)), (lambda *ops: torch.einsum(eq, *ops))


def _einsum_record(eq, samples, variant, **kw):
    e, t = _einsum(eq)
    return OpRecord("einsum", e, t, samples, second_order=True, jvp=True, variant=variant, **kw)


RECORDS += [
    _einsum_record("ij,jk->ik", [Sample((T((3, 4)), T((4, 5)))),
                                 Sample((T((0, 4)), T((4, 2))), name="empty")], "mm",
                   errors=[ErrorInput((T((2, 3)), T((4, 4))), {}, RuntimeError,
                                      r"einsum: subscript j has size 4 for operand 1 .* "
                                      r"previously seen size 3"),
                           ErrorInput((T((2, 3)),), {}, ValueError,
                                      r"einsum: fewer operands \(1\) were provided")]),
    _einsum_record("bij,bjk", [Sample((T((2, 3, 4)), T((2, 4, 5))))], "bmm-implicit"),
    _einsum_record("...ij,...jk->...ik", [Sample((T((2, 1, 3, 4)), T((5, 4, 2))))],
                   "ellipsis-broadcast"),
    _einsum_record("ii->i", [Sample((T((4, 4)),))], "diagonal"),
    _einsum_record("ii", [Sample((T((4, 4)),))], "trace"),
    _einsum_record("ij->", [Sample((T((3, 4)),)), Sample((T((0, 4)),), name="empty")], "sum",
                   errors=[ErrorInput((T((2, 3, 4)),), {}, ValueError,
                                      r"einsum: the number of subscripts in 'ij' \(2\) does not "
                                      r"match the number of dimensions \(3\)")]),
    _einsum_record("ij->ji", [Sample((T((3, 4)),))], "transpose"),
    _einsum_record("i,j->ij", [Sample((T((3,)), T((4,))))], "outer"),
    _einsum_record(",i->i", [Sample((T(()), T((4,))))], "0d"),
    _einsum_record("bi,bj->ij", [Sample((T((1, 3)), T((2, 4))))], "size1-broadcast"),
    _einsum_record("ij,jk,kl->il", [Sample((T((2, 3)), T((3, 4)), T((4, 2))))], "chain"),
    _einsum_record("iij,jk->ik", [Sample((T((3, 3, 2)), T((2, 4))))], "repeat-with-other"),
    _einsum_record("Ab,bA->", [Sample((T((2, 3)), T((3, 2))))], "upper"),
    _einsum_record("i...,...j->...ij", [Sample((T((2, 3)), T((3, 4))))], "ellipsis-mid"),
    OpRecord("einsum", lambda a, b: ember.einsum("ij,jk", [a, b]),
             lambda a, b: torch.einsum("ij,jk", [a, b]), [Sample((T((2, 3)), T((3, 4))))],
             variant="list"),
    OpRecord("einsum", lambda a, b: ember.einsum("ij,jk", a, b),
             lambda a, b: torch.einsum("ij,jk", a, b),
             [Sample((I((2, 3)), I((3, 4))))], dtypes=("float32",), grad=False, variant="int"),
    OpRecord("tensordot", ember.tensordot, torch.tensordot,
             [Sample((T((2, 3, 4)), T((3, 4, 5))), name="int"),
              Sample((T((2, 3, 4)), T((4, 3, 5))), {"dims": ([1, 2], [1, 0])}, name="lists"),
              Sample((T((2, 3)), T((4,))), {"dims": 0}, name="outer"),
              Sample((T((2, 0)), T((0, 3))), {"dims": 1}, name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 3, 4)), T((4, 4, 5))), {"dims": ([1], [0])}, RuntimeError,
                                r"tensordot: contracted dimensions need to match, but first has "
                                r"size 3 in dim 1 and second has size 4 in dim 0"),
                     ErrorInput((T((2, 3, 4)), T((3, 4, 5))), {"dims": ([1], [0, 1])},
                                RuntimeError, "tensordot: both dimension lists")]),
    OpRecord("kron", ember.kron, torch.kron,
             [Sample((T((2, 3)), T((4, 2)))), Sample((T((2, 3)), T((4,))), name="rank"),
              Sample((T(()), T((3,))), name="0d"), Sample((T((0, 2)), T((2, 2))), name="empty")],
             second_order=True, jvp=True,
             errors=[ErrorInput((T((2,)), 3.0), {}, TypeError, "kron: expected Tensor")]),
]
