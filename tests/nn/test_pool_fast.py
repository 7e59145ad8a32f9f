"""The non-overlapping max-pool fast path (``stride == kernel_size``, no padding or
dilation) against PyTorch, bit for bit: values, ``return_indices`` and gradients, with ties
(the first maximum of a window gets the gradient), NaN (the last NaN of a window is the
max and its index), odd sizes (trailing rows/columns dropped), 1d/2d/3d; plus double
backward, forward mode and float64 finite differences."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import ember
import ember.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [  # nd, shape, kernel
    (2, (2, 3, 8, 8), 2),
    (2, (2, 3, 7, 7), 2),
    (2, (3, 2, 9, 11), 3),
    (2, (2, 2, 8, 9), (2, 4)),
    (2, (2, 2, 6, 5), (1, 2)),
    (2, (3, 7, 7), 2),  # unbatched
    (1, (2, 3, 9), 2),
    (1, (2, 3, 10), 5),
    (3, (2, 2, 5, 6, 7), 2),
    (3, (1, 2, 6, 6, 6), (3, 1, 2)),
]


def _input(shape, kind, dtype, rng):
    if kind == "distinct":
        return rng.standard_normal(shape).astype(dtype)
    a = rng.integers(0, 3, shape).astype(dtype)  # many ties, all-equal windows included
    if kind == "nan":
        a.flat[rng.choice(a.size, max(1, a.size // 5), replace=False)] = np.nan
    if kind == "inf":
        a[a == 0] = -np.inf
    return a


def _fast(y) -> bool:
    """Whether ``y`` came from the fast path (through an unbatched input's squeeze)."""
    node = y.grad_fn
    while node is not None and node.name() != "MaxPoolBlocksBackward" and node.edges:
        node = node.edges[0][0] if node.edges[0] else None
        node = node if hasattr(node, "edges") else None
    return node is not None and node.name() == "MaxPoolBlocksBackward"


def _pool(lib, nd):
    return getattr(F if lib is ember else TF, f"max_pool{nd}d")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["distinct", "ties", "nan", "inf"])
@pytest.mark.parametrize("nd,shape,kernel", CASES)
def test_matches_torch(nd, shape, kernel, kind, dtype):
    rng = np.random.default_rng(zlib.crc32(repr((nd, shape, kernel, kind)).encode()))
    a = _input(shape, kind, dtype, rng)
    ex, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ey, ei = _pool(ember, nd)(ex, kernel, return_indices=True)
    ty, ti = _pool(torch, nd)(tx, kernel, return_indices=True)
    assert _fast(ey)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    assert ei.dtype == ember.int64
    g = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    (eg,) = ember.autograd.grad([ey], [ex], [ember.tensor(g)])
    (tg,) = torch.autograd.grad([ty], [tx], [torch.tensor(g)])
    np.testing.assert_array_equal(eg.numpy(), tg.numpy())
    # without return_indices: the same values and gradient
    ey2 = _pool(ember, nd)(ex, kernel)
    np.testing.assert_array_equal(ey2.detach().numpy(), ty.detach().numpy())


@pytest.mark.parametrize("nd,shape,kernel", [(2, (2, 3, 7, 7), 2), (1, (2, 3, 9), 3)])
def test_general_path_nan_rule(nd, shape, kernel):
    """The overlapping/padded path follows the same rule: the last NaN of a window."""
    rng = np.random.default_rng(3)
    a = _input(shape, "nan", "float64", rng)
    ex, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ey, ei = _pool(ember, nd)(ex, kernel, 1, 1, return_indices=True)
    ty, ti = _pool(torch, nd)(tx, kernel, 1, 1, return_indices=True)
    assert not _fast(ey)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    ey.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("kw", [dict(stride=1), dict(padding=1), dict(dilation=2),
                                dict(ceil_mode=True)])
def test_other_geometries_keep_the_general_path(kw):
    x = ember.randn(1, 2, 7, 7, requires_grad=True)
    assert not _fast(F.max_pool2d(x, 2, **kw))


def test_ceil_mode_when_it_changes_nothing():
    a = np.random.default_rng(1).standard_normal((2, 3, 8, 6)).astype(np.float32)
    ey = F.max_pool2d(ember.tensor(a), 2, ceil_mode=True)
    np.testing.assert_array_equal(ey.numpy(),
                                  TF.max_pool2d(torch.tensor(a), 2, ceil_mode=True).numpy())


def test_non_contiguous_input_and_grad():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 4, (2, 7, 3, 9)).astype(np.float32)
    ex = ember.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    ey = F.max_pool2d(ex.transpose(1, 2), 2)
    ty = TF.max_pool2d(tx.transpose(1, 2), 2)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    g = rng.standard_normal(tuple(ty.shape[::-1])).astype(np.float32)
    (eg,) = ember.autograd.grad([ey], [ex], [ember.tensor(g).permute(3, 2, 1, 0)])
    (tg,) = torch.autograd.grad([ty], [tx], [torch.tensor(g).permute(3, 2, 1, 0)])
    np.testing.assert_array_equal(eg.numpy(), tg.numpy())


