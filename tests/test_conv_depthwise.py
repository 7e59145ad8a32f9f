"""Depthwise convolutions on the backend's stencil kernels (``_conv_depthwise``): forward
and every gradient against PyTorch in float64, float64 finite differences, infinities,
double backward (which runs on the column path) and the fallback when the kernels decline.

The kernels' size threshold is lowered to 1 so that small cases reach them; the fixture
``used_kernels`` shows which kernels ran."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F
from ember.backends import _numba

needs_numba = pytest.mark.skipif(not _numba.ENABLED, reason="numba is not installed")
RNG = np.random.default_rng(11)

# (input shape, weight shape, conv kwargs, the kernel family expected to run)
CASES = {
    "3x3 pad 1": ((2, 3, 9, 10), (3, 1, 3, 3), dict(padding=1), "frame"),
    "3x3 dilation 2": ((2, 4, 11, 9), (4, 1, 3, 3), dict(dilation=2, padding=1), "frame"),
    "4x4 same (uneven pads)": ((1, 3, 8, 7), (3, 1, 4, 4), dict(padding="same"), "frame"),
    "3x3 pad 3 (wider than the kernel)": ((2, 2, 5, 6), (2, 1, 3, 3), dict(padding=3),
                                          "frame"),
    "multiplier 2, stride (2, 1)": ((2, 3, 9, 8), (6, 1, 3, 5),
                                    dict(stride=(2, 1), padding=(2, 0)), "rows"),
    "5x5 stride 2 dilation (2, 1)": ((2, 2, 13, 12), (2, 1, 5, 5),
                                     dict(stride=2, padding=2, dilation=(2, 1)), "rows"),
    "1x1 multiplier 3": ((2, 2, 4, 5), (6, 1, 1, 1), dict(), "frame"),
    "stride 3 pad 0": ((1, 3, 10, 11), (3, 1, 2, 3), dict(stride=3), "rows"),
}


@pytest.fixture
def forced(monkeypatch):
    monkeypatch.setattr(_numba, "MIN_ELEMENTS", 1)


def _torch_conv(x, w, b, nd, kw):
    conv = torch.nn.functional.conv1d if nd == 1 else torch.nn.functional.conv2d
    return conv(x, w, b, groups=x.shape[1], **kw)


def _compare(x_shape, w_shape, kw, dtype, bias=True, inputs=None):
    """Forward and the three gradients of ember (``dtype``) against PyTorch in float64,
    with an upstream gradient that reaches the kernel as a transposed (non-contiguous)
    array."""
    nd = len(x_shape) - 2
    xs, ws = inputs or (RNG.standard_normal(x_shape), RNG.standard_normal(w_shape))
    bs = RNG.standard_normal(w_shape[0])
    ex, ew = (ember.tensor(a.astype(dtype), requires_grad=True) for a in (xs, ws))
    eb = ember.tensor(bs.astype(dtype), requires_grad=True) if bias else None
    conv = F.conv1d if nd == 1 else F.conv2d
    out = conv(ex, ew, eb, groups=x_shape[1], **kw)
    tx, tw = (torch.tensor(a.astype(dtype).astype(np.float64), requires_grad=True)
              for a in (xs, ws))
    tb = torch.tensor(bs.astype(dtype).astype(np.float64), requires_grad=True) if bias else None
    want = _torch_conv(tx, tw, tb, nd, kw)
    r = RNG.standard_normal(tuple(want.shape[:-2]) + tuple(want.shape[-2:][::-1])
                            if nd == 2 else tuple(want.shape))
    er, tr = ember.tensor(r.astype(dtype)), torch.tensor(r.astype(dtype).astype(np.float64))
    if nd == 2:
        (out.mT * er).sum().backward()
        (want.mT * tr).sum().backward()
    else:
        (out * er).sum().backward()
        (want * tr).sum().backward()
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), **tol)
    pairs = [(ex, tx), (ew, tw)] + ([(eb, tb)] if bias else [])
    for got, ref in pairs:
        assert got.grad.dtype == got.dtype
        np.testing.assert_allclose(got.grad.numpy(), ref.grad.numpy(), **tol)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_depthwise_conv2d_matches_torch(forced, used_kernels, case, dtype) -> None:
    x_shape, w_shape, kw, family = CASES[case]
    _compare(x_shape, w_shape, kw, dtype)
    assert f"depthwise_{family}_forward" in used_kernels
    assert any(name.startswith(f"depthwise_{family}_") and "forward" not in name
               for name in used_kernels)


@needs_numba
@pytest.mark.parametrize("kw", [dict(padding=3), dict(stride=2, padding=1, dilation=2)])
def test_depthwise_conv1d_runs_as_height_one(forced, used_kernels, kw) -> None:
    _compare((2, 5, 30), (5, 1, 7), kw, np.float32)
    assert any(name.startswith("depthwise_") for name in used_kernels)


@needs_numba
def test_depthwise_without_bias(forced, used_kernels) -> None:
    _compare((2, 3, 7, 7), (3, 1, 3, 3), dict(padding=1), np.float64, bias=False)
    assert "depthwise_frame_backward" in used_kernels


@needs_numba
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("where", ["input", "weight", "gradient"])
def test_depthwise_infinities_match_torch(forced, stride, where) -> None:
    """PyTorch multiplies the padding's zeros in (0 * inf = NaN) and never reads what no
    window reads. The stride-1 kernels also multiply margin zeros by values no window
    reads, the row kernels skip padding taps: the results must still be PyTorch's."""
    xs = RNG.standard_normal((2, 3, 6, 7))
    ws = RNG.standard_normal((3, 1, 3, 3))
    kw = dict(padding=1, stride=stride)
    out_shape = torch.nn.functional.conv2d(torch.tensor(xs), torch.tensor(ws), groups=3,
                                           **kw).shape
    gs = RNG.standard_normal(tuple(out_shape))
    if where == "input":
        xs[0, 1, 2, -1] = np.inf  # the last column: tap kw=0 of a 3x3 pad-1 window never reads it
    elif where == "weight":
        ws[1, 0, 0, 2] = -np.inf  # reads the padding at the first row's outputs
    else:
        gs[0, 2, 0, 0] = np.inf  # an output whose window reads the padding
    ex, ew = (ember.tensor(a, requires_grad=True) for a in (xs, ws))
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (xs, ws))
    out = F.conv2d(ex, ew, groups=3, **kw)
    want = torch.nn.functional.conv2d(tx, tw, groups=3, **kw)
    out.backward(ember.tensor(gs))
    want.backward(torch.tensor(gs))
    with np.errstate(invalid="ignore"):
        for got, ref in ((out.detach(), want.detach()), (ex.grad, tx.grad), (ew.grad, tw.grad)):
            np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("needs", [(True, False, False), (False, True, True), (False, False, True)])
