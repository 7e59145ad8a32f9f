"""Sums of matrix products over shifted windows of one matrix: the products of a
convolution computed on the flattened, zero-padded image (``nn/functional/_conv_shift.py``).

A stride-1 convolution reads, for kernel tap ``k``, the padded image shifted by a fixed
offset ``off[k]`` along its flattened positions. With the image stored channel-first and
flattened, ``(C, positions)``, that shifted image is a plain 2-D slice
``src[:, off[k]:off[k] + length]`` (unit column stride, the matrix's own row stride), which
BLAS reads directly: no column matrix is built. The two products here are

* :func:`shifted_matmul`: ``out = sum_k a[k] @ src[:, off[k]:off[k] + length]``, the
  output (or ``out.T``) over ``length`` positions (the forward and the input gradient);
* :func:`shifted_matmul_weight`: ``out[k] (+)= a[:, :length] @ src[:, off[k]:...].T``, one
  ``(M, C)`` block per tap (the weight gradient).

The generic versions use the arrays' own ``@`` (any backend's arrays); with MKL the taps
accumulate in place through GEMM's ``beta = 1``, with every pointer computed once per
call. Both check that every window lies inside ``src`` and that ``out`` overlaps no input
before anything is read.

>>> import numpy as np
>>> src = np.arange(8.0).reshape(1, 8)
>>> out = np.empty((1, 4))
>>> shifted_matmul(np.ones((2, 1, 1)), src, (0, 1), 4, out).tolist()  # x[p] + x[p + 1]
[[1.0, 3.0, 5.0, 7.0]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _mkl


def fast_for(x) -> bool:
    """Whether the products of arrays like ``x`` run on MKL here (else the generic loop,
    with one extra pass per tap, is slower than building a column matrix)."""
    return _mkl.ENABLED and type(x) is np.ndarray and x.dtype.char in "fd"


def _check(op: str, src, offsets: tuple, length: int, out, a,
           shapes_agree: Callable[[], bool], shapes: Callable[[], str]) -> None:
    """Raise ``ValueError`` unless ``out`` overlaps no input, every window lies inside the
    2-D ``src`` and ``shapes_agree()`` (else ``shapes()`` says how they disagree)."""
    if _overlap(out, src) or _overlap(out, a):
        raise ValueError(f"{op}: out must not overlap the inputs")
    if src.ndim != 2:
        raise ValueError(f"{op}: expected a 2-D source, got shape {tuple(src.shape)}")
    if length < 0 or not offsets or min(offsets) < 0 or max(offsets) + length > src.shape[1]:
        raise ValueError(f"{op}: windows at offsets {min(offsets, default=0)}..."
                         f"{max(offsets, default=0)} of length {length} do not fit a "
                         f"source of {src.shape[1]} positions")
    if not shapes_agree():
        raise ValueError(f"{op}: {shapes()}")


def shifted_matmul(a, src, offsets: tuple, length: int, out, transpose_out: bool = False):
    """``out (M, length) = sum_k a[k] (M, C) @ src[:, off_k:off_k + length]``, or into
    ``out (length, M)`` (the transposed result) with ``transpose_out``; returns ``out``."""
    taps, rows, inner = a.shape if a.ndim == 3 else (0, 0, 0)
    expect = (length, rows) if transpose_out else (rows, length)
    _check("shifted_matmul", src, offsets, length, out, a,
           lambda: (a.ndim == 3 and len(offsets) == taps and src.shape[0] == inner
                    and tuple(out.shape) == expect),
           lambda: (f"taps {tuple(a.shape)}, source {tuple(src.shape)}, {len(offsets)} "
                    f"offsets and out {tuple(out.shape)} do not agree (expected out "
                    f"{expect})"))
    if not _mkl_shifted(a, src, offsets, length, out, transpose_out):
        for k, off in enumerate(offsets):
            term = a[k] @ src[:, off:off + length]
            if transpose_out:
                term = term.T
            if k:
                out += term
            else:
                out[...] = term
    return out


def shifted_matmul_weight(a, src, offsets: tuple, length: int, out, accumulate: bool):
    """``out[k] (M, C) (+)= a[:, :length] @ src[:, off_k:off_k + length].T`` for every tap
    ``k`` (added to ``out`` with ``accumulate``, else written); returns ``out``."""
    _check("shifted_matmul_weight", src, offsets, length, out, a,
           lambda: (a.ndim == 2 and a.shape[1] >= length
                    and tuple(out.shape) == (len(offsets), a.shape[0], src.shape[0])),
           lambda: (f"left {tuple(a.shape)}, source {tuple(src.shape)}, {len(offsets)} "
                    f"offsets and out {tuple(out.shape)} do not agree"))
    if not _mkl_shifted_weight(a, src, offsets, length, out, accumulate):
        left = a[:, :length]
        for k, off in enumerate(offsets):
            term = left @ src[:, off:off + length].T
            if accumulate:
                out[k] += term
            else:
                out[k] = term
    return out


def _overlap(x, y) -> bool:
    return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and np.may_share_memory(x, y)


def _row_major(x, itemsize: int) -> int | None:
    """The row stride in elements of a 2-D array with unit column stride (a leading dimension
    BLAS's 32-bit integers can hold), else None."""
    operand = _mkl._operand(x, itemsize)
    if operand is None or operand[0] != _mkl._NO_TRANS or operand[1] > _mkl._INT32_MAX:
        return None
    return operand[1]


def _blas_plan(out, contiguous, strided: tuple, length: int) -> tuple | None:
    """``(gemm, leading dims of strided)`` when MKL can take the products: one float dtype,
    ``contiguous`` C-contiguous, each of ``strided`` a row-major matrix, ``out`` writeable
    and something to compute; else None (the generic loop runs)."""
    if (length == 0 or not out.flags.writeable or not _blas_ready(contiguous, *strided)
            or not contiguous.flags.c_contiguous):
        return None
    lds = tuple(_row_major(x, x.itemsize) for x in strided)
    return None if None in lds else (_mkl._gemm[contiguous.dtype.char], lds)


def _blas_ready(*arrays) -> bool:
    dtype = arrays[0].dtype
    return (_mkl.ENABLED and isinstance(arrays[0], np.ndarray) and dtype.char in "fd"
            and dtype.isnative and all(type(x) is np.ndarray and x.dtype == dtype
                                       for x in arrays)
            and max(max(x.shape) for x in arrays) < _mkl._INT32_MAX)


def _mkl_shifted(a, src, offsets, length, out, transpose_out) -> bool:
    plan = _blas_plan(out, a, (src, out), length)
    if plan is None:
        return False
    gemm, (ld_src, ld_out) = plan
    size, (rows, inner) = a.itemsize, a.shape[1:]
    a_ptr, src_ptr, out_ptr = a.ctypes.data, src.ctypes.data, out.ctypes.data
    no, yes = _mkl._NO_TRANS, _mkl._TRANS
    for k, off in enumerate(offsets):
        beta = 1.0 if k else 0.0
        a_k, src_k = a_ptr + k * rows * inner * size, src_ptr + off * size
        if transpose_out:  # out (length, M) = src_k.T (length, C) @ a[k].T (C, M)
            gemm(_mkl._ROW_MAJOR, yes, yes, length, rows, inner, 1.0, src_k, ld_src, a_k,
                 inner, beta, out_ptr, ld_out)
        else:  # out (M, length) = a[k] (M, C) @ src_k (C, length)
            gemm(_mkl._ROW_MAJOR, no, no, rows, length, inner, 1.0, a_k, inner, src_k,
                 ld_src, beta, out_ptr, ld_out)
    return True


def _mkl_shifted_weight(a, src, offsets, length, out, accumulate) -> bool:
    plan = _blas_plan(out, out, (a, src), length)
    if plan is None:
        return False
    gemm, (ld_a, ld_src) = plan
    size, rows, inner = a.itemsize, a.shape[0], src.shape[0]
    beta = 1.0 if accumulate else 0.0
    a_ptr, src_ptr, out_ptr = a.ctypes.data, src.ctypes.data, out.ctypes.data
    for k, off in enumerate(offsets):  # out[k] (M, C) = a (M, length) @ src_k.T (length, C)
        gemm(_mkl._ROW_MAJOR, _mkl._NO_TRANS, _mkl._TRANS, rows, inner, length, 1.0, a_ptr,
             ld_a, src_ptr + off * size, ld_src, beta, out_ptr + k * rows * inner * size,
             inner)
    return True


__all__ = ["fast_for", "shifted_matmul", "shifted_matmul_weight"]
