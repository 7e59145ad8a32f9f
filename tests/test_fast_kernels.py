"""The optional fast paths (numba kernels, MKL products) against the NumPy reference.

The suite's own shapes are small, so the kernels' size thresholds keep most of it on the
NumPy path. Here the thresholds are lowered to 1: every kernel's result must equal the NumPy
code's bit for bit, and the parity tests of the ops that use them must still match PyTorch.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.backends import _mkl, _numba
from ember.nn.functional import _conv_fast
from ember.nn.functional._im2col import Geometry, _taps
from ember.nn.functional._pool_fast import block_max, spread_array
from ember.ops._common import keep_where

needs_numba = pytest.mark.skipif(not _numba.ENABLED, reason="numba is not installed")
RNG = np.random.default_rng(1)


@pytest.fixture
def forced(monkeypatch):
    """Fast paths taken at every size."""
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)
    monkeypatch.setattr(_mkl, "MIN_MULTIPLY_ADDS", 1)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view({4: np.int32, 8: np.int64}[a.dtype.itemsize])


def _same(got: np.ndarray, want: np.ndarray) -> None:
    """Equal values, NaN at the same places and the same sign on every zero (a NaN's sign
    and payload are not compared: sums that make a NaN differ there by instruction order)."""
    np.testing.assert_array_equal(got, want)
    numbers = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))


def _assert_close(fast: list, slow: list, dtype) -> None:
    """Kernel results against the NumPy code's: same shapes and dtypes, values to rounding
    (the kernels sum in another order)."""
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for f, s in zip(fast, slow, strict=True):
        assert f.shape == s.shape and f.dtype == s.dtype
        np.testing.assert_allclose(f, s, rtol=tol, atol=tol)


def _specials(shape, dtype) -> np.ndarray:
    """Random values with NaN, +-inf, -0.0 and repeated values (ties) mixed in."""
    x = RNG.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    picks = RNG.choice(flat.size, size=max(1, flat.size // 5), replace=False)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, 1.0], dtype)
    flat[picks] = specials[RNG.integers(0, len(specials), picks.size)]
    return x


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_kernels_equal_numpy_bitwise(forced, dtype) -> None:
    x = _specials((7, 33), dtype)
    np.testing.assert_array_equal(_bits(_numba.relu(x)), _bits(np.maximum(x, dtype(0))))
    g = _specials(x.shape, dtype)
    y = np.maximum(x, dtype(0))
    np.testing.assert_array_equal(_bits(_numba.relu_backward(g, y)),
                                  _bits(keep_where(np, g, y > 0)))


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32])
def test_small_relu_equals_numpy_bitwise_with_a_fresh_result(dtype) -> None:
    # Under MIN_ELEMENTS the maximum is taken against cached read-only zeros: the result
    # must be the scalar maximum's, bit for bit, in a new writable array every call.
    x = (_specials((7, 33), dtype) if dtype != np.int32
         else RNG.integers(-5, 5, (7, 33)).astype(dtype))
    for view in (x, x[:, ::2], x.T, x[0, 0]):
        want = np.maximum(view, dtype(0))
        got = _numba.relu(view)
        np.testing.assert_array_equal(np.ascontiguousarray(got).view(np.uint8),
                                      np.ascontiguousarray(want).view(np.uint8))
    first = _numba.relu(x)
    first[...] = 7  # the result is the caller's: writing it must not reach the cache
    np.testing.assert_array_equal(_numba.relu(x), np.maximum(x, dtype(0)))
    assert all(not z.flags.writeable for z in _numba._ZEROS.values())


def test_small_relu_zero_cache_stays_within_its_budget(monkeypatch) -> None:
    monkeypatch.setattr(_numba, "_ZEROS", {})
    monkeypatch.setattr(_numba, "_ZEROS_BYTES", 4096)
    for n in range(100, 400, 7):  # 43 shapes of 400-1600 bytes
        x = np.arange(-n, n, 2, dtype=np.float32)
        np.testing.assert_array_equal(ember.relu(ember.tensor(x)).numpy(), np.maximum(x, 0))
        assert sum(z.nbytes for z in _numba._ZEROS.values()) <= 4096


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kernel", [((2, 3, 8, 8), (2, 2)), ((2, 3, 9, 7), (2, 2)),
                                          ((1, 2, 10, 9), (3, 2)), ((2, 1, 5, 6), (1, 3))])
def test_max_pool_kernels_equal_numpy(forced, dtype, shape, kernel) -> None:
    x = _specials(shape, dtype)
    x[0, 0, :kernel[0], :kernel[1]] = np.nan  # a window of NaN only: the last one wins
    values, taps = _numba.max_pool2d(x, kernel)
    want_values, want_taps = block_max(np, x, kernel)
    # Same maxima and argmax taps. The kernel returns the element at the argmax, as
    # PyTorch does (a window of -0.0 then 0.0 gives -0.0); NumPy's maximum() gives +0.0
    # there, so zero signs are compared against x itself, not the NumPy path.
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(taps, want_taps)
    rows, cols = np.divmod(taps.astype(np.int64), kernel[1])
    grid = values.shape[2:]
    windows = x[:, :, :grid[0] * kernel[0], :grid[1] * kernel[1]].reshape(
        shape[:2] + (grid[0], kernel[0], grid[1], kernel[1]))
    in_row = np.take_along_axis(windows, rows[:, :, :, None, :, None], axis=3)
    at_tap = np.take_along_axis(in_row, cols[:, :, :, None, :, None], axis=5)
    np.testing.assert_array_equal(_bits(values), _bits(at_tap.reshape(values.shape)))
    g = _specials(values.shape, dtype)
    np.testing.assert_array_equal(
        _bits(_numba.max_pool2d_spread(g, taps, kernel, shape[2:])),
        _bits(spread_array(np, g, taps, kernel, shape[2:])))


@needs_numba
@pytest.mark.parametrize("dilation,pads,stride", [((1, 1), ((1, 1), (1, 1)), (1, 1)),
                                                  ((2, 1), ((0, 2), (1, 0)), (1, 1)),
                                                  ((1, 1), ((1, 1), (1, 1)), (2, 2)),
                                                  ((1, 2), ((0, 1), (2, 0)), (3, 2))])
def test_im2col_kernels_equal_numpy(forced, monkeypatch, used_kernels, dilation, pads,
                                    stride) -> None:
    c, n, size, kernel = 3, 5, (6, 7), (3, 2)
    geom = Geometry(size=size, kernel=kernel, dilation=dilation, pads=pads, stride=stride)
    taps = _taps(kernel)
    padded = RNG.standard_normal((c, n) + geom.padded).astype(np.float32)
    fast = np.full((c, len(taps), 4) + tuple(geom.grid), np.nan, np.float32)
    slow = fast.copy()
    dcols = RNG.standard_normal((c, len(taps), 2) + tuple(geom.grid)).astype(np.float32)
    dpad_fast = RNG.standard_normal(padded.shape).astype(np.float32)
    dpad_slow = dpad_fast.copy()
    # images 2..3 of 5 into the front of a 4-image buffer (a partial last chunk)
    _conv_fast._columns(np, padded, geom, taps, 2, 2, fast)
    _conv_fast._scatter(np, dpad_fast, dcols, geom, taps, 2, 2)
    assert {"im2col2d", "col2im2d"} <= used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    _conv_fast._columns(np, padded, geom, taps, 2, 2, slow)
    _conv_fast._scatter(np, dpad_slow, dcols, geom, taps, 2, 2)
    np.testing.assert_array_equal(fast[:, :, :2], slow[:, :, :2])
    assert np.isnan(fast[:, :, 2:]).all()  # the rest of the buffer is not touched
    np.testing.assert_array_equal(dpad_fast, dpad_slow)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_add_rows_equals_add_at_bitwise(forced, dtype) -> None:
    index = RNG.integers(0, 7, 50)  # many repeats: the order of the sums matters
    rows = _specials((50, 70), dtype)
    out, want = RNG.standard_normal((2, 7, 70)).astype(dtype)
    want = want.copy()
    out = want.copy()
    assert _numba.index_add_rows(out, index, rows)
    np.add.at(want, index, rows)
    _same(out, want)
    assert _numba.index_add_rows(out, np.array([0, 7] * 25), rows) is None  # out of range
    assert _numba.index_add_rows(out, -index, rows) is None  # negative: NumPy wraps them


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("index_dtype", [np.int64, np.int32])
@pytest.mark.parametrize("index_shape", [(40,), (5, 8), (2, 3, 4)])
def test_embedding_take_rows_kernel_equals_take(forced, used_kernels, dtype, index_dtype,
                                                index_shape) -> None:
    """The gather kernel copies rows bit for bit; embedding's forward runs it and still
    matches PyTorch's values and gradient."""
    table = _specials((9, 13), dtype)
    index = RNG.integers(0, 9, index_shape).astype(index_dtype)
    _same(_numba.take_rows(table, index), np.take(table, index, axis=0))
    assert _numba.take_rows(table[:, ::2], index) is None  # not contiguous: NumPy's take
    assert _numba.take_rows(table.astype(np.float16), index) is None
    weight = ember.tensor(RNG.standard_normal((9, 13)).astype(dtype), requires_grad=True)
    out = ember.nn.functional.embedding(ember.tensor(index), weight, padding_idx=2)
    assert used_kernels >= {"take_rows"}
    g = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(ember.tensor(g))
    torch = pytest.importorskip("torch")
    tw = torch.tensor(weight.detach().numpy(), requires_grad=True)
    theirs = torch.nn.functional.embedding(torch.tensor(index).long(), tw, padding_idx=2)
    theirs.backward(torch.tensor(g))
    np.testing.assert_array_equal(out.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_allclose(weight.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-6)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dims,center", [
    ((4, 6, 10), (2,), True),            # layer norm: rows
    ((3, 5, 4, 6), (2, 3), True),        # instance norm: rows of H*W
    ((4, 6, 10), (2,), False),           # RMS norm
    ((5, 3, 4, 6), (0, 2, 3), True),     # batch norm: per channel over N, H, W
    ((7, 3), (0,), True),                # batch norm 1-d
])
def test_standardize_kernels_match_numpy(forced, used_kernels, monkeypatch, dtype, shape,
                                         dims, center) -> None:
    from ember.nn.functional._norm_prim import standardize

    x = RNG.standard_normal(shape).astype(dtype) * 3 + 1
    g = RNG.standard_normal(shape).astype(dtype)

    def run():
        t = ember.tensor(x, requires_grad=True)
        y, mean, var = standardize(t, dims, 1e-5, center)
        y.backward(ember.tensor(g))
        return [a.detach().numpy().copy() for a in (y, mean, var, t.grad)]

    fast = run()
    assert {"standardize", "standardize_backward"} <= used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    _assert_close(fast, run(), dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,wshape,per_channel", [
    ((4, 6, 5, 3), (6,), True), ((5, 7), (7,), True),     # batch/group/instance norm
    ((4, 6, 10), (10,), False), ((3, 4, 5, 6), (5, 6), False),  # layer norm
])
def test_norm_affine_kernels_match_numpy(forced, used_kernels, monkeypatch, dtype, shape,
                                         wshape, per_channel) -> None:
    from ember.nn.functional._norm_prim import norm_affine

    y, g = (_specials(shape, dtype) for _ in range(2))
    w, b = (RNG.standard_normal(wshape).astype(dtype) for _ in range(2))

    def run():
        ty, tw, tb = (ember.tensor(a, requires_grad=True) for a in (y, w, b))
        out = norm_affine(ty, tw, tb, per_channel)
        out.backward(ember.tensor(g))
        return [a.detach().numpy().copy() for a in (out, ty.grad, tw.grad, tb.grad)]

    fast = run()
    kind = "channel" if per_channel else "rows"
    assert used_kernels == {f"affine_{kind}", f"affine_{kind}_backward"}
    monkeypatch.setattr(_numba, "ENABLED", False)
    _assert_close(fast, run(), dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,normalized", [((4, 6, 10), (10,)), ((3, 4, 5, 6), (5, 6)),
                                              ((2, 7), (7,))])
