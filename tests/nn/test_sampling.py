"""affine_grid / grid_sample beyond the op records: the align_corners default warning, the
unsupported bicubic mode, and a spatial transformer round trip against PyTorch."""

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


def test_bicubic_is_refused_with_the_alternatives():
    with pytest.raises(NotImplementedError, match="mode 'bicubic' is not supported in ember yet;"
                       " use 'bilinear' or 'nearest'"):
        F.grid_sample(ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 1, 2), mode="bicubic",
                      align_corners=False)
