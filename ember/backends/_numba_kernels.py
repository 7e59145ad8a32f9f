"""The numba kernels behind ``_numba``'s wrappers, one per fused operation.

Imported only when a wrapper first needs a kernel (importing numba costs ~0.3 s); numba
compiles each at its first call per argument types and caches the result on disk. The
wrappers in ``_numba.py`` check shapes, dtypes and layouts before calling these, so the
kernels assume C-contiguous arrays of one float dtype and in-range indices.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._numba_depthwise_kernels import DEPTHWISE_KERNELS
from ._numba_jit import jit, red, serial
from ._numba_math import MATH_KERNELS


# ``zero`` is passed in, typed like the arrays, so no select mixes float widths.
@jit
def relu_kernel(x, out, zero):
    for i in prange(x.size):
        v = x[i]
        # NumPy's maximum(x, 0): NaN passes through, -0.0 becomes +0.0
        out[i] = v if v > zero or v != v else zero


# ``op`` codes of arithmetic_kernel (see ``_numba.ARITHMETIC``). No fastmath: each result
# is the one IEEE operation NumPy's ufunc computes.
@jit
def arithmetic_kernel(x, y, out, op):
    n = x.size
    if op == 0:
        for i in prange(n):
            out[i] = x[i] + y[i]
    elif op == 1:
        for i in prange(n):
            out[i] = x[i] - y[i]
    elif op == 2:
        for i in prange(n):
            out[i] = x[i] * y[i]
    else:
        for i in prange(n):
            out[i] = x[i] / y[i]


@jit
def relu_backward_kernel(g, y, out, zero):
    for i in prange(g.size):
        out[i] = g[i] if y[i] > zero else zero


@jit
def pool2d_kernel(x, kh, kw, out, taps):
    # x (M, H, W), out/taps (M, OH, OW); PyTorch's rule: a later tap wins if it is
    # greater or NaN (first maximum first; the last NaN in a window with NaN)
    m_count, oh, ow = out.shape
    for m in prange(m_count):
        for i in range(oh):
            for j in range(ow):
                r0, c0 = i * kh, j * kw
                best = x[m, r0, c0]
                arg = 0
                for a in range(kh):
                    for b in range(kw):
                        v = x[m, r0 + a, c0 + b]
                        if v > best or v != v:
                            best = v
                            arg = a * kw + b
                out[m, i, j] = best
                taps[m, i, j] = arg


@jit
def pool2x2_kernel(x, out, taps):
    # the common 2x2 window unrolled: the same rule, written with selects (no branches)
    # so that LLVM vectorises it
    m_count, oh, ow = out.shape
    for m in prange(m_count):
        for i in range(oh):
            r0 = 2 * i
            for j in range(ow):
                c0 = 2 * j
                best = x[m, r0, c0]
                arg = 0
                v = x[m, r0, c0 + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                arg = 1 if take else arg
                v = x[m, r0 + 1, c0]
                take = (v > best) | (v != v)
                best = v if take else best
                arg = 2 if take else arg
                v = x[m, r0 + 1, c0 + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                arg = 3 if take else arg
                out[m, i, j] = best
                taps[m, i, j] = arg


@jit
def spread2x2_kernel(g, taps, out, zero):
    # 2x2 windows tiling ``out`` exactly: ~2.4x faster than spread2d_kernel
    m_count, oh, ow = g.shape
    for m in prange(m_count):
        for i in range(oh):
            for j in range(ow):
                t = taps[m, i, j]
                v = g[m, i, j]
                out[m, 2 * i, 2 * j] = v if t == 0 else zero
                out[m, 2 * i, 2 * j + 1] = v if t == 1 else zero
                out[m, 2 * i + 1, 2 * j] = v if t == 2 else zero
                out[m, 2 * i + 1, 2 * j + 1] = v if t == 3 else zero


@jit
def spread2d_kernel(g, taps, kh, kw, out, zero):
    # out (M, H, W): each window's kh*kw elements get g at its argmax tap, zero
    # elsewhere; rows/columns past the last whole window are zero
    m_count, height, width = out.shape
    oh, ow = g.shape[1], g.shape[2]
    for m in prange(m_count):
        for i in range(oh):
            for a in range(kh):
                r = i * kh + a
                for j in range(ow):
                    t = taps[m, i, j] - a * kw
                    v = g[m, i, j]
                    for b in range(kw):
                        out[m, r, j * kw + b] = v if t == b else zero
                for c in range(ow * kw, width):
                    out[m, r, c] = zero
        for r in range(oh * kh, height):
            for c in range(width):
                out[m, r, c] = zero


@jit
def im2col2d_kernel(padded, cols, n0, m, offsets, sy, sx):
    # cols[c, k, i, y, x] = padded[c, n0 + i, y * sy + dy_k, x * sx + dx_k], channels in
    # parallel
    channels, taps = cols.shape[0], cols.shape[1]
    oh, ow = cols.shape[3], cols.shape[4]
    for c in prange(channels):
        for k in range(taps):
            dy, dx = offsets[k, 0], offsets[k, 1]
            for i in range(m):
                for y in range(oh):
                    for x in range(ow):
                        cols[c, k, i, y, x] = padded[c, n0 + i, y * sy + dy, x * sx + dx]


@jit
def col2im2d_kernel(dpad, dcols, n0, m, offsets, sy, sx):
    # dpad[c, n0 + i, y * sy + dy_k, x * sx + dx_k] += dcols[c, k, i, y, x]; a channel's
    # taps run in order on one thread, so no two threads add into the same element
    channels, taps = dcols.shape[0], dcols.shape[1]
    oh, ow = dcols.shape[3], dcols.shape[4]
    for c in prange(channels):
        for k in range(taps):
            dy, dx = offsets[k, 0], offsets[k, 1]
            for i in range(m):
                for y in range(oh):
                    for x in range(ow):
                        dpad[c, n0 + i, y * sy + dy, x * sx + dx] += dcols[c, k, i, y, x]


@jit
def index_add_rows_kernel(out, index, rows, block):
    # out[index[i]] += rows[i] for i in order (NumPy's add.at order, so the sums are
    # the same bit for bit); threads split the columns, never the rows, so no two
    # threads add into one element
    n, width = rows.shape
    for part in prange((width + block - 1) // block):
        lo = part * block
        hi = min(lo + block, width)
        for i in range(n):
            r = index[i]
            for j in range(lo, hi):
                out[r, j] += rows[i, j]


@jit
def take_rows_kernel(table, index, out):
    # out[i] = table[index[i]]: an embedding lookup, one output row per iteration
    width = table.shape[1]
    for i in prange(index.size):
        r = index[i]
        for j in range(width):
            out[i, j] = table[r, j]


# Normalisation statistics (``red`` kernels): sums in float64 (more accurate than NumPy's
# pairwise float32 sums; the affine backward and channels_first sum each row in the array's
# dtype, then the rows in float64).


@njit(inline="always")
def _rounded_shift(x, mean, scale):
    """``(m, s, fix)`` in ``x``'s dtype such that ``(x - m) * s + fix`` is
    ``(x - mean) * scale`` for float64 ``mean`` and ``scale``: the per-element pass then
    runs in the array's dtype (it vectorises), and ``fix`` puts back what rounding the mean
    lost (without it, a float32 row of mean 1e4 and spread 0.01 was off by 1.5e-2)."""
    m = x.dtype.type(mean)
    return m, x.dtype.type(scale), x.dtype.type((m - mean) * scale)


@njit(inline="always")
def _mean_invstd(x, c, eps, center):
    """``(mean, var, 1/sqrt(var + eps))`` of channel ``c`` of ``x`` (N, C, L) over N and L,
    summed in float64 (the mean taken as 0 without ``center``: RMS norm).

    float32 data takes one pass: the sums of ``d = x - x[0, c, 0]`` and of ``d^2``, from
    which ``mean = x0 + mean(d)`` and ``var = mean(d^2) - mean(d)^2``. In float64 the
    cancellation costs a relative ``1e-16 * mean(d)^2 / var`` of the variance: nothing a
    float32 result can show while the first element lies within ~1e4 standard deviations of
    the mean (2048 rows of 256: 108 -> 75 us, the same outputs bit for bit on normal data
    and on rows of mean 1e4 and spread 0.01). float64 data keeps two passes (the mean,
    then the squared deviations from it), exact to its own precision."""
    n_count, _, length = x.shape
    count = n_count * length
    if center and x.itemsize == 4:  # float32
        shift = np.float64(x[0, c, 0])
        total = 0.0
        sq = 0.0
        for n in range(n_count):
            for k in range(length):
                d = x[n, c, k] - shift
                total += d
                sq += d * d
        mean_d = total / count
        v = max(sq / count - mean_d * mean_d, 0.0)
        return shift + mean_d, v, 1.0 / np.sqrt(v + eps)
    mu = 0.0
    if center:
        total = 0.0
        for n in range(n_count):
            for k in range(length):
                total += x[n, c, k]
        mu = total / count
    sq = 0.0
    for n in range(n_count):
        for k in range(length):
            d = x[n, c, k] - mu
            sq += d * d
    v = sq / count
    return mu, v, 1.0 / np.sqrt(v + eps)


@red
def standardize_kernel(x, eps, center, y, mean, var, invstd):
    # x, y (N, C, L): statistics per c over the N and L axes (rows: N = 1)
    n_count, channels, length = x.shape
    for c in prange(channels):
        mu, v, inv = _mean_invstd(x, c, eps, center)
        # the output pass in the array's dtype: float64 arithmetic on float32 data kept
        # LLVM from vectorising it (2048 rows of 256: 120 -> 74 us)
        m, s, fix = _rounded_shift(x, mu, inv)
        for n in range(n_count):
            for k in range(length):
                y[n, c, k] = (x[n, c, k] - m) * s + fix
        mean[c], var[c], invstd[c] = mu, v, inv


@red
def layer_norm_rows_kernel(x, eps, w, b, out):
    # x, out (1, R, D): standardize_kernel's arithmetic per row, then affine_rows_kernel's,
    # in one pass over memory (the row stays in cache, 2048 rows of 256: 207 -> 80 us, the
    # output pass in the array's dtype); nothing kept for a backward
    _, rows, width = x.shape
    for r in prange(rows):
        mu, _, inv = _mean_invstd(x, r, eps, True)
        m, s, fix = _rounded_shift(x, mu, inv)
        for k in range(width):
            out[0, r, k] = ((x[0, r, k] - m) * s + fix) * w[k] + b[k]


@red
def standardize_backward_kernel(g, y, invstd, center, dx):
    # dx = invstd * (g - mean(g) - y * mean(g * y)) per c (without mean(g) for RMS)
    n_count, channels, length = g.shape
    count = n_count * length
    for c in prange(channels):
        sg = 0.0
        sgy = 0.0
        for n in range(n_count):
            for k in range(length):
                sg += g[n, c, k]
                sgy += g[n, c, k] * y[n, c, k]
        # the output pass in the array's dtype, as in standardize_kernel (BN backward over
        # (64, 64, 196): 464 -> 305 us)
        inv = invstd[c]
        mg, _, fix = _rounded_shift(g, sg / count if center else 0.0, inv)
        mgy = g.dtype.type(sgy / count)
        for n in range(n_count):
            for k in range(length):
                dx[n, c, k] = inv * (g[n, c, k] - mg - y[n, c, k] * mgy) + fix


# Optimizer updates: the NumPy code's operations in its order, each rounded to the
# array dtype (scalars arrive in that dtype), so the results are the same bit for bit.
@jit
def adam_kernel(p, g, m, v, decay, use_decay, wd, maximize, w, w_low, b2, c2, eps, val):
    for i in prange(p.size):
        pi = p[i] * decay if use_decay else p[i]
        gi = g[i]
        if wd != 0:
            t = pi * wd
            gi = t - gi if maximize else t + gi
        elif maximize:
            gi = -gi
        mi = m[i]
        d = gi - mi
        mi = mi + d * w if w_low else gi - d * w
        vi = v[i] * b2 + gi * c2 * gi
        p[i] = pi + mi / (np.sqrt(vi) + eps) * val
        m[i] = mi
        v[i] = vi


@jit
def sgd_momentum_kernel(p, g, buf, wd, maximize, momentum, alpha, plain_alpha, nesterov,
                        neg_lr):
    for i in prange(p.size):
        pi = p[i]
        gi = g[i]
        if wd != 0:
            t = pi * wd
            gi = t - gi if maximize else t + gi
        elif maximize:
            gi = -gi
        b = buf[i] * momentum
        b = b + gi if plain_alpha else b + gi * alpha
        buf[i] = b
        u = (b * momentum + gi) * neg_lr if nesterov else b * neg_lr
        p[i] = pi + u


@jit
def affine_channel_kernel(y, w, b, out):
    # y, out (N, C, L); w, b (C,)
    n_count, channels, length = y.shape
    for c in prange(channels):
        wc, bc = w[c], b[c]
        for n in range(n_count):
            for k in range(length):
                out[n, c, k] = y[n, c, k] * wc + bc


@jit
def affine_rows_kernel(y, w, b, out):
    # y, out (R, D); w, b (D,)
    rows, width = y.shape
    for r in prange(rows):
        for d in range(width):
            out[r, d] = y[r, d] * w[d] + b[d]


@red
def affine_channel_backward_kernel(g, y, w, gy, gw, gb):
    # per channel c: gy = g w[c]; gw[c] = sum(g y); gb[c] = sum(g). Each row sums in the
    # arrays' dtype, so the loop vectorises (float64 sums beside float32 stores did not:
    # (64, 64, 196): 248 -> 154 us); the rows add up in float64.
    n_count, channels, length = g.shape
    for c in prange(channels):
        sw = 0.0
        sb = 0.0
        wc = w[c]
        for n in range(n_count):
            row_w = g.dtype.type(0.0)
            row_b = g.dtype.type(0.0)
            for k in range(length):
                gv = g[n, c, k]
                gy[n, c, k] = gv * wc
                row_w += gv * y[n, c, k]
                row_b += gv
            sw += row_w
            sb += row_b
        gw[c] = sw
        gb[c] = sb


@red
def affine_rows_backward_kernel(g, y, w, gy, gw, gb, chunks):
    # rows (R, D), w (D,): threads take chunks of rows, each summing over its rows in the
    # arrays' dtype for 16 rows at a time (a vectorised row pass), then in float64; the
    # chunks' sums add up at the end. (Column blocks, each thread walking every row,
    # took 413 us over 2048 rows of 256, row chunks 120.)
    rows, width = g.shape
    per = (rows + chunks - 1) // chunks
    sw = np.zeros((chunks, width))
    sb = np.zeros((chunks, width))
    for part in prange(chunks):
        row_w = np.zeros(width, g.dtype)
        row_b = np.zeros(width, g.dtype)
        lo = part * per
        hi = min(lo + per, rows)
        for r in range(lo, hi):
            for d in range(width):
                gv = g[r, d]
                gy[r, d] = gv * w[d]
                row_w[d] += gv * y[r, d]
                row_b[d] += gv
            if (r - lo) % 16 == 15 or r == hi - 1:
                for d in range(width):
                    sw[part, d] += row_w[d]
                    sb[part, d] += row_b[d]
                    row_w[d] = 0
                    row_b[d] = 0
    for d in range(width):
        total_w = 0.0
        total_b = 0.0
        for part in range(chunks):
            total_w += sw[part, d]
            total_b += sb[part, d]
        gw[d] = total_w
        gb[d] = total_b


@jit
def bias_channels_kernel(x, bias):
    # x (N, C, L) += bias[c], in place
    n_count, channels, length = x.shape
    for c in prange(channels):
        bc = bias[c]
        for n in range(n_count):
            for k in range(length):
                x[n, c, k] += bc


@red
def channels_first_kernel(g, n0, out, sums, with_sums):
    # out[c, i, k] = g[n0 + i, c, k] for the chunk's images; sums[c] += their total. Each
    # row sums in the arrays' dtype so the copy vectorises (a float64 sum kept the loop
    # scalar: (64, 64, 196) 330 -> 127 us); the rows add up in float64.
    channels, m, length = out.shape
    for c in prange(channels):
        total = 0.0
        for i in range(m):
            row = g.dtype.type(0.0)
            for k in range(length):
                v = g[n0 + i, c, k]
                out[c, i, k] = v
                row += v
            total += row
        if with_sums:
            sums[c] += total


@jit
def swap_blocks_kernel(src, dst):
    # dst (O, B, A, I) = src (O, A, B, I) with its two middle axes swapped: each
    # destination row is a unit-stride copy of I elements (a C-contiguous slice both sides,
    # so the copy vectorises), rows shared out over O * B.
    outer, blocks_b, blocks_a, inner = dst.shape
    for ob in prange(outer * blocks_b):
        o, j = ob // blocks_b, ob % blocks_b
        for i in range(blocks_a):
            s, d = src[o, i, j], dst[o, j, i]
            for k in range(inner):
                d[k] = s[k]


@red
def frame_in_kernel(src, n0, m, dst, base, frame_w, frame_size, top, left, sums, with_sums,
                    zero):
    # dst[c, base + i * frame_size + (top + y) * frame_w + left + x] = src[n0 + i, c, y, x]:
    # images into flattened channel-first padded frames; sums[c] += their total. All
    # arrays C-contiguous, so the row copies vectorise (``red``: so does the sum).
    channels, height, width = src.shape[1], src.shape[2], src.shape[3]
    for c in prange(channels):
        total = 0.0
        for i in range(m):
            for y in range(height):
                at = base + i * frame_size + (top + y) * frame_w + left
                if with_sums:
                    row = zero  # a row's sum in the arrays' dtype vectorises; rows add up
                    for x in range(width):  # in float64
                        v = src[n0 + i, c, y, x]
                        dst[c, at + x] = v
                        row += v
                    total += row
                else:
                    for x in range(width):
                        dst[c, at + x] = src[n0 + i, c, y, x]
        if with_sums:
            sums[c] += total


@jit
def frame_out_kernel(src, positions_first, base, frame_w, frame_size, top, left, dst, n0,
                     m, bias, with_bias):
    # dst[n0 + i, c, y, x] = S(c, base + i * frame_size + (top + y) * frame_w + left + x)
    # (+ bias[c]), S(c, p) being src[p, c] when positions_first, else src[c, p]. No bias
    # means a plain copy (adding 0.0 would turn -0.0 into +0.0).
    channels, height, width = dst.shape[1], dst.shape[2], dst.shape[3]
    if positions_first:  # read along the channels, each row of them once
        for r in prange(m * height):
            i, y = r // height, r % height
            at = base + i * frame_size + (top + y) * frame_w + left
            for x in range(width):
                if with_bias:
                    for c in range(channels):
                        dst[n0 + i, c, y, x] = src[at + x, c] + bias[c]
                else:
                    for c in range(channels):
                        dst[n0 + i, c, y, x] = src[at + x, c]
        return
    for c in prange(channels):
        b = bias[c]
        for i in range(m):
            for y in range(height):
                at = base + i * frame_size + (top + y) * frame_w + left
                if with_bias:
                    for x in range(width):
                        dst[n0 + i, c, y, x] = src[c, at + x] + b
                else:
                    for x in range(width):
                        dst[n0 + i, c, y, x] = src[c, at + x]


@jit
def bias_rows_kernel(x, bias):
    # x (R, D) += bias[d], in place
    rows, width = x.shape
    for r in prange(rows):
        for d in range(width):
            x[r, d] += bias[d]


@jit
def bias_relu_rows_kernel(x, bias, zero):
    # x (R, D) = relu(x + bias[d]), in place, with relu_kernel's NaN and -0.0 rules
    rows, width = x.shape
    for r in prange(rows):
        for d in range(width):
            v = x[r, d] + bias[d]
            x[r, d] = v if v > zero or v != v else zero


# The kernel above without threads, for a small linear layer's output: 32x64 float32 in
# 0.42 us, where NumPy's add and maximum take 1.9 (numba caches a function compiled one
# way, so the twin has its own loop).
@serial
def bias_relu_rows_serial_kernel(x, bias, zero):
    for r in range(x.shape[0]):
        row = x[r]
        for d in range(row.shape[0]):
            v = row[d] + bias[d]
            row[d] = v if v > zero or v != v else zero


KERNELS = {"arithmetic": arithmetic_kernel, "layer_norm_rows": layer_norm_rows_kernel,
           "bias_rows": bias_rows_kernel,
           "bias_relu_rows": bias_relu_rows_kernel,
           "bias_relu_rows_serial": bias_relu_rows_serial_kernel,
           "bias_channels": bias_channels_kernel,
        "channels_first": channels_first_kernel, "frame_in": frame_in_kernel,
        "swap_blocks": swap_blocks_kernel,
        "frame_out": frame_out_kernel,
        "affine_channel": affine_channel_kernel, "affine_rows": affine_rows_kernel,
        "affine_channel_backward": affine_channel_backward_kernel,
        "affine_rows_backward": affine_rows_backward_kernel,
        "adam": adam_kernel, "sgd_momentum": sgd_momentum_kernel,
        "standardize": standardize_kernel,
        "standardize_backward": standardize_backward_kernel,
        "index_add_rows": index_add_rows_kernel, "take_rows": take_rows_kernel,
        "relu": relu_kernel,
        "relu_backward": relu_backward_kernel, "pool2d": pool2d_kernel,
        "pool2x2": pool2x2_kernel, "spread2d": spread2d_kernel,
        "spread2x2": spread2x2_kernel, "im2col2d": im2col2d_kernel,
        "col2im2d": col2im2d_kernel, **MATH_KERNELS, **DEPTHWISE_KERNELS}