def test_inference_layer_norm_kernel_matches_the_primitives(forced, used_kernels,
                                                             monkeypatch, dtype, shape,
                                                             normalized) -> None:
    """Under no_grad layer_norm is one kernel pass; its output is the two primitives'
    (standardize, then the affine) to rounding, the NumPy composition's, and PyTorch's."""
    x = RNG.standard_normal(shape).astype(dtype) * 3 + 1
    w, b = (RNG.standard_normal(normalized).astype(dtype) for _ in range(2))
    args = [ember.tensor(a) for a in (x, w, b)]
    with ember.no_grad():
        fused = ember.nn.functional.layer_norm(args[0], normalized, *args[1:]).numpy()
    assert used_kernels == {"layer_norm_rows"}
    used_kernels.clear()
    recorded = ember.nn.functional.layer_norm(args[0], normalized, *args[1:]).numpy()
    assert used_kernels == {"standardize", "affine_rows"}
    monkeypatch.setattr(_numba, "ENABLED", False)
    with ember.no_grad():
        reference = ember.nn.functional.layer_norm(args[0], normalized, *args[1:]).numpy()
    _assert_close([fused, fused], [recorded, reference], dtype)
    torch = pytest.importorskip("torch")
    theirs = torch.nn.functional.layer_norm(torch.tensor(x), normalized, torch.tensor(w),
                                            torch.tensor(b)).numpy()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fused, theirs, rtol=tol, atol=tol)


