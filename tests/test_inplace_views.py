"""In-place ops on views of graph tensors (``y[:, 0] += 1`` under autograd), against
PyTorch: values and gradients, and the cases that must still refuse."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
X0 = np.random.default_rng(5).standard_normal((3, 4))


def _aug_add(y, lib):
    y[:, 0] += 1


def _method_on_row(y, lib):
    y[0].mul_(3)


def _zero_column(y, lib):
    y[:, 0].zero_()


def _flat_slice(y, lib):
    y.view(-1)[1:3].add_(1)


def _transposed_row(y, lib):
    y.t()[0].clamp_(min=0)


def _aug_mul_by_tensor(y, lib):
    y[:, 1] *= y[:, 2].exp()


def _strided_then_base(y, lib):
    y[1:, ::2].mul_(2)
    y[0].add_(y[2])


def _two_views_in_turn(y, lib):
    y[0].add_(1)
    y[:, 3].add_(y[:, 0] * 2)


def _view_older_than_a_write(y, lib):
    row = y[0]  # made before the write below: its old value must include it
    y[:, 1] *= 5
    row.mul_(3)


def _copy_into_view(y, lib):
    y[1].copy_(y[2] * 3)


CASES = [_aug_add, _method_on_row, _zero_column, _flat_slice, _transposed_row,
         _aug_mul_by_tensor, _strided_then_base, _two_views_in_turn, _view_older_than_a_write,
         _copy_into_view]


def _run(lib, steps, dtype):
    x = lib.tensor(X0.astype(dtype), requires_grad=True)
    y = x * 2
    steps(y, lib)
    (y * y).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("steps", CASES, ids=lambda f: f.__name__.strip("_"))
def test_inplace_on_views_matches_pytorch(steps) -> None:
    got, want = _run(ember, steps, np.float32), _run(torch, steps, np.float32)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("steps", CASES[:6], ids=lambda f: f.__name__.strip("_"))
def test_inplace_on_views_gradients_match_finite_differences(steps) -> None:
    def loss(x):
        y = x * 2
        steps(y, ember)
        return (y * y).sum()

    x = ember.tensor(X0, requires_grad=True)
    loss(x).backward()
    eps, numeric = 1e-6, np.zeros_like(X0)
    for i in np.ndindex(X0.shape):
        up, down = X0.copy(), X0.copy()
        up[i] += eps
        down[i] -= eps
        with ember.no_grad():
            numeric[i] = (loss(ember.tensor(up)).item() - loss(ember.tensor(down)).item()) / (
                2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6, atol=1e-6)


def test_inplace_on_a_view_supports_double_backward() -> None:
    x = ember.tensor(X0, requires_grad=True)
    t = torch.tensor(X0, requires_grad=True)
    grads = []
    for lib, v in ((ember, x), (torch, t)):
        y = v * v
        y[:, 1] *= v[:, 2]
        (g,) = lib.autograd.grad(y.sum(), v, create_graph=True)
        (g * g).sum().backward()
        grads.append(v.grad.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-10)


def test_inplace_on_views_that_must_still_refuse() -> None:
    leaf = ember.tensor(X0, requires_grad=True)
    with pytest.raises(RuntimeError, match="view"):
        leaf[0].add_(1)  # a view of a leaf that requires grad (PyTorch refuses too)
    y = leaf * 2
    alias = y.detach()
    with pytest.raises(RuntimeError, match="view"):
        alias.add_(leaf)  # a detached alias: its own identity, not y's history


def _stale_row_after_base_write(y, lib):
    row = y[0]
    y.mul_(5)
    y.add_(row * 2)  # the row, made before the write, is used after it


def _stale_row_after_view_write(y, lib):
    row = y[0]
    y[:, 1] *= 5
    y[2].add_(row * 2)


@pytest.mark.parametrize("steps", [_stale_row_after_base_write, _stale_row_after_view_write],
                         ids=lambda f: f.__name__.strip("_"))
def test_views_made_before_a_write_follow_it(steps) -> None:
    """A view made before its memory was written in place shows the write in its values,
    and (as in PyTorch) in the gradients that flow through it."""
    got, want = _run(ember, steps, np.float32), _run(torch, steps, np.float32)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_a_detached_alias_stays_its_own_leaf() -> None:
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(X0, requires_grad=True)
        y = x * 2
        alias = y.detach().requires_grad_()
        with lib.no_grad():
            y.mul_(5)
        (alias * 3).sum().backward()
        assert x.grad is None
        grads.append(alias.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_views_of_a_column_major_base_still_refuse() -> None:
    x = ember.tensor(np.asfortranarray(X0), requires_grad=True)
    y = x * 2  # NumPy keeps the column-major layout
    assert not y._data.flags.c_contiguous
    with pytest.raises(RuntimeError, match="row-major"):
        y[0].add_(1)
    row = y[0]
    y.mul_(5)
    with pytest.raises(RuntimeError, match="row-major"):
        row * 2
