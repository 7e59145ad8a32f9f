"""Records for the norms in ember/ops/decomp_norm.py."""

import torch

import ember

from .core import ErrorInput, I, OpRecord, Sample, T

INF = float("inf")


def _zero_column(lib):
    """``vector_norm(x, p)`` of ``x`` (3 columns) with its first column zeroed by a product,
    so the gradient passes through the zero elements."""
    return lambda x, p: lib.linalg.vector_norm(x * lib.tensor([0.0, 1.0, 1.0], dtype=x.dtype), p)


def _vn(lib):
    return lib.linalg.vector_norm


VECTOR = [
    Sample((T((3, 4)),), name="all"),
    Sample((T((3, 4)),), {"dim": 1}, name="dim"),
    Sample((T((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, name="dims-keep"),
    Sample((T(()),), name="0d"),
    Sample((T((0, 3)),), {"dim": 0}, name="empty"),
]

RECORDS = [
    OpRecord("linalg.vector_norm", _vn(ember), _vn(torch), VECTOR, second_order=True, jvp=True,
             errors=[ErrorInput((I((3,)),), {}, RuntimeError,
                                "linalg.vector_norm: expected a floating point tensor as "
                                "input, got int64"),
                     ErrorInput((T((0, 3)),), {"ord": INF, "dim": 0}, RuntimeError,
                                "linalg.vector_norm: cannot compute the inf norm of an empty")]),
    OpRecord("linalg.vector_norm", _vn(ember), _vn(torch),
             [Sample((T((3, 4)), 3), name="3"), Sample((T((3, 4)), 1, 1), name="1"),
              Sample((T((3, 4)), 0.5, (0, 1)), name="half", ),
              Sample((T((3, 4)), INF, 0), name="inf"), Sample((T((3, 4)), -INF), name="-inf"),
              Sample((T((3, 4)), 0, 1), name="0")],
             second_order=True, jvp=True, variant="ord"),
    OpRecord("linalg.vector_norm", lambda x: ember.linalg.vector_norm(x * 0),
             lambda x: torch.linalg.vector_norm(x * 0), [Sample((T((3,)),))],
             variant="zero"),
    # Zero elements: |x|^(ord-1) is inf there for ord < 1, yet the gradient is 0 (and for
    # ord < 0 the norm itself is 0, with a zero gradient everywhere), as in PyTorch.
    OpRecord("linalg.vector_norm", _zero_column(ember), _zero_column(torch),
             [Sample((T((2, 3)), p), name=f"p{p}") for p in (0.5, 3.0, -1.0, -2.5)],
             second_order=True, jvp=True, variant="zero-elements"),
    OpRecord("linalg.vector_norm", lambda x: ember.linalg.vector_norm(x, dtype=ember.float64),
             lambda x: torch.linalg.vector_norm(x, dtype=torch.float64),
             [Sample((T((3, 4)),), name="dtype")],
             dtypes=("float32",), grad=False, variant="dtype"),
    OpRecord("linalg.matrix_norm", ember.linalg.matrix_norm, torch.linalg.matrix_norm,
             [Sample((T((3, 4)),), name="fro"), Sample((T((2, 3, 4)), "nuc"), name="nuc"),
              Sample((T((3, 4)), 1), name="1"), Sample((T((3, 4)), -1), name="-1"),
              Sample((T((2, 3, 4)), INF), name="inf"), Sample((T((3, 4)), -INF), name="-inf"),
              Sample((T((3, 4)), 2), name="2"), Sample((T((2, 4, 3)), -2), name="-2"),
              Sample((T((3, 2, 4)), "fro", (0, 2), True), name="dims-keep"),
              Sample((T((3, 2, 4)), "nuc", (2, 0), True), name="nuc-dims-keep"),
              Sample((T((3, 2, 4)), 1, (2, 0)), name="1-dims")],
             second_order=True,
             errors=[ErrorInput((T((3,)),), {}, RuntimeError,
                                "linalg.matrix_norm: the input tensor A must have at least 2"),
                     ErrorInput((T((3, 3)), 3), {}, RuntimeError,
                                "linalg.matrix_norm: order 3 not supported")]),
    OpRecord("linalg.norm", ember.linalg.norm, torch.linalg.norm,
             [Sample((T((2, 3, 4)),), name="flat"), Sample((T((3, 4)), 1), name="matrix-ord"),
              Sample((T((4,)), 3), name="vector-ord"),
              Sample((T((2, 3, 4)), None, (1, 2)), name="matrix-dims"),
              Sample((T((2, 3, 4)), INF, 1), name="vector-dim")],
             second_order=True,
             errors=[ErrorInput((T((2, 3, 4)), 2), {}, RuntimeError,
                                "linalg.norm: if dim is not specified but ord is, the input "
                                "must be 1-D or 2-D, got 3-D")]),
]