@needs_numba
@pytest.mark.parametrize("kind", ["layer", "batch"])
@pytest.mark.parametrize("offset", [0.0, 1e3, 1e4])
@pytest.mark.parametrize("outlier_first", [False, True])
def test_norm_kernels_keep_float64_accuracy_on_large_means(forced, used_kernels, kind,
                                                           offset, outlier_first) -> None:
    """float32 inputs of a large mean and a small spread: the kernels' float32 output passes
    still give the float64 result to float32 rounding (rounding the mean to float32 alone
    was off by 1.5e-2 at a mean of 1e4), in training, backward and inference; 160 rows, so
    the layer-norm affine backward's 16-row partial sums are flushed mid-chunk. With
    ``outlier_first`` the first element of every row (channel) lies 200 standard deviations
    out: the one-pass statistics shift by it."""
    shape, normalized = ((160, 64), (64,)) if kind == "layer" else ((8, 6, 7, 5), None)
    x = (offset + 0.01 * RNG.standard_normal(shape)).astype(np.float32)
    if outlier_first:
        first = (slice(None), 0) if kind == "layer" else (0, slice(None), 0, 0)
        x[first] += np.float32(2.0)
    g = RNG.standard_normal(shape).astype(np.float32)
    size = shape[-1] if kind == "layer" else shape[1]
    w, b = (1 + 0.1 * RNG.standard_normal((2, size))).astype(np.float32)
    F = ember.nn.functional

    def run(lib, dtype):
        xt, wt, bt = (lib.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b))
        if kind == "layer":
            out = lib.nn.functional.layer_norm(xt, normalized, wt, bt)
        else:
            out = lib.nn.functional.batch_norm(xt, None, None, wt, bt, training=True)
        out.backward(lib.tensor(g.astype(dtype)))
        return [t.detach().numpy() for t in (out, xt.grad, wt.grad, bt.grad)]

    torch = pytest.importorskip("torch")
    want = run(torch, np.float64)
    got = run(ember, np.float32)
    assert {"standardize", "standardize_backward"} <= used_kernels
    for name, ours, exact in zip(["y", "dx", "dw", "db"], got, want):
        scale = np.abs(exact).max()
        assert np.abs(ours - exact).max() <= 1e-6 * scale, name
    if kind == "layer":
        with ember.no_grad():
            y = F.layer_norm(ember.tensor(x), normalized, ember.tensor(w), ember.tensor(b))
        assert "layer_norm_rows" in used_kernels
        assert np.abs(y.numpy() - want[0]).max() <= 1e-6 * np.abs(want[0]).max()


