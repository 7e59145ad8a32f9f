"""Vectorised float32 math for the numba kernels, and the kernels built on it: softmax,
softmax cross entropy, the LSTM recurrence and attention.

Imported on first use by ``_numba_kernels`` (never at ``import ember``). numba's own
``exp`` and ``tanh`` are scalar libm calls here (the PyPI llvmlite has no vector math
library), 3x and 25x slower than NumPy's SIMD loops, so the kernels use their own float32
``exp``, written so that LLVM vectorises it: Cody-Waite range reduction, a degree-6
polynomial, and the power of two built in the exponent bits (at most 3 ulp from the
correctly rounded value where that is a normal number; inf where it overflows and 0 where
it would be subnormal). Sigmoid is ``1 / (1 + exp(-x))``; tanh is
``1 - 2 / (exp(2|x|) + 1)`` with its sign, and an odd polynomial below ``|x| = 0.625``,
where that difference would cancel (under 2 ulp everywhere). tests/test_fused_kernels.py
compares them with NumPy's functions over a dense grid and at the edges (0, -0, inf, NaN).

The cross entropy over class logits (N, C) keeps, per row, the shift ``m`` (the max, 0
when it is not finite) and ``log(sum(exp(x - m)))``; its backward recomputes the softmax
from them (one pass, no (N, C) probabilities kept between forward and backward).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# No "nnan"/"ninf"/"nsz": NaN, inf and the sign of zero must go through. "arcp" lets 1/x
# become a reciprocal multiply, "contract" fuses multiply-adds; error_model="numpy" drops
# the zero-division check that would keep the loops scalar.
_FAST = {"arcp", "contract", "afn"}
_vector = njit(fastmath=_FAST, error_model="numpy", cache=True, nogil=True)
_inline = njit(fastmath=_FAST, error_model="numpy", cache=True, inline="always")
_parallel = njit(fastmath=_FAST, error_model="numpy", cache=True, nogil=True, parallel=True)

_f32 = np.float32
_NAN32 = _f32(np.nan)
_LOG2E = _f32(1.4426950408889634)
# ln 2 split so that n * _LN2_HI is exact for |n| < 2^9.
_LN2_HI = _f32(0.693359375)
_LN2_LO = _f32(-2.12194440e-4)
_LN_TINY = _f32(-87.33654475)  # ln of the smallest normal float32
# tanh(x) = x + x^3 R(x^2) on |x| < 0.625: least-squares fit of R, relative weights.
_T0, _T1, _T2 = _f32(-0.33333281900938966), _f32(0.13331441284516848), \
    _f32(-0.05373964909811902)
_T3, _T4 = _f32(0.02063889524268658), _f32(-0.005704791943487886)


@_inline
def exp32(x):
    """e^x in float32: inf where it overflows, 0 where it would be subnormal (below
    ln(FLT_MIN) = -87.3365: computing subnormal results costs the CPU ~100x, and
    exponentials of very negative shifted logits are common)."""
    tiny = x < _LN_TINY
    x = min(max(x, _LN_TINY), _f32(88.75))
    n = np.floor(x * _LOG2E + _f32(0.5))
    r = x - n * _LN2_HI - n * _LN2_LO  # |r| <= ln(2) / 2
    # Taylor coefficients of e^r to r^6: the remainder is under 2e-8 on |r| <= 0.35.
    p = _f32(1 / 720) * r + _f32(1 / 120)
    p = p * r + _f32(1 / 24)
    p = p * r + _f32(1 / 6)
    p = p * r + _f32(0.5)
    p = p * r + _f32(1.0)
    p = p * r + _f32(1.0)
    # 2^n as two powers of two, so that n = 128 (an overflow to inf) is reachable.
    whole = np.int32(n)
    half = whole >> 1
    low = np.int32((half + 127) << 23).view(np.float32)
    high = np.int32((whole - half + 127) << 23).view(np.float32)
    return _f32(0.0) if tiny else (p * low) * high


@_inline
def sigmoid32(x):
    return _f32(1.0) / (_f32(1.0) + exp32(-x))


@_inline
def tanh32(x):
    a = abs(x)
    big = _f32(1.0) - _f32(2.0) / (exp32(a + a) + _f32(1.0))
    z = x * x
    r = (((_T4 * z + _T3) * z + _T2) * z + _T1) * z + _T0
    small = x * (_f32(1.0) + z * r)  # x * (...), not x + x z r: keeps tanh(-0.0) = -0.0
    return small if a < _f32(0.625) else np.copysign(big, x)


@_vector
def sigmoid_kernel(x, out):
    for k in range(x.size):
        out[k] = sigmoid32(x[k])


@_vector
def tanh_kernel(x, out):
    for k in range(x.size):
        out[k] = tanh32(x[k])


@_inline
def _order_key(b):
    """An int32 that orders like the float32 whose bits are ``b`` (its own inverse)."""
    return np.int32(b ^ ((b >> 31) & np.int32(0x7FFFFFFF)))


@_inline
def _row_max(row):
    """The max of a contiguous float32 row, as the max of integer keys that order like the
    floats (LLVM vectorises an integer max, not numba's float max). A NaN may or may not
    win; either way the row's exponentials, and so its result, are NaN."""
    bits = row.view(np.int32)
    best = np.int32(-2147483648)
    for k in range(bits.shape[0]):
        best = max(best, _order_key(bits[k]))
    return _order_key(best).view(np.float32)


@_inline
def _row_max_of_bits(bits, r):
    """:func:`_row_max` of row ``r`` of a float32 matrix from its int32 view ``bits``, made
    once per call: a view per row costs ~25 ns, as much as the rest of a 10-class row."""
    best = np.int32(-2147483648)
    for k in range(bits.shape[1]):
        best = max(best, _order_key(bits[r, k]))
    return _order_key(best).view(np.float32)


# "reassoc" lets the row sums run in vector lanes (partial sums, as NumPy's pairwise sum).
_rows = njit(fastmath=_FAST | {"reassoc"}, error_model="numpy", cache=True, nogil=True,
             parallel=True)
_inline_rows = njit(fastmath=_FAST | {"reassoc"}, error_model="numpy", cache=True,
                    inline="always")


# The cross entropy's row kernels also run without threads, for inputs under
# ``_numba.MIN_ELEMENTS``: a threaded launch costs ~2 us at 32x10 (the serial kernel 1.2),
# and NumPy's dozen small calls for the same rows ~9.
_serial_rows = njit(fastmath=_FAST | {"reassoc"}, error_model="numpy", cache=True,
                    nogil=True)


@_inline_rows
def _stats_row(row, m, r, shift, logsum):
    """Row ``r``'s ``shift`` = its max ``m`` (0 when not finite, as the NumPy code) and
    ``logsum`` = log(sum(exp(row - shift)))."""
    if not np.isfinite(m):
        m = _f32(0.0)
    total = _f32(0.0)
    for k in range(row.shape[0]):
        total += exp32(row[k] - m)
    shift[r] = m
    logsum[r] = np.log(total)


@_inline_rows
def _row_loss(row, t, ignore_index, shift, logsum):
    """``logsum - (row[t] - shift)``; 0 where ``t`` is ``ignore_index``, NaN where it is
    out of range. (Taking the row and its statistics, not ``x`` and the row index, keeps
    the kernels below ~35% faster on 10-class rows.)"""
    if t == ignore_index:
        return _f32(0.0)
    if t < 0 or t >= row.shape[0]:
        return _NAN32
    return logsum - (row[t] - shift)


@_rows
def softmax_xent_forward_kernel(x, target, ignore_index, shift, logsum, loss):
    """Per row of ``x`` (N, C): the statistics of :func:`_stats_row` and the loss of
    :func:`_row_loss`; returns the number of rows not ignored."""
    count, bits = 0, x.view(np.int32)
    for r in prange(x.shape[0]):
        row, t = x[r], target[r]
        _stats_row(row, _row_max_of_bits(bits, r), r, shift, logsum)
        loss[r] = _row_loss(row, t, ignore_index, shift[r], logsum[r])
        count += 0 if t == ignore_index else 1
    return count


# The loop above again, without threads: numba caches compiled code by the function's
# source location, so one function cannot be compiled both ways; a shared inline body
# holding the whole iteration measured ~10% slower on 10-class rows (1.36 against 1.23 us
# at 32x10).
@_serial_rows
def softmax_xent_forward_serial_kernel(x, target, ignore_index, shift, logsum, loss):
    count, bits = 0, x.view(np.int32)
    for r in range(x.shape[0]):
        row, t = x[r], target[r]
        _stats_row(row, _row_max_of_bits(bits, r), r, shift, logsum)
        loss[r] = _row_loss(row, t, ignore_index, shift[r], logsum[r])
        count += 0 if t == ignore_index else 1
    return count


@_inline_rows
def _xent_backward_row(row, dst, m, s, w, target):
    """``dst = (softmax(row) - onehot(target)) * w`` from the row's forward statistics (no
    one-hot term for a target out of range: the caller validated the targets, but their
    memory may have changed since, and this must never write outside the row)."""
    for k in range(row.shape[0]):
        dst[k] = exp32((row[k] - m) - s) * w
    if 0 <= target < row.shape[0]:
        dst[target] -= w


@_rows
def softmax_xent_backward_kernel(x, shift, logsum, target, weight, out):
    """``out = (softmax(x) - onehot(target)) * weight[:, None]`` from the forward's
    per-row statistics."""
    for r in prange(x.shape[0]):
        _xent_backward_row(x[r], out[r], shift[r], logsum[r], weight[r], target[r])


@_serial_rows
def softmax_xent_backward_serial_kernel(x, shift, logsum, target, weight, out):
    for r in range(x.shape[0]):
        _xent_backward_row(x[r], out[r], shift[r], logsum[r], weight[r], target[r])


@_inline_rows
def _softmax_row(row, dst, scale):
    """``dst`` = softmax of ``scale * row``, shifted by the row max (by 0 when it is not
    finite, so a row of -inf gives NaN as the NumPy code). ``dst`` must not be ``row``:
    LLVM does not vectorise the loops when they may alias."""
    m = _row_max(row)
    if not np.isfinite(m):
        m = _f32(0.0)
    total = _f32(0.0)
    for k in range(row.shape[0]):
        e = exp32((row[k] - m) * scale)
        dst[k] = e
        total += e
    inverse = _f32(1.0) / total
    for k in range(row.shape[0]):
        dst[k] *= inverse


@_rows
def softmax_rows_kernel(x, scale, out):
    """``out`` = softmax over the rows of ``scale * x`` (N, C; ``scale`` > 0, float32);
    ``out`` must not be ``x`` (see ``_softmax_row``)."""
    for r in prange(x.shape[0]):
        _softmax_row(x[r], out[r], scale)


# ---------------------------------------------------------------------------------- LSTM
# A step is a small product (B, H) @ (H, 4H) and the gates' pointwise update; from Python
# each step cost ~40 us more than its product (two calls, the second core idle during the
# update, data moving between the cores). Here batch rows are split between threads, each
# running the whole recurrence for its rows with single-threaded MKL products called from
# compiled code, so the steps never leave the kernel and each core keeps its own rows
# (benchmarks/RESULTS.md). These kernels live in this file because numba's disk cache
# tracks only the kernel's own file: math inlined from another module would go stale.


@_inline
def _cell_forward_row(gates, x, bias, c_prev, c_new, tanh_c, h):
    """One batch row of an LSTM step: ``gates`` (4H,) holds ``h_prev W_hh^T`` on entry and
    the activations i, f, g, o on exit, of ``gates + (x + bias)`` (``x`` the row's input
    projection, ``bias`` b_ih + b_hh, added here rather than in a pass over all steps'
    projections); writes c', tanh(c') and h' = o tanh(c')."""
    hidden = c_prev.shape[0]
    # Loops from 0 with offset indices: LLVM can then prove the indices non-negative
    # (numba's negative-index wraparound would otherwise keep a loop scalar, 4x slower).
    for j in range(2 * hidden):
        gates[j] = sigmoid32(gates[j] + (x[j] + bias[j]))
    for j in range(hidden):
        k = 2 * hidden + j
        gates[k] = tanh32(gates[k] + (x[k] + bias[k]))
    for j in range(hidden):
        k = 3 * hidden + j
        gates[k] = sigmoid32(gates[k] + (x[k] + bias[k]))
    for j in range(hidden):
        c = gates[hidden + j] * c_prev[j] + gates[j] * gates[2 * hidden + j]
        c_new[j] = c
        t = tanh32(c)
        tanh_c[j] = t
        h[j] = gates[3 * hidden + j] * t


@_inline
def _cell_backward_row(dh, g_out, acts, c_prev, tanh_c, dc, d_gates):
    """One batch row of a reverse step, in place on the carried ``dh`` (gradient reaching
    h') and ``dc``: adds the step's output gradient to ``dh``, writes the gate
    pre-activation gradients ``d_gates`` (4H,) and leaves in ``dc`` the gradient reaching
    c_prev."""
    hidden = dc.shape[0]
    one = _f32(1.0)
    for j in range(hidden):
        i, f = acts[j], acts[hidden + j]
        g, o = acts[2 * hidden + j], acts[3 * hidden + j]
        t = tanh_c[j]
        dhj = dh[j] + g_out[j]
        dcj = dc[j] + dhj * o * (one - t * t)
        d_gates[j] = dcj * g * i * (one - i)
        d_gates[hidden + j] = dcj * c_prev[j] * f * (one - f)
        d_gates[2 * hidden + j] = dcj * i * (one - g * g)
        d_gates[3 * hidden + j] = dhj * t * o * (one - o)
        dc[j] = dcj * f


# CBLAS enums
_ROW_MAJOR, _NO_TRANS, _TRANS, _B_MATRIX, _PACKED = 101, 111, 112, 162, 151


@_inline
def _start_part(pack, set_threads, w_hh, trans, n, k, batch, part, parts, packed):
    """A part's batch rows ``[lo, hi)``; MKL single-threaded in this thread when there are
    several parts (returns the previous setting); W_hh packed at address ``packed`` as the
    (k, n) operand of the part's products (``trans``: W_hh^T)."""
    lo, hi = part * batch // parts, (part + 1) * batch // parts
    previous = set_threads(1) if parts > 1 else 0
    pack(_ROW_MAJOR, _B_MATRIX, trans, hi - lo, n, k, _f32(1.0), w_hh.ctypes.data,
         w_hh.shape[1], packed)
    return lo, hi, previous, packed


@_parallel
def lstm_forward_kernel(pack, compute, set_threads, xproj, bias, w_hh, acts, hs, cs, tcs,
                        reverse, parts, scratch, stride):
    """The whole recurrence of one LSTM direction (float32), of input projections ``xproj``
    (T, B, 4H) and the gates' ``bias`` (4H,). Slot ``s`` of ``hs``/``cs``
    (T+1, B, H) is the state entering step ``s`` (leaving it when ``reverse``); the
    initial state is in its slot. ``acts`` (T, B, 4H) receives the activations, ``tcs``
    (T, B, H) tanh(c). Batch rows are independent: ``parts`` threads each run the
    recurrence for their rows with single-threaded MKL products (``pack``/``compute``:
    cblas_sgemm_pack/_compute; ``set_threads``: MKL_Set_Num_Threads_Local), so no step waits
    on the other core. Each part packs W_hh^T once into its ``stride`` bytes of memory at
    address ``scratch``."""
    steps, batch, gates = acts.shape
    hidden = gates // 4
    for part in prange(parts):
        lo, hi, previous, packed = _start_part(pack, set_threads, w_hh, _TRANS, gates, hidden,
                                               batch, part, parts, scratch + part * stride)
        for k in range(steps):
            t = steps - 1 - k if reverse else k
            prev, new = (t + 1, t) if reverse else (t, t + 1)
            compute(_ROW_MAJOR, _NO_TRANS, _PACKED, hi - lo, gates, hidden,
                    hs[prev, lo].ctypes.data, hidden, packed, gates, _f32(0.0),
                    acts[t, lo].ctypes.data, gates)
            for b in range(lo, hi):
                _cell_forward_row(acts[t, b], xproj[t, b], bias, cs[prev, b], cs[new, b],
                                  tcs[t, b], hs[new, b])
        if parts > 1:
            set_threads(previous)


@_parallel
def lstm_infer_kernel(pack, compute, set_threads, xproj, bias, w_hh, hs, c, reverse, parts,
                      scratch, stride):
    """:func:`lstm_forward_kernel` keeping only what inference needs: the hidden states
    ``hs`` (T+1, B, H) and the cell state ``c`` (B, H), updated in place (initial state on
    entry, last on exit). Each part's gates and tanh(c) live in a small buffer reused by
    every step, so the per-step product writes to cache, not to a (T, B, 4H) history."""
    steps, batch, gates = xproj.shape
    hidden = gates // 4
    for part in prange(parts):
        lo, hi, previous, packed = _start_part(pack, set_threads, w_hh, _TRANS, gates, hidden,
                                               batch, part, parts, scratch + part * stride)
        acts = np.empty((max(hi - lo, 1), gates), np.float32)
        tanh_c = np.empty(hidden, np.float32)
        for k in range(steps):
            t = steps - 1 - k if reverse else k
            prev, new = (t + 1, t) if reverse else (t, t + 1)
            compute(_ROW_MAJOR, _NO_TRANS, _PACKED, hi - lo, gates, hidden,
                    hs[prev, lo].ctypes.data, hidden, packed, gates, _f32(0.0),
                    acts.ctypes.data, gates)
            for b in range(lo, hi):
                _cell_forward_row(acts[b - lo], xproj[t, b], bias, c[b], c[b], tanh_c,
                                  hs[new, b])
        if parts > 1:
            set_threads(previous)


@_parallel
def lstm_backward_kernel(pack, compute, set_threads, g_out, w_hh, acts, cs, tcs, dh, dc,
                         d_gates, reverse, parts, scratch, stride):
    """The reverse recurrence of :func:`lstm_forward_kernel`, in place on ``dh`` and ``dc``
    (B, H): on entry the gradients reaching the last state, on exit those reaching the
    initial state; writes the gate pre-activation gradients ``d_gates`` (T, B, 4H). Each
    part packs W_hh (4H, H) as in the forward."""
    steps, batch, gates = acts.shape
    hidden = gates // 4
    for part in prange(parts):
        lo, hi, previous, packed = _start_part(pack, set_threads, w_hh, _NO_TRANS, hidden,
                                               gates, batch, part, parts,
                                               scratch + part * stride)
        for k in range(steps):
            t = k if reverse else steps - 1 - k
            before = t + 1 if reverse else t
            for b in range(lo, hi):
                _cell_backward_row(dh[b], g_out[t, b], acts[t, b], cs[before, b], tcs[t, b],
                                   dc[b], d_gates[t, b])
            compute(_ROW_MAJOR, _NO_TRANS, _PACKED, hi - lo, hidden, gates,
                    d_gates[t, lo].ctypes.data, gates, packed, hidden, _f32(0.0),
                    dh[lo].ctypes.data, hidden)
        if parts > 1:
            set_threads(previous)


# ----------------------------------------------------------------------------- attention
# softmax(Q K^T * scale) V one (batch, head) at a time: its (L, S) scores stay in cache
# between the two products and the softmax, instead of a (batch, heads, L, S) array going
# through memory three times (benchmarks/RESULTS.md).


@_rows
def attention_kernel(gemm, set_threads, q, k, v, scale, causal, out, probs, keep, scores,
                     parts):
    """``out`` = softmax(``q`` ``k``^T * ``scale``) ``v`` for float32 ``(B1, B2, L, D)``,
    ``(B1, B2, S, D)`` and ``(B1, B2, S, Dv)`` operands whose rows are unit-stride (any
    other strides); ``causal``: row ``r`` sees keys ``0 .. r`` only. ``parts`` threads each
    take a block of the B1 * B2 matrices with single-threaded products (``gemm``:
    cblas_sgemm; ``set_threads`` as in the LSTM kernels). The probabilities are written to
    ``probs[b1, b2]`` (B1, B2, L, S) when ``keep``, else to the part's ``probs[part, 0]``;
    ``scores`` (parts, L, S) is each part's scratch."""
    heads, length, depth = q.shape[1], q.shape[2], q.shape[3]
    source, width = k.shape[2], v.shape[3]
    count = q.shape[0] * heads
    for part in prange(parts):
        previous = set_threads(1) if parts > 1 else 0
        s = scores[part]
        for b in range(part * count // parts, (part + 1) * count // parts):
            i, h = b // heads, b % heads
            p = probs[i, h] if keep else probs[part, 0]
            gemm(_ROW_MAJOR, _NO_TRANS, _TRANS, length, source, depth, _f32(1.0),
                 q[i, h].ctypes.data, q.strides[2] // 4, k[i, h].ctypes.data,
                 k.strides[2] // 4, _f32(0.0), s.ctypes.data, source)
            for r in range(length):
                seen = min(r + 1, source) if causal else source
                _softmax_row(s[r, :seen], p[r, :seen], scale)
                for c in range(seen, source):
                    p[r, c] = _f32(0.0)
            gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, length, width, source, _f32(1.0),
                 p.ctypes.data, source, v[i, h].ctypes.data, v.strides[2] // 4, _f32(0.0),
                 out[i, h].ctypes.data, out.strides[2] // 4)
        if parts > 1:
            set_threads(previous)


# ----------------------------------------------------------------------------- gemm


@_vector
def gemm_kernel(gemm, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, out, ldc):
    """``cblas_?gemm`` (``gemm``, ``_mkl.KernelFunctions``) on the arrays' memory, row-major:
    the call from Python through ctypes without its per-call argument conversions."""
    gemm(_ROW_MAJOR, trans_a, trans_b, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb,
         beta, out.ctypes.data, ldc)


MATH_KERNELS = {"attention": attention_kernel, "gemm": gemm_kernel,
                "lstm_forward": lstm_forward_kernel, "lstm_backward": lstm_backward_kernel,
                "lstm_infer": lstm_infer_kernel,
                "sigmoid32": sigmoid_kernel, "tanh32": tanh_kernel,
                "softmax_rows": softmax_rows_kernel,
                "softmax_xent_forward": softmax_xent_forward_kernel,
                "softmax_xent_forward_serial": softmax_xent_forward_serial_kernel,
                "softmax_xent_backward": softmax_xent_backward_kernel,
                "softmax_xent_backward_serial": softmax_xent_backward_serial_kernel}
