"""numba kernels for the LSTM: the whole recurrence of a layer direction in one call.

Imported on first use by ``_numba_kernels`` (never at ``import ember``). A step is a small
product (B, H) @ (H, 4H) and the gates' pointwise update; from Python each step cost ~40 us
more than its product (two calls, the second core idle during the update, data moving
between the cores). Here batch rows are split between threads, each running the whole
recurrence for its rows with single-threaded MKL products called from compiled code, so the
steps never leave the kernel and each core keeps its own rows (benchmarks/RESULTS.md). The
gates use the vectorised float32 sigmoid and tanh of ``_numba_math``.
"""

from __future__ import annotations

from numba import prange

from ._numba_math import _f32, _inline, _parallel, sigmoid32, tanh32


@_inline
def _cell_forward_row(gates, x, c_prev, c_new, tanh_c, h):
    """One batch row of an LSTM step: ``gates`` (4H,) holds ``h_prev W_hh^T`` on entry and
    the activations i, f, g, o on exit; writes c', tanh(c') and h' = o tanh(c')."""
    hidden = c_prev.shape[0]
    # Loops from 0 with offset indices: LLVM can then prove the indices non-negative
    # (numba's negative-index wraparound would otherwise keep a loop scalar, 4x slower).
    for j in range(2 * hidden):
        gates[j] = sigmoid32(gates[j] + x[j])
    for j in range(hidden):
        k = 2 * hidden + j
        gates[k] = tanh32(gates[k] + x[k])
    for j in range(hidden):
        k = 3 * hidden + j
        gates[k] = sigmoid32(gates[k] + x[k])
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


@_parallel
def lstm_forward_kernel(pack, compute, set_threads, xproj, w_hh, acts, hs, cs, tcs,
                        reverse, parts, scratch, stride):
    """The whole recurrence of one LSTM direction (float32). Slot ``s`` of ``hs``/``cs``
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
        lo, hi = part * batch // parts, (part + 1) * batch // parts
        previous = set_threads(1) if parts > 1 else 0
        packed = scratch + part * stride
        pack(_ROW_MAJOR, _B_MATRIX, _TRANS, hi - lo, gates, hidden, _f32(1.0),
             w_hh.ctypes.data, hidden, packed)
        for k in range(steps):
            t = steps - 1 - k if reverse else k
            prev, new = (t + 1, t) if reverse else (t, t + 1)
            compute(_ROW_MAJOR, _NO_TRANS, _PACKED, hi - lo, gates, hidden,
                    hs[prev, lo].ctypes.data, hidden, packed, gates, _f32(0.0),
                    acts[t, lo].ctypes.data, gates)
            for b in range(lo, hi):
                _cell_forward_row(acts[t, b], xproj[t, b], cs[prev, b], cs[new, b],
                                  tcs[t, b], hs[new, b])
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
        lo, hi = part * batch // parts, (part + 1) * batch // parts
        previous = set_threads(1) if parts > 1 else 0
        packed = scratch + part * stride
        pack(_ROW_MAJOR, _B_MATRIX, _NO_TRANS, hi - lo, hidden, gates, _f32(1.0),
             w_hh.ctypes.data, hidden, packed)
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


RNN_KERNELS = {"lstm_forward": lstm_forward_kernel, "lstm_backward": lstm_backward_kernel}