@needs_numba
def test_inference_layer_norm_kernel_declines(forced) -> None:
    x = np.ones((300, 300), np.float32)
    w = np.ones(300, np.float32)
    assert _numba.layer_norm(x, (0, 1), 1e-5, w.repeat(300), w.repeat(300)) is None  # no rows
    assert _numba.layer_norm(x, (0,), 1e-5, w, w) is None                # not trailing
    assert _numba.layer_norm(x, (1,), 1e-5, w.astype(np.float64), w) is None  # dtypes
    assert _numba.layer_norm(x[:, ::2], (1,), 1e-5, w[:150], w[:150]) is None  # layout


@needs_numba
@pytest.mark.parametrize("need_b", [True, False])
def test_conv_bias_kernels_match_numpy(forced, used_kernels, monkeypatch, need_b) -> None:
    x, w, bias = (RNG.standard_normal(s).astype(np.float32)
                  for s in ((5, 3, 9, 8), (4, 3, 3, 3), (4,)))
    g = RNG.standard_normal((5, 4, 9, 8)).astype(np.float32)
    geom = Geometry(size=(9, 8), kernel=(3, 3), dilation=(1, 1), pads=((1, 1), (1, 1)),
                    stride=(1, 1))
    monkeypatch.setattr(_conv_fast, "_CHUNK_BYTES", 3 * 9 * 9 * 8 * 4 * 2)  # 2 images a chunk

    def run():
        out, padded = _conv_fast.forward(np, x, w, bias, geom)
        grads = _conv_fast.backward(np, g, w, padded, geom, True, True, need_b)
        return [out] + [a for a in grads if a is not None]

    fast = run()
    assert {"bias_channels", "channels_first"} <= used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    for f, s in zip(fast, run()):
        np.testing.assert_allclose(f, s, rtol=1e-5, atol=1e-5)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_bias_kernels_match_numpy(forced, used_kernels, monkeypatch, dtype) -> None:
    x, w, b = (RNG.standard_normal(s).astype(dtype) for s in ((37, 20), (70, 20), (70,)))
    g = RNG.standard_normal((37, 70)).astype(dtype)

    def run():
        tx, tw, tb = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
        out = ember.nn.functional.linear(tx, tw, tb)
        out.backward(ember.tensor(g))
        return [a.detach().numpy().copy() for a in (out, tb.grad)]

    fast = run()
    assert "bias_rows" in used_kernels
    monkeypatch.setattr(_numba, "ENABLED", False)
    _assert_close(fast, run(), dtype)


