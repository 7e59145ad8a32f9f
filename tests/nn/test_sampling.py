"""affine_grid / grid_sample beyond the op records: the align_corners default warning,
points on pixels and non-finite points, gradients of gradients, and a spatial transformer
round trip, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F

torch = pytest.importorskip("torch")


def test_align_corners_default_warns_like_torch():
    theta = np.array([[[0.8, 0.1, 0.05], [-0.2, 1.1, 0.0]]])
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(ember.tensor(theta), (1, 1, 3, 4))
    with pytest.warns(UserWarning):
        tgrid = torch.nn.functional.affine_grid(torch.tensor(theta), (1, 1, 3, 4))
    np.testing.assert_allclose(grid.numpy(), tgrid.numpy(), rtol=1e-12)
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        out = F.grid_sample(ember.tensor(x), grid)
    with pytest.warns(UserWarning):
        want = torch.nn.functional.grid_sample(torch.tensor(x), tgrid)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)


def test_identity_transform_reproduces_the_input():
    x = ember.randn(2, 3, 4, 5, dtype=ember.float64)
    theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]] * 2, dtype=ember.float64)
    for align in (False, True):
        grid = F.affine_grid(theta, x.shape, align_corners=align)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align).numpy(),
                                   x.numpy(), atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_gradient_of_gradient_matches_torch(mode, padding_mode):
    # the backward is itself differentiable (the primitives' adjoints are each other)
    rng = np.random.default_rng(1)
    x, grid = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.2, 1.2, (2, 3, 4, 2))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=False)
    (xe, ge, oe), (xt, gt, ot) = _sample_both(x, grid, **kw)
    go = rng.standard_normal(ot.shape)
    dxe, dge = ember.autograd.grad((oe * ember.tensor(go)).sum(), (xe, ge), create_graph=True)
    dxt, dgt = torch.autograd.grad((ot * torch.tensor(go)).sum(), (xt, gt), create_graph=True)
    np.testing.assert_allclose(dge.detach().numpy(), dgt.detach().numpy(), rtol=1e-10)
    we, wt = rng.standard_normal(dxt.shape), rng.standard_normal(dgt.shape)
    second_e = ember.autograd.grad((dxe * ember.tensor(we)).sum() +
                                   (dge * ember.tensor(wt)).sum(), (xe, ge))
    second_t = torch.autograd.grad((dxt * torch.tensor(we)).sum() +
                                   (dgt * torch.tensor(wt)).sum(), (xt, gt))
    for e, t in zip(second_e, second_t):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


def _sample_both(x, grid, **kw):
    """grid_sample in ember and torch on float64 copies of ``x`` and ``grid``, both
    requiring grad: the (ember, torch) pairs of inputs and outputs."""
    xe, ge = ember.tensor(x, requires_grad=True), ember.tensor(grid, requires_grad=True)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    return (xe, ge, F.grid_sample(xe, ge, **kw)), (xt, gt, torch.nn.functional.grid_sample(
        xt, gt, **kw))


# bicubic is 2-D only (its 3-D error is in the op records)
_ND_MODES = [(nd, mode) for nd in (2, 3) for mode in ("bilinear", "nearest", "bicubic")
             if nd == 2 or mode != "bicubic"]


@pytest.mark.parametrize("nd,mode", _ND_MODES)
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_grid_on_pixels_matches_torch(nd, mode, padding_mode, align_corners):
    size = (2, 3, 5, 4) if nd == 2 else (2, 2, 4, 3, 5)
    # every point of an identity grid lies exactly on a pixel, the first and last ones on
    # the edge, where border and reflection padding give no grid gradient (the sizes are
    # ones where the x86 kernel's fused multiply-add rounds as a separate multiply and add)
    theta = np.tile(np.eye(nd, nd + 1), (size[0], 1, 1))
    grid = F.affine_grid(ember.tensor(theta), size, align_corners=align_corners)
    tgrid = torch.nn.functional.affine_grid(torch.tensor(theta), size,
                                            align_corners=align_corners)
    np.testing.assert_array_equal(grid.numpy(), tgrid.numpy())
    rng = np.random.default_rng(0)
    x = rng.standard_normal(size)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    (xe, ge, oe), (xt, gt, ot) = _sample_both(x, grid.numpy(), **kw)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    go = rng.standard_normal(ot.shape)
    oe.backward(ember.tensor(go))
    ot.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ge.grad.numpy(), gt.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_stn_identity_theta_gradient_matches_torch():
    # the usual spatial transformer initialisation: identity theta, border padding
    theta = np.eye(2, 3)[None]
    img = np.arange(20.0).reshape(1, 1, 5, 4) ** 2
    te = ember.tensor(theta, requires_grad=True)
    tt = torch.tensor(theta, requires_grad=True)
    F.grid_sample(ember.tensor(img), F.affine_grid(te, (1, 1, 5, 4), align_corners=True),
                  padding_mode="border", align_corners=True).sum().backward()
    torch.nn.functional.grid_sample(
        torch.tensor(img), torch.nn.functional.affine_grid(tt, (1, 1, 5, 4), align_corners=True),
        padding_mode="border", align_corners=True).sum().backward()
    np.testing.assert_allclose(te.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nd,mode", _ND_MODES)
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_nonfinite_grid_matches_torch(nd, mode, padding_mode, align_corners):
    # NaN and +-inf coordinates used to gather at index INT64_MIN; PyTorch's CPU kernels
    # send them to a pixel (border, reflection) or to zero padding (nan or 0)
    size = (1, 2, 3, 4) if nd == 2 else (1, 2, 2, 3, 4)
    x = np.arange(float(np.prod(size))).reshape(size)
    points = [[v if d == k else 0.3 for d in range(nd)]
              for v in (np.nan, np.inf, -np.inf) for k in range(nd)]
    grid = np.array(points).reshape(1, *([1] * (nd - 1)), len(points), nd)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    (xe, ge, oe), (xt, gt, ot) = _sample_both(x, grid, **kw)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12)
    oe.sum().backward()  # reads no index out of bounds either
    assert np.isfinite(xe.grad.numpy()).all() or mode != "nearest"


@pytest.mark.parametrize("nd", [2, 3])
def test_single_pixel_reflection_keeps_the_grid_gradient(nd):
    # with align_corners every coordinate reflects to 0: the output still depends on the
    # grid (with zero gradient), as in PyTorch
    size = (1, 2) + (1,) * nd
    x = np.array([3.0, -2.0]).reshape(size)
    grid = np.full((1,) + (2,) * nd + (nd,), 0.4)
    kw = dict(padding_mode="reflection", align_corners=True)
    ge = ember.tensor(grid, requires_grad=True)
    gt = torch.tensor(grid, requires_grad=True)
    oe = F.grid_sample(ember.tensor(x), ge, **kw)
    ot = torch.nn.functional.grid_sample(torch.tensor(x), gt, **kw)
    assert oe.requires_grad and ot.requires_grad
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy())
    oe.sum().backward()
    ot.sum().backward()
    np.testing.assert_array_equal(ge.grad.numpy(), gt.grad.numpy())


@pytest.mark.parametrize("nd,mode", _ND_MODES)
def test_nonfinite_pixels_stay_out_of_points_that_do_not_read_them(nd, mode):
    # taps outside the input read a zero pad, never pixel 0 with weight 0 (inf * 0 = NaN)
    size = (1, 2, 3, 3) if nd == 2 else (1, 2, 3, 3, 3)
    x = np.arange(float(np.prod(size))).reshape(size)
    x.reshape(2, -1)[:, 0] = [np.inf, np.nan]
    grid = np.random.default_rng(2).uniform(-1.4, 1.4, (1,) + (1,) * (nd - 1) + (9, nd))
    kw = dict(mode=mode, padding_mode="zeros", align_corners=False)
    (_, _, oe), (_, _, ot) = _sample_both(x, grid, **kw)
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-12)