def test_depthwise_partial_gradients_and_strided_inputs(forced, used_kernels, stride,
                                                        needs) -> None:
    """Only some of input, weight and bias require a gradient; input and weight are
    non-contiguous views."""
    xs = RNG.standard_normal((2, 9, 4, 8)).transpose(0, 2, 3, 1)  # (2, 4, 8, 9) strided
    ws = RNG.standard_normal((1, 3, 3, 8)).transpose(3, 0, 1, 2)  # (8, 1, 3, 3) strided
    bs = RNG.standard_normal(8)
    kw = dict(padding=(1, 2), stride=stride, groups=4)
    leaves = [ember.tensor(a, requires_grad=need) for a, need in zip((xs, ws, bs), needs)]
    refs = [torch.tensor(np.ascontiguousarray(a), requires_grad=need)
            for a, need in zip((xs, ws, bs), needs)]
    out = F.conv2d(*leaves, **kw)
    want = torch.nn.functional.conv2d(*refs, **kw)
    out.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    for leaf, ref, need in zip(leaves, refs, needs):
        assert (leaf.grad is None) == (not need)
        if need:
            np.testing.assert_allclose(leaf.grad.numpy(), ref.grad.numpy(), rtol=1e-11,
                                       atol=1e-12)
    assert any(name.startswith("depthwise_") for name in used_kernels)


@needs_numba
def test_depthwise_matches_column_path(forced, used_kernels) -> None:
    """The kernels against ember's own column path (kernels turned off) on one case."""
    xs = RNG.standard_normal((3, 4, 12, 10)).astype(np.float32)
    ws = RNG.standard_normal((8, 1, 3, 3)).astype(np.float32)

    def run():
        x, w = ember.tensor(xs, requires_grad=True), ember.tensor(ws, requires_grad=True)
        out = F.conv2d(x, w, groups=4, padding=(1, 2), dilation=(1, 2))
        out.backward(ember.ones_like(out))
        return out.detach().numpy(), x.grad.numpy(), w.grad.numpy()

    fast = run()
    assert "depthwise_frame_forward" in used_kernels
    previous = _numba.set_enabled(False)
    try:
        slow = run()
    finally:
        _numba.set_enabled(previous)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@needs_numba
def test_depthwise_finite_differences(forced) -> None:
    """Float64 gradients of the kernels against central differences, without torch."""
    xs = RNG.standard_normal((1, 2, 5, 6))
    ws = RNG.standard_normal((4, 1, 3, 2))
    r = RNG.standard_normal((1, 4, 3, 6))

    def loss(xa, wa):
        out = F.conv2d(ember.tensor(xa), ember.tensor(wa), groups=2, stride=(1, 1),
                       padding=(0, 1), dilation=(1, 2))
        return float((out.numpy() * r).sum())

    x, w = ember.tensor(xs, requires_grad=True), ember.tensor(ws, requires_grad=True)
    out = F.conv2d(x, w, groups=2, padding=(0, 1), dilation=(1, 2))
    (out * ember.tensor(r)).sum().backward()
    for arr, grad, which in ((xs, x.grad.numpy(), 0), (ws, w.grad.numpy(), 1)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            step = np.zeros_like(arr)
            step[idx] = 1e-6
            args = [xs, ws]
            args[which] = arr + step
            up = loss(*args)
            args[which] = arr - step
            numeric[idx] = (up - loss(*args)) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


@needs_numba
def test_depthwise_double_backward_matches_torch(forced, used_kernels) -> None:
    """A gradient penalty: create_graph runs the backward in ember ops from a depthwise
    forward, and its second derivative matches PyTorch's."""
    xs, ws = RNG.standard_normal((2, 3, 6, 6)), RNG.standard_normal((3, 1, 3, 3))
    x, w = ember.tensor(xs, requires_grad=True), ember.tensor(ws, requires_grad=True)
    out = F.conv2d(x, w, groups=3, padding=1)
    (gx,) = ember.autograd.grad((out * out).sum(), [x], create_graph=True)
    (gx * gx).sum().backward()
    assert "depthwise_frame_forward" in used_kernels
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    tout = torch.nn.functional.conv2d(tx, tw, groups=3, padding=1)
    (tgx,) = torch.autograd.grad((tout * tout).sum(), [tx], create_graph=True)
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


def test_depthwise_declined_runs_column_path(used_kernels) -> None:
    """Under the kernels' size threshold (or without numba) the column path runs, with
    the same results."""
    _compare((1, 2, 4, 4), (2, 1, 3, 3), dict(padding=1), np.float64)
    assert not any(name.startswith("depthwise_") for name in used_kernels)