_ARITHMETIC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(_ARITHMETIC))
def test_arithmetic_kernel_equals_numpy_bitwise(forced, dtype, name) -> None:
    x, y = _specials((37, 53), dtype), _specials((37, 53), dtype)  # zeros: x / 0 too
    with np.errstate(all="ignore"):
        _same(_numba.arithmetic(name, x, y), _ARITHMETIC[name](x, y))


@needs_numba
def test_arithmetic_kernel_declines_what_numpy_must_do(forced) -> None:
    x = np.ones((64, 64), np.float32)
    for y in (x[0], x.T, x.astype(np.float64), x.astype(np.int32)):  # broadcast, layout, dtype
        assert _numba.arithmetic("add", x, y) is None
    assert _numba.arithmetic("add", x.astype(np.int32), x.astype(np.int32)) is None


@needs_numba
@pytest.mark.parametrize("name", sorted(_ARITHMETIC))
def test_large_arithmetic_ops_use_the_kernel(monkeypatch, name) -> None:
    """Both the no-graph fast path and the recorded op hand large same-shape float arrays to
    the kernel, and give NumPy's values bit for bit."""
    calls = []
    kernel = _numba.arithmetic

    def counting(*args):
        calls.append(args[0])
        return kernel(*args)

    monkeypatch.setattr(_numba, "arithmetic", counting)
    x, y = (_specials((512, 300), np.float32) for _ in range(2))
    with np.errstate(all="ignore"):
        want = _ARITHMETIC[name](x, y)
    op = getattr(ember, name)
    with ember.no_grad():
        _same(op(ember.tensor(x), ember.tensor(y)).numpy(), want)
    recorded = op(ember.tensor(x, requires_grad=True), ember.tensor(y))
    _same(recorded.detach().numpy(), want)
    assert calls == [name, name]


def test_kernels_decline_without_numba(monkeypatch) -> None:
    monkeypatch.setattr(_numba, "ENABLED", False)
    x = np.ones((300, 300), np.float32)
    assert _numba.relu(x) is None and _numba.relu_backward(x, x) is None
    assert _numba.max_pool2d(x.reshape(1, 1, 300, 300), (2, 2)) is None
    assert _numba.attention(x, x, x, 0.5, False, False) is None


