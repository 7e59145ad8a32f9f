"""Wrappers of the fused LSTM recurrence, softmax and cross-entropy kernels (see
``_numba_math``), on the same terms as those in ``_numba``: each returns
its result, or None to let the op run its NumPy code.
"""

from __future__ import annotations

import numpy as np

from . import _mkl
from . import _numba as _base


def _same_float(dtypes: str, *arrays) -> bool:
    """All of ``arrays`` share one native dtype among ``dtypes`` (NumPy type chars)."""
    dtype = arrays[0].dtype
    return (dtype.char in dtypes and dtype.isnative
            and all(a.dtype == dtype for a in arrays[1:]))


# At most this many parts: each packs its own copy of W_hh (MKL's packed size is at least
# ~8 MB), so memory grows with them.
MAX_LSTM_PARTS = 8


def _lstm_parts(batch: int) -> int:
    """Threads for an LSTM recurrence: each takes a block of at least 8 batch rows. (Called
    after ``_kernel``, which declines when numba cannot be imported.)"""
    from numba import get_num_threads

    return max(1, min(get_num_threads(), batch // 8, MAX_LSTM_PARTS))


def _lstm_ok(blas_operands: tuple, others: tuple) -> bool:
    """float32 throughout; the arrays handed to BLAS C-contiguous."""
    return (_base.ENABLED and _same_float("f", *blas_operands, *others)
            and all(a.flags.c_contiguous and a.size for a in blas_operands))


def _lstm_shapes_agree(acts, w_hh, gates_like: tuple, state_like: tuple, steps_extra: tuple,
                       bias=None) -> bool:
    """The shapes the kernels index by: ``acts`` (T, B, 4H), ``w_hh`` (4H, H), each of
    ``gates_like`` as ``acts``, ``state_like`` (T, B, H), ``steps_extra`` (T+1, B, H) or
    (B, H) when 2-D, and ``bias`` (4H,) when given. The kernels do no bounds checks:
    anything else declines."""
    if acts.ndim != 3:
        return False
    steps, batch, gates = acts.shape
    hidden = gates // 4
    if (gates != 4 * hidden or w_hh.shape != (gates, hidden)
            or (bias is not None and bias.shape != (gates,))):
        return False
    return (all(a.shape == acts.shape for a in gates_like)
            and all(a.shape == (steps, batch, hidden) for a in state_like)
            and all(a.shape == ((steps + 1, batch, hidden) if a.ndim == 3 else (batch, hidden))
                    for a in steps_extra))


def _lstm_run(name: str, args: tuple, batch: int, n: int, k: int) -> None:
    """Run an LSTM recurrence kernel with MKL's packed products: one packed copy of the
    (k, n) weight per part, in 64-byte aligned scratch memory."""
    kernel = _base._kernel(name)  # first: declines if numba cannot be used
    parts = _lstm_parts(batch)
    stride = max(_mkl.packed_size(rows, n, k) for rows in {batch // parts, -(-batch // parts)})
    stride = -(-stride // 64) * 64
    scratch = np.empty(parts * stride + 64, np.uint8)
    base = scratch.ctypes.data
    base += -base % 64
    functions = _mkl.kernel_functions()
    kernel(functions.pack, functions.compute, functions.set_threads, *args, parts, base,
           stride)


@_base._declines_if_unusable
def lstm_forward(xproj, bias, w_hh, acts, hs, cs, tcs, reverse: bool) -> bool | None:
    """The recurrence of one LSTM direction, float32, products through MKL (see
    ``_numba_math.lstm_forward_kernel`` for the arrays). True when done."""
    if (_mkl.kernel_functions() is None
            or not _lstm_ok((w_hh, acts, hs), (xproj, bias, cs, tcs))
            or not _lstm_shapes_agree(acts, w_hh, (xproj,), (tcs,), (hs, cs), bias)):
        return None
    hidden = w_hh.shape[1]
    _lstm_run("lstm_forward", (xproj, np.ascontiguousarray(bias), w_hh, acts, hs, cs, tcs,
                               bool(reverse)), acts.shape[1], 4 * hidden, hidden)
    return True


@_base._declines_if_unusable
def lstm_infer(xproj, bias, w_hh, hs, c, reverse: bool) -> bool | None:
    """:func:`lstm_forward` without the activation and cell-state history (inference):
    fills ``hs`` (T+1, B, H; the initial state in its slot) and updates ``c`` (B, H) in
    place to the last cell state. True when done."""
    if (_mkl.kernel_functions() is None or not _lstm_ok((w_hh, hs, c), (xproj, bias))
            or not _lstm_shapes_agree(xproj, w_hh, (), (), (hs, c), bias)):
        return None
    hidden = w_hh.shape[1]
    _lstm_run("lstm_infer", (xproj, np.ascontiguousarray(bias), w_hh, hs, c, bool(reverse)),
              xproj.shape[1], 4 * hidden, hidden)
    return True


@_base._declines_if_unusable
def lstm_backward(g_out, w_hh, acts, cs, tcs, dh, dc, d_gates, reverse: bool) -> bool | None:
    """The reverse recurrence of :func:`lstm_forward`, in place on ``dh`` and ``dc``;
    writes ``d_gates`` (see ``_numba_math.lstm_backward_kernel``). True when done."""
    if (_mkl.kernel_functions() is None
            or not _lstm_ok((w_hh, dh, d_gates), (g_out, acts, cs, tcs, dc))
            or not _lstm_shapes_agree(acts, w_hh, (d_gates,), (g_out, tcs), (cs, dh, dc))):
        return None
    hidden = w_hh.shape[1]
    _lstm_run("lstm_backward", (g_out, w_hh, acts, cs, tcs, dh, dc, d_gates, bool(reverse)),
              acts.shape[1], hidden, 4 * hidden)
    return True


def _stats_ok(x) -> bool:
    return (_base.ENABLED and x.ndim == 2 and x.size > 0 and _same_float("f", x)
            and x.flags.c_contiguous)


@_base._declines_if_unusable
def softmax_xent_forward(x: np.ndarray, target: np.ndarray, ignore_index: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
    """The cross entropy of float32 logits ``x`` (N, C) and int64 class indices ``target``
    (N,): ``(shift, logsum, loss, count)``, each row's max (0 where not finite),
    ``log(sum(exp(x - shift)))`` and loss (0 where the target is ``ignore_index``, NaN
    where it is out of range, a row that still counts), and the number of rows not ignored;
    or None to let NumPy do it."""
    if (not _stats_ok(x) or target.dtype != np.int64 or target.shape != x.shape[:1]
            or type(ignore_index) is not int or not -(1 << 63) <= ignore_index < 1 << 63):
        return None
    shift = np.empty(x.shape[0], x.dtype)
    logsum, loss = np.empty_like(shift), np.empty_like(shift)
    target = np.ascontiguousarray(target)  # one compiled layout
    kernel = _base._sized_kernel("softmax_xent_forward", x)
    count = kernel(x, target, ignore_index, shift, logsum, loss)
    return shift, logsum, loss, int(count)


@_base._declines_if_unusable
def softmax_xent_backward(x, shift, logsum, target, weight) -> np.ndarray | None:
    """``(softmax(x) - onehot(target)) * weight[:, None]`` from :func:`softmax_xent_forward`'s
    results (``target`` in range), or None to let NumPy do it."""
    if not _stats_ok(x) or not _same_float("f", x, shift, logsum, weight):
        return None
    out = np.empty_like(x)
    _base._sized_kernel("softmax_xent_backward", x)(x, shift, logsum, target, weight, out)
    return out


@_base._declines_if_unusable
def softmax_rows(x: np.ndarray, scale: float = 1.0) -> np.ndarray | None:
    """Softmax of float32 ``scale * x`` (``scale`` > 0) over its last dim into a new array,
    or None to let NumPy do it. (Not in place: with its output aliasing its input LLVM keeps
    the loops scalar, 5x slower.)"""
    if (not _base.ENABLED or x.size < _base.MIN_ELEMENTS or not _same_float("f", x)
            or not x.flags.c_contiguous or x.shape[-1] == 0 or not scale > 0):
        return None
    out = np.empty_like(x)
    width = x.shape[-1]
    _base._kernel("softmax_rows")(x.reshape(-1, width), np.float32(scale),
                                  out.reshape(-1, width))
    return out


_INT32_MAX = _mkl._INT32_MAX
_ONE32, _ZERO32 = np.float32(1.0), np.float32(0.0)


@_base._declines_if_unusable
def gemm(trans_a: int, trans_b: int, m: int, n: int, k: int, a, lda: int, b, ldb: int, out,
         ldc: int) -> bool | None:
    """``out = a @ b`` through MKL's ``cblas_?gemm`` called from compiled code (row-major,
    CBLAS transpose flags and leading dimensions as ``_mkl.matmul`` works them out); True
    when done, None to make the ctypes call instead."""
    functions = _mkl.kernel_functions()
    if not _base.ENABLED or functions is None:
        return None
    call, one, zero = ((functions.gemm, _ONE32, _ZERO32) if out.dtype.char == "f"
                       else (functions.dgemm, 1.0, 0.0))
    _base._kernel("gemm")(call, trans_a, trans_b, m, n, k, one, a, lda, b, ldb, zero, out, ldc)
    return True


_mkl.compiled_gemm = gemm  # _mkl.matmul's 2-D products come here first


def _matrices(x):
    """``x`` (..., rows, cols) as a 4-D view ``(B1, B2, rows, cols)``, or None when it has
    more than two batch dims or rows BLAS cannot address (not unit-stride inside, or row
    strides it cannot take as a leading dimension)."""
    if not 2 <= x.ndim <= 4 or x.strides[-1] != 4:
        return None
    row = x.strides[-2]
    if row % 4 or not x.shape[-1] <= row // 4 <= _INT32_MAX:
        return None
    return x[(None,) * (4 - x.ndim)]


@_base._declines_if_unusable
def attention(q, k, v, scale: float, causal: bool, keep: bool) -> tuple | None:
    """``(out, probs)``: softmax(``q`` ``k``^T * ``scale``) ``v`` for float32 operands
    ``(..., L, D)``, ``(..., S, D)`` and ``(..., S, Dv)`` of equal batch dims (at most two),
    one (batch, head) at a time (``_numba_math.attention_kernel``); ``causal`` masks the keys
    after each query's position. ``out`` takes ``q``'s memory layout when ``Dv == D``;
    ``probs`` (..., L, S) is kept only when ``keep`` (else None). None to let NumPy do it."""
    functions = _mkl.kernel_functions()
    if (not _base.ENABLED or functions is None or not _same_float("f", q, k, v)
            or not 0 < np.float32(scale) < np.inf):
        return None
    length, source = q.shape[-2], k.shape[-2]
    # the kernel does no bounds checks: shapes that do not pair up decline
    if (q.shape[:-2] != k.shape[:-2] or k.shape[:-1] != v.shape[:-1]
            or k.shape[-1] != q.shape[-1]):
        return None
    operands = [_matrices(x) for x in (q, k, v)]
    if (any(x is None for x in operands) or q.size * source < _base.MIN_ELEMENTS
            or max(length, source, q.shape[-1], v.shape[-1]) > _INT32_MAX):
        return None
    kernel = _base._kernel("attention")  # before numba's own import below
    from numba import get_num_threads

    out = (np.empty_like(q) if v.shape[-1] == q.shape[-1]
           else np.empty(q.shape[:-1] + v.shape[-1:], np.float32))
    parts = min(get_num_threads(), q.size // (length * q.shape[-1]))  # one matrix each at least
    probs = np.empty(q.shape[:-1] + (source,) if keep else (parts, 1, length, source),
                     np.float32)
    scores = np.empty((parts, length, source), np.float32)
    kernel(functions.gemm, functions.set_threads, *operands, np.float32(scale), bool(causal),
           _matrices(out), probs[(None,) * (4 - probs.ndim)], bool(keep), scores, parts)
    return out, (probs if keep else None)
