"""Records for the factorizations in ember/ops/decomp_factor.py.

Factors are unique only up to the sign of each column (QR, SVD, eigh), so the records
compare sign-fixed factors: each column scaled by the sign of one of its entries. The sign
is piecewise constant (zero gradient), so gradients of the fixed factors are compared too.
Inputs have distinct singular values/eigenvalues (random), where the gradients exist.
"""

import torch

import ember

from .core import ErrorInput, OpRecord, Sample, T


def _sign_fix_qr(Q, R):
    d = R.diagonal(dim1=-2, dim2=-1).sign()
    return Q * d.unsqueeze(-2), R * d.unsqueeze(-1)


def _qr(lib, mode="reduced"):
    return lambda a: _sign_fix_qr(*lib.linalg.qr(a, mode=mode))


def _svd(lib, full_matrices=False):
    def fn(a):
        U, S, Vh = lib.linalg.svd(a, full_matrices=full_matrices)
        k = S.shape[-1]
        U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)  # the part fixed by A
        d = U.narrow(-2, 0, 1).sign()  # sign of each column's first entry
        return U * d, S, Vh * d.mT
    return fn


def _eigh(lib, UPLO="L"):
    def fn(a):
        L, V = lib.linalg.eigh(a + a.mT, UPLO=UPLO)  # symmetric, so both triangles agree
        return L, V * V.narrow(-2, 0, 1).sign()
    return fn


def _shifted(lib, fn_name, **kw):
    """A full-rank rectangular input: a plus ones on its main diagonal band."""
    def fn(a, *rest):
        m, n = a.shape[-2:]
        return getattr(lib.linalg, fn_name)(a + 3 * lib.eye(m, n, dtype=a.dtype), *rest, **kw)
    return fn


RECT = [Sample((T((3, 3)),), name="square"), Sample((T((5, 3)),), name="tall"),
        Sample((T((2, 4, 3)),), name="batched")]

RECORDS = [
    OpRecord("linalg.qr", _qr(ember), _qr(torch), RECT, second_order=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                "linalg.qr: the input tensor A must have at least 2 dimensions")]),
    OpRecord("linalg.qr", _qr(ember, "complete"), _qr(torch, "complete"),
             [Sample((T((3, 3)),)), Sample((T((2, 4, 4)),), name="batched")],
             variant="complete"),
    OpRecord("linalg.qr", lambda a: ember.linalg.qr(a, mode="r").R.abs(),
             lambda a: torch.linalg.qr(a, mode="r").R.abs(), [Sample((T((5, 3)),))],
             grad=False, variant="r"),
    OpRecord("linalg.qr", ember.linalg.qr, torch.linalg.qr, [], variant="raw",
             errors=[ErrorInput((T((3, 3)),), {"mode": "full"}, RuntimeError,
                                "linalg.qr: qr received unrecognized mode 'full'")]),
    OpRecord("linalg.svd", _svd(ember), _svd(torch),
             RECT + [Sample((T((3, 5)),), name="wide")], second_order=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError, "linalg.svd: the input tensor")]),
    OpRecord("linalg.svd", _svd(ember, True), _svd(torch, True),
             [Sample((T((3, 3)),)), Sample((T((4, 3)),), name="tall"),
              Sample((T((2, 3, 4)),), name="wide")], variant="full"),
    OpRecord("linalg.svdvals", ember.linalg.svdvals, torch.linalg.svdvals,
             RECT + [Sample((T((0, 3, 2)),), name="empty")], second_order=True),
    OpRecord("linalg.eigh", _eigh(ember), _eigh(torch),
             [Sample((T((3, 3)),)), Sample((T((2, 4, 4)),), name="batched")], second_order=True),
    OpRecord("linalg.eigh", ember.linalg.eigh, torch.linalg.eigh, [], variant="raw",
             errors=[ErrorInput((T((2, 3)),), {}, RuntimeError,
                                "linalg.eigh: A must be batches of square matrices")]),
    OpRecord("linalg.eigh", _eigh(ember, "U"), _eigh(torch, "U"), [Sample((T((3, 3)),))],
             variant="upper"),
    OpRecord("linalg.eigvalsh", lambda a: ember.linalg.eigvalsh(a + a.mT),
             lambda a: torch.linalg.eigvalsh(a + a.mT), [Sample((T((2, 4, 4)),))],
             second_order=True),
    OpRecord("linalg.pinv", _shifted(ember, "pinv"), _shifted(torch, "pinv"),
             RECT + [Sample((T((3, 5)),), name="wide")], second_order=True),
    OpRecord("linalg.pinv", ember.linalg.pinv, torch.linalg.pinv,
             [Sample((T((3, 1)),), name="column")], variant="raw",
             errors=[ErrorInput((T((3,)),), {}, RuntimeError, "linalg.pinv: the input tensor")]),
    # PyTorch's empty residuals tensor requires grad; ember's does not: compare the fields
    # for values, and differentiate the solution.
    OpRecord("linalg.lstsq", _shifted(ember, "lstsq"), _shifted(torch, "lstsq"),
             [Sample((T((5, 3)), T((5, 2))), name="tall"),
              Sample((T((2, 5, 3)), T((2, 5, 1))), name="batched")], grad=False),
    OpRecord("linalg.lstsq", lambda a, b: _shifted(ember, "lstsq")(a, b).solution,
             lambda a, b: _shifted(torch, "lstsq")(a, b).solution,
             [Sample((T((5, 3)), T((5, 2))), name="tall"),
              Sample((T((5, 3)), T((5,))), name="vector"),
              Sample((T((2, 5, 3)), T((2, 5, 1))), name="batched")], second_order=True,
             variant="solution"),
    OpRecord("linalg.lstsq", _shifted(ember, "lstsq", driver="gelsd"),
             _shifted(torch, "lstsq", driver="gelsd"),
             [Sample((T((5, 3)), T((5, 2))), name="tall")], variant="gelsd", grad=False,
             errors=[ErrorInput((T((5, 3)), T((4, 2))), {}, RuntimeError,
                                "linalg.lstsq: A and B must have the same number of rows")]),
]