@needs_numba
def test_kernels_decline_what_they_do_not_handle(forced) -> None:
    x = np.ones((64, 64), np.float32)
    assert _numba.relu(x[:, ::2]) is None               # not contiguous
    assert _numba.relu(x.astype(np.int32)) is None      # not floating
    assert _numba.relu(x.astype(">f4")) is None         # byte-swapped
    assert _numba.relu_backward(x, x.astype(np.float64)) is None
    assert _numba.max_pool2d(x.reshape(1, 1, 1, 64, 64), (2, 2)) is None  # 3-D pooling


def _attention_reference(q, k, v, scale: float, causal: bool) -> tuple:
    """softmax(q k^T * scale) v in float64 NumPy, and the probabilities."""
    s = (q.astype(np.float64) @ np.swapaxes(k, -1, -2).astype(np.float64)) * scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return p @ v.astype(np.float64), p


def _heads_of_projection(n: int, length: int, heads: int, depth: int) -> list:
    """q, k, v as (N, H, L, depth) views of one (N, L, 3 * H * depth) projection, the layout
    multi-head attention hands over (no unit batch strides)."""
    qkv = RNG.standard_normal((n, length, 3 * heads * depth)).astype(np.float32)
    return [t.reshape(n, length, heads, depth).transpose(0, 2, 1, 3)
            for t in np.split(qkv, 3, axis=-1)]


@needs_numba
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("case", ["projection", "contiguous", "3-d", "2-d", "longer keys",
                                  "fewer keys", "value width"])
def test_attention_kernel_against_float64(forced, case, keep, causal) -> None:
    shapes = {"contiguous": ((2, 3, 9, 5),) * 3, "3-d": ((4, 9, 5),) * 3,
              "2-d": ((9, 5),) * 3, "longer keys": ((2, 3, 6, 5), (2, 3, 11, 5), (2, 3, 11, 5)),
              "fewer keys": ((2, 7, 5), (2, 4, 5), (2, 4, 5)),
              "value width": ((2, 3, 9, 5), (2, 3, 9, 5), (2, 3, 9, 7))}
    if case == "projection":
        q, k, v = _heads_of_projection(2, 9, 3, 5)
    else:
        q, k, v = (RNG.standard_normal(s).astype(np.float32) for s in shapes[case])
    out, probs = _numba.attention(q, k, v, 0.4, causal, keep)
    want, want_p = _attention_reference(q, k, v, 0.4, causal)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    assert out.shape == want.shape and out.dtype == np.float32
    if case == "projection":  # the output keeps q's memory layout (heads merge as a view)
        assert np.argsort(out.strides).tolist() == np.argsort(q.strides).tolist()
    if keep:
        assert probs.flags.c_contiguous
        np.testing.assert_allclose(probs, want_p, rtol=1e-5, atol=1e-7)
    else:
        assert probs is None


@needs_numba
def test_attention_kernel_non_finite_rows_as_the_numpy_path(forced, used_kernels) -> None:
    # a row whose scores hold +inf gives NaN, as the NumPy code's softmax
    q, k, v = (RNG.standard_normal((1, 2, 6, 4)).astype(np.float32) for _ in range(3))
    q[0, 1, 2, 0] = np.inf
    ours = [ember.tensor(a) for a in (q, k, v)]
    got = ember.nn.functional.scaled_dot_product_attention(*ours).numpy()
    assert used_kernels == {"attention"}
    used_kernels.clear()
    previous = _numba.set_enabled(False)
    try:
        want = ember.nn.functional.scaled_dot_product_attention(*ours).numpy()
        assert _numba.attention(*(a.numpy() for a in ours), 0.5, False, False) is None
    finally:
        _numba.set_enabled(previous)
    assert used_kernels == set()  # the NumPy path ran no kernel
    assert np.isnan(want).any()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@needs_numba