def test_non_finite_grad_output_reaches_only_the_argmax():
    a = np.random.default_rng(4).standard_normal((1, 2, 4, 5))
    g = np.array([np.inf, -np.inf, np.nan, -2.0]).reshape(1, 1, 2, 2).repeat(2, axis=1)
    ex, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (eg,) = ember.autograd.grad([F.max_pool2d(ex, 2)], [ex], [ember.tensor(g)])
    (tg,) = torch.autograd.grad([TF.max_pool2d(tx, 2)], [tx], [torch.tensor(g)])
    np.testing.assert_array_equal(eg.numpy(), tg.numpy())
    assert not np.signbit(eg.numpy()[tg.numpy() == 0]).any()  # +0.0, as PyTorch


@pytest.mark.parametrize("nd,shape,kernel", [(2, (2, 3, 7, 7), 2), (3, (1, 2, 4, 5, 4), 2),
                                             (1, (2, 2, 7), 3)])
def test_double_backward_matches_torch(nd, shape, kernel):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 3, shape).astype(np.float64)
    ex, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ey, ty = _pool(ember, nd)(ex, kernel), _pool(torch, nd)(tx, kernel)
    g = rng.standard_normal(tuple(ty.shape))
    w = rng.standard_normal(shape)
    eg_out = ember.tensor(g, requires_grad=True)
    tg_out = torch.tensor(g, requires_grad=True)
    (egx,) = ember.autograd.grad([ey], [ex], [eg_out], create_graph=True)
    (tgx,) = torch.autograd.grad([ty], [tx], [tg_out], create_graph=True)
    ew, tw = ember.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    (egg,) = ember.autograd.grad([(egx * ew).sum()], [eg_out], create_graph=True)
    (tgg,) = torch.autograd.grad([(tgx * tw).sum()], [tg_out], create_graph=True)
    np.testing.assert_array_equal(egg.detach().numpy(), tgg.detach().numpy())
    # third order: the gradient of the pick (egg is w at the argmax) is the spread again
    v = rng.standard_normal(tuple(ty.shape))
    (e3,) = ember.autograd.grad([(egg * ember.tensor(v)).sum()], [ew])
    (t3,) = torch.autograd.grad([(tgg * torch.tensor(v)).sum()], [tw])
    np.testing.assert_array_equal(e3.numpy(), t3.numpy())
    (e3x,) = ember.autograd.grad([(egx * egx).sum()], [eg_out])
    np.testing.assert_array_equal(e3x.numpy(), 2 * g)  # each g lands once in egx


def test_forward_mode_matches_torch():
    rng = np.random.default_rng(6)
    a = rng.integers(0, 3, (2, 3, 7, 7)).astype(np.float64)
    t = rng.standard_normal(a.shape)
    fw = ember.autograd.forward_ad
    with fw.dual_level():
        out = F.max_pool2d(fw.make_dual(ember.tensor(a), ember.tensor(t)), 2)
        tangent = fw.unpack_dual(out).tangent.numpy()
    tfw = torch.autograd.forward_ad
    with tfw.dual_level():
        tout = TF.max_pool2d(tfw.make_dual(torch.tensor(a), torch.tensor(t)), 2)
        ttangent = tfw.unpack_dual(tout).tangent.numpy()
    np.testing.assert_array_equal(tangent, ttangent)


@pytest.mark.parametrize("nd,shape,kernel", [(2, (2, 3, 7, 7), 2), (2, (1, 2, 9, 8), 3),
                                             (1, (2, 2, 9), 2), (3, (1, 2, 5, 4, 5), 2)])
def test_finite_differences_float64(nd, shape, kernel):
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape)  # distinct values: the max is locally smooth
    w = rng.standard_normal(tuple(_pool(torch, nd)(torch.tensor(a), kernel).shape))
    v = rng.standard_normal(shape)
    x = ember.tensor(a, requires_grad=True)
    (g,) = ember.autograd.grad([_pool(ember, nd)(x, kernel)], [x], [ember.tensor(w)])

    def f(arr):
        return float(np.sum(w * _pool(ember, nd)(ember.tensor(arr), kernel).numpy()))

    eps = 1e-6
    numeric = (f(a + eps * v) - f(a - eps * v)) / (2 * eps)
    analytic = float(np.sum(g.numpy() * v))
    assert abs(numeric - analytic) <= 1e-7 * max(1.0, abs(analytic))
    # the gradient is linear in the output gradient w, and zero off the argmax
    assert np.count_nonzero(g.numpy()) == w.size
