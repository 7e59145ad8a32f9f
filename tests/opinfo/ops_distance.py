"""Records for ``pdist`` (ember/ops/distance.py; ``cdist`` and ``dist`` are in
ops_linalg_more.py)."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

INF = float("inf")


def _rec(name, samples, errors=(), variant="", ember_fn=None, torch_fn=None, **kw):
    return OpRecord(name, ember_fn or getattr(ember, name), torch_fn or getattr(torch, name),
                    samples, errors=list(errors), variant=variant, **kw)


def _with_copy(lib, p):
    """pdist of ``x`` with its first row repeated: one distance is exactly 0."""
    return lambda x: lib.pdist(lib.cat([x, x[:1]]), p)


def _with_ties(lib):
    """pdist of ``x`` and ``x + [1, -1, 1]``: pairs whose |differences| all tie at 1."""
    def run(x):
        shift = lib.tensor([1.0, -1.0, 1.0], dtype=x.dtype)
        return lib.pdist(lib.cat([x, x + shift]), INF)

    return run


PDIST = [
    Sample((T((5, 3)),), name="2"),
    *[Sample((T((4, 3)), p), name=f"p{p}") for p in (0, 0.5, 1, 1.5, 3, INF)],
    Sample((T((4, 3)),), {"p": 2.5}, name="p-kw"),
    Sample((T((1, 3)),), name="one-row"),
    Sample((T((3, 0)),), name="no-cols"),
]

PDIST_ERRORS = [
    ErrorInput((T((3,)),), {}, RuntimeError, r"pdist: only supports 2D tensors, got input of "
               r"shape \(3,\) \(1D\)"),
    ErrorInput((T((2, 3, 4)),), {}, RuntimeError, "pdist: only supports 2D tensors"),
    ErrorInput((I((3, 2)),), {}, RuntimeError,
               "pdist: only supports floating-point dtypes, got int64"),
    ErrorInput((T((3, 2)), -1.0), {}, RuntimeError,
               "pdist: only supports non-negative p values, got p=-1.0"),
]

RECORDS = [
    # PyTorch's pdist has no double backward or forward mode; ember's is a composition
    # (checked against finite differences only).
    _rec("pdist", PDIST, PDIST_ERRORS, second_order=True, jvp=True),
    # no rows: PyTorch's backward crashes the process there, so only values are compared
    _rec("pdist", [Sample((T((0, 3)),))], variant="no-rows", grad=False, fd=False),
    _rec("pdist", PDIST[:2], variant="functional", ember_fn=ember.nn.functional.pdist,
         torch_fn=torch.nn.functional.pdist),
    # Zero distances and tied maxima are kinks (no finite differences there): the gradient
    # is compared with PyTorch's (0 at zero distance; p=inf: sign at *every* tied element).
    *[_rec("pdist", [Sample((T((4, 3)),))], variant=f"zero-distance-p{p}", fd=False,
           ember_fn=_with_copy(ember, p), torch_fn=_with_copy(torch, p))
      for p in (0, 0.5, 1, 2, 3, INF)],
    _rec("pdist", [Sample((T((3, 3), low=-0.4, high=0.4),))], variant="inf-ties", fd=False,
         ember_fn=_with_ties(ember), torch_fn=_with_ties(torch)),
]