def test_attention_kernel_declines_what_it_does_not_handle(forced) -> None:
    q = RNG.standard_normal((2, 3, 8, 4)).astype(np.float32)
    assert _numba.attention(q, q, q, 0.5, False, False) is not None
    assert _numba.attention(q.astype(np.float64), q.astype(np.float64),
                            q.astype(np.float64), 0.5, False, False) is None
    assert _numba.attention(q[None], q[None], q[None], 0.5, False, False) is None  # 3 batch dims
    strided = np.swapaxes(q, -1, -2).copy().swapaxes(-1, -2)  # columns not unit-stride
    assert _numba.attention(strided, q, q, 0.5, False, False) is None
    for scale in (0.0, -1.0, 1e-46, np.inf):
        assert _numba.attention(q, q, q, scale, False, False) is None
    # shapes that do not pair up (the kernel indexes by q's batch and k's length)
    assert _numba.attention(q, q[:1], q[:1], 0.5, False, False) is None   # batch
    assert _numba.attention(q, q, q[:, :, :5], 0.5, False, False) is None  # value length
    assert _numba.attention(q, q[..., :3], q, 0.5, False, False) is None   # key width


@needs_numba
@pytest.mark.parametrize("batch_first", [True, False])
def test_attention_kernel_in_multihead_attention_matches_torch(forced, used_kernels,
                                                                batch_first) -> None:
    # the heads are strided views of the projection; the probabilities the kernel keeps
    # feed the backward
    torch = pytest.importorskip("torch")
    ours = ember.nn.MultiheadAttention(32, 4, batch_first=batch_first)
    theirs = torch.nn.MultiheadAttention(32, 4, batch_first=batch_first)
    ours.load_state_dict({k: ember.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((3, 10, 32) if batch_first else (10, 3, 32)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_e = ours(xe, xe, xe, need_weights=False)[0]
    out_t = theirs(xt, xt, xt, need_weights=False)[0]
    assert "attention" in used_kernels
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    g = RNG.standard_normal(x.shape).astype(np.float32)
    out_e.backward(ember.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_attention_kernel_declines_small_problems() -> None:
    q = RNG.standard_normal((2, 3, 8, 4)).astype(np.float32)  # 384 scores < MIN_ELEMENTS
    assert _numba.attention(q, q, q, 0.5, False, False) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_linear_bias_gradient_matches_torch(dtype) -> None:
    # 700 x 400 output gradient: over _SUM_AS_PRODUCT, so summed as a product with ones
    import importlib

    torch = pytest.importorskip("torch")
    linear_module = importlib.import_module("ember.nn.functional.linear")
    assert 700 * 400 >= linear_module._SUM_AS_PRODUCT
    x, w, b = (RNG.standard_normal(s).astype(dtype) for s in ((700, 64), (400, 64), (400,)))
    g = RNG.standard_normal((700, 400)).astype(dtype)
    ours = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ember.nn.functional.linear(*ours).backward(ember.tensor(g))
    torch.nn.functional.linear(*theirs).backward(torch.tensor(g))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(ours[2].grad.numpy(), g.astype(np.float64).sum(0), rtol=tol,
                               atol=tol)


# The parity tests of the ops that use a fast path, rerun with the paths taken at every size.
_FAST_OPS = re.compile(r"^(relu|nn\.functional\.relu|matmul$|__r?matmul__|mm$|bmm$|addmm|"
                       r"nn\.linear|scaled_dot_product_attention|conv[123]d|max_pool2d|"
                       r"lstm_cell|gru_cell|index_add|index_select|nn\.embedding|__getitem__|"
                       r"nn\.(batch|instance|layer|rms|group)_norm)")


def _fast_cases():
    from tests.test_op_parity import CASES

    return [c for c in CASES if _FAST_OPS.match(c.values[0].id)]


@pytest.mark.parametrize("rec,sample,dtype", _fast_cases())
def test_parity_with_fast_paths_forced(forced, rec, sample, dtype) -> None:
    from tests.test_op_parity import test_forward_and_grad_match_torch

    test_forward_and_grad_match_torch(rec, sample, dtype)


@needs_numba
def test_cnn_training_step_same_with_and_without_kernels(monkeypatch) -> None:
    """A whole conv-relu-pool training step at a size that takes the kernels by default."""
    def step() -> list[np.ndarray]:
        ember.manual_seed(0)
        model = ember.nn.Sequential(
            ember.nn.Conv2d(2, 8, 3, padding=1), ember.nn.ReLU(), ember.nn.MaxPool2d(2),
            ember.nn.Flatten(), ember.nn.Linear(8 * 16 * 16, 5))
        x = ember.tensor(np.random.default_rng(0).standard_normal((32, 2, 32, 32))
                         .astype(np.float32))
        model(x).square().mean().backward()
        return [p.grad.numpy().copy() for p in model.parameters()]

    fast = step()
    monkeypatch.setattr(_numba, "ENABLED", False)
    slow = step()
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f, s, rtol=1e-5, atol=1e-6)


@needs_numba
@pytest.mark.parametrize("name,options", [
    ("Adam", {}), ("Adam", {"weight_decay": 0.01, "maximize": True}),
    ("AdamW", {"weight_decay": 0.1}), ("Adam", {"betas": (0.3, 0.9)}),  # lerp's other branch
    ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"momentum": 0.5, "maximize": True}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_kernels_equal_numpy_bitwise(forced, used_kernels, monkeypatch, name,
                                               options, dtype) -> None:
    start = RNG.standard_normal((6, 7)).astype(dtype)

    def trajectory() -> np.ndarray:
        w = ember.tensor(start.copy(), requires_grad=True)
        opt = getattr(ember.optim, name)([w], lr=0.05, **options)
        for _ in range(4):
            opt.zero_grad()
            (w * w * w).sum().backward()
            opt.step()
        return w.detach().numpy().copy()

    fast = trajectory()
    assert used_kernels == {"adam" if name.startswith("Adam") else "sgd_momentum"}
    monkeypatch.setattr(_numba, "ENABLED", False)
    np.testing.assert_array_equal(_bits(fast), _bits(trajectory()))


@needs_numba
def test_optimizer_kernels_respect_one_thread(forced, used_kernels) -> None:
    w = ember.tensor(np.ones((8, 8), np.float32), requires_grad=True)
    opt = ember.optim.Adam([w])
    previous = ember.optim.get_num_threads()
    ember.optim.set_num_threads(1)
    try:
        w.sum().backward()
        opt.step()
    finally:
        ember.optim.set_num_threads(previous)
    assert not used_kernels  # one thread asked for: the NumPy update on the caller


@needs_numba
def test_unusable_numba_falls_back_to_numpy(forced, monkeypatch) -> None:
    # as when numba's import fails (e.g. "Numba needs NumPy 2.2 or less")
    monkeypatch.setitem(sys.modules, "ember.backends._numba_kernels", None)
    monkeypatch.setattr(_numba, "_kernels", {})
    monkeypatch.setattr(_numba, "ENABLED", True)
    x = RNG.standard_normal((5, 6)).astype(np.float32)
    assert _numba.relu(x) is None and not _numba.ENABLED
    np.testing.assert_array_equal(ember.relu(ember.tensor(x)).numpy(), np.maximum(x, 0))


@needs_numba
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_forked_workers_after_a_parallel_kernel() -> None:
    """GNU OpenMP kills a forked child at its first parallel region once the parent has
    run one; the kernels switch off in forked children (DataLoader workers)."""
    code = """
import multiprocessing as mp, numpy as np, ember
from ember.data import DataLoader, Dataset
class Images(Dataset):
    def __len__(self): return 4
    def __getitem__(self, i): return ember.relu(ember.ones(3, 160, 160) * (i - 1.5))
ember.relu(ember.randn(1 << 17))  # the parent runs a parallel kernel first
total = sum(float(b.sum()) for b in DataLoader(Images(), batch_size=2, num_workers=2))
print(round(total, 3))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(round(3 * 160 * 160 * (0.5 + 1.5), 3))


@needs_numba
def test_optimizer_kernels_follow_torch(forced) -> None:
    torch = pytest.importorskip("torch")
    start = RNG.standard_normal((5, 8)).astype(np.float32)
    for name in ("Adam", "SGD"):
        options = {"momentum": 0.9} if name == "SGD" else {}
        e = ember.tensor(start.copy(), requires_grad=True)
        t = torch.tensor(start.copy(), requires_grad=True)
        e_opt = getattr(ember.optim, name)([e], lr=0.05, **options)
        t_opt = getattr(torch.optim, name)([t], lr=0.05, **options)
        for _ in range(5):
            e_opt.zero_grad()
            t_opt.zero_grad()
            (e * e * e).sum().backward()
            (t * t * t).sum().backward()
            e_opt.step()
            t_opt.step()
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
