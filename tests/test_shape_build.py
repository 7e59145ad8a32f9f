"""triu_indices / tril_indices (index generators, no gradient) and the memory semantics of
Tensor.unfold's windows, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["triu_indices", "tril_indices"])
@pytest.mark.parametrize("row,col", [(3, 3), (3, 5), (5, 2), (0, 3), (1, 1), (4, 0)])
@pytest.mark.parametrize("offset", [0, 1, -1, 3, -4])
def test_triangle_indices_match_torch(name, row, col, offset):
    got = getattr(ember, name)(row, col, offset)
    want = getattr(torch, name)(row, col, offset)
    assert got.dtype == ember.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tuple(got.shape) == tuple(want.shape)


def test_triangle_indices_dtype_and_errors():
    got = ember.triu_indices(3, 4, 1, dtype=ember.int32)
    np.testing.assert_array_equal(got.numpy(), torch.triu_indices(3, 4, 1).numpy())
    assert got.dtype == ember.int32
    with pytest.raises(RuntimeError, match="tril_indices: row must be non-negative, got -1"):
        ember.tril_indices(-1, 3)
    with pytest.raises(RuntimeError, match="triu_indices: expected an integer dtype, got "
                                           "float32"):
        ember.triu_indices(3, 3, dtype=ember.float32)


def test_unfold_windows_are_a_view_with_the_torch_strides():
    x = ember.arange(24.0).reshape(2, 3, 4)
    t = torch.arange(24.0).reshape(2, 3, 4)
    u, tu = x.unfold(1, 2, 1), t.unfold(1, 2, 1)
    assert u.stride() == tu.stride() and not u.is_contiguous()
    # non-overlapping windows can be written, and the write reaches the base (as in PyTorch)
    y, ty = ember.zeros(6), torch.zeros(6)
    y.unfold(0, 2, 2).add_(ember.tensor([1.0, 2.0]))
    ty.unfold(0, 2, 2).add_(torch.tensor([1.0, 2.0]))
    assert y.tolist() == ty.tolist()


def test_unfold_refuses_writes_through_overlapping_windows():
    # Deliberately stricter than PyTorch (which writes each shared element several times,
    # in an unspecified order): overlapping windows are read-only, like an expanded view.
    y = ember.zeros(6)
    with pytest.raises(RuntimeError, match="broadcast view where several elements share"):
        y.unfold(0, 3, 1).add_(1)
    assert y.tolist() == [0.0] * 6


def test_unfold_gradient_sums_over_windows_like_torch():
    x = ember.arange(6.0).requires_grad_()
    t = torch.arange(6.0).requires_grad_()
    w = np.arange(12.0).reshape(4, 3)
    (x.unfold(0, 3, 1) * ember.tensor(w, dtype=ember.float32)).sum().backward()
    (t.unfold(0, 3, 1) * torch.tensor(w, dtype=torch.float32)).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()
