"""The ``*_with_indices`` max-pooling functions against PyTorch: always a (values,
indices) pair, whatever ``return_indices`` says, with PyTorch's values, indices and
gradients."""

from __future__ import annotations

import numpy as np
import pytest

import ember.nn.functional as F
from ember import tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [
    ("max_pool1d_with_indices", (2, 3, 9), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d_with_indices", (2, 3, 7, 6), (2,), dict(dilation=2)),
    ("max_pool2d_with_indices", (3, 7, 6), ((3, 2),), dict(stride=(2, 1), padding=1)),
    ("max_pool3d_with_indices", (1, 2, 5, 4, 6), (2,), dict(return_indices=False)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,), {}),
    ("adaptive_max_pool2d_with_indices", (2, 3, 7, 6), ((3, None),), {}),
    ("adaptive_max_pool3d_with_indices", (1, 2, 5, 4, 6), (2,), dict(return_indices=False)),
]


@pytest.mark.parametrize("name,shape,args,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_with_indices_matches_torch(name, shape, args, kwargs):
    x = np.random.default_rng(0).standard_normal(shape)
    xe, xt = tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ve, ie = getattr(F, name)(xe, *args, **kwargs)
    vt, it = getattr(TF, name)(xt, *args, **kwargs)
    np.testing.assert_array_equal(ve.detach().numpy(), vt.detach().numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    assert ie.dtype.name == "int64"
    go = np.random.default_rng(1).standard_normal(vt.shape)
    ve.backward(tensor(go))
    vt.backward(torch.tensor(go))
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_with_indices_keeps_the_pools_errors():
    with pytest.raises(RuntimeError, match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D"):
        F.max_pool2d_with_indices(tensor(np.zeros((2, 2))), 2)
