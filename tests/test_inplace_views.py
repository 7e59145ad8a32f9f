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


def _both(fn):
    return [fn(lib) for lib in (ember, torch)]


def test_column_major_bases_are_followed() -> None:
    def stale(lib):
        x = lib.tensor(X0[:3, :2].copy(), requires_grad=True)
        y = x.t() * 2  # NumPy keeps the column-major layout
        row = y[0]
        y.mul_(5)
        (row * row).sum().backward()
        return x.grad.numpy()

    def written(lib):
        x = lib.tensor(X0[:3, :2].copy(), requires_grad=True)
        y = x.t() * 2
        y[0].mul_(3)
        (y * y).sum().backward()
        return x.grad.numpy()

    assert not (ember.tensor(X0[:3, :2].copy()).t() * 2)._data.flags.c_contiguous
    for fn in (stale, written):
        got, want = _both(fn)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_stale_views_as_roots_hooks_and_function_inputs() -> None:
    def root(lib):
        x = lib.tensor(X0[:2, :3].copy(), requires_grad=True)
        y = x * 2
        row = y[0]
        y.mul_(5)
        row.backward(lib.ones(3, dtype=row.dtype))
        return x.grad.numpy()

    def hooked(lib):
        x = lib.tensor(X0[:2, :3].copy(), requires_grad=True)
        y = x * 2
        row = y[0]
        y.mul_(5)
        if lib is torch:
            row.grad_fn  # noqa: B018 - PyTorch regenerates the view's history on access
        seen = []
        row.register_hook(lambda g: seen.append(g.numpy().copy()))
        row.retain_grad()
        (row * row).sum().backward()
        return np.stack([seen[0], row.grad.numpy(), x.grad.numpy()[0]])

    def custom(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 2 * a * g

        x = lib.tensor(X0[:2, :3].copy(), requires_grad=True)
        y = x * 2
        row = y[0]
        y.mul_(5)
        Square.apply(row).sum().backward()
        return x.grad.numpy()

    for fn in (root, hooked, custom):
        got, want = _both(fn)
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_views_of_a_detached_alias_are_not_views_of_the_graph() -> None:
    def run(lib):
        x = lib.tensor(X0[:2, :3].copy(), requires_grad=True)
        y = x * 2
        alias = y.detach().requires_grad_()
        row = alias[0]
        with lib.no_grad():
            alias.add_(1)
        (row * 3).sum().backward()
        return x.grad is None, alias.grad.numpy()

    (e_none, e_grad), (t_none, t_grad) = _both(run)
    assert e_none and t_none
    np.testing.assert_array_equal(e_grad, t_grad)


def test_a_constant_written_into_a_view_keeps_it_in_the_graph() -> None:
    def run(lib):
        x = lib.tensor(X0[:2, :3].copy(), requires_grad=True)
        y = x * 2
        col = y[:, 1]
        col.copy_(lib.zeros(2, dtype=col.dtype))
        flags = (col.is_leaf, col.grad_fn is None)
        col.mul_(3)
        (y * y).sum().backward()
        return flags, x.grad.numpy()

    (e_flags, e_grad), (t_flags, t_grad) = _both(run)
    assert e_flags == t_flags == (False, False)
    np.testing.assert_allclose(e_grad, t_grad, rtol=1e-12)


def _fill_rows(lib, write, extra):
    """A loop writing results that need a gradient into rows of zeros outside the graph."""
    w = lib.tensor(X0[0].astype(np.float32), requires_grad=True)
    out = lib.zeros(4, 3, 4)
    for t in range(3):
        write(out, t, (w * (t + 1)).tanh())
    extra(out, w)
    loss = (out * out).sum()
    loss.backward()
    return out.detach().numpy(), w.grad.numpy(), out.is_leaf


_WRITES = {
    "copy_ a row": lambda out, t, h: out[1][t].copy_(h),
    "add_ into a column slice": lambda out, t, h: out[:, t, 0].add_(h),
    "setitem": lambda out, t, h: out.__setitem__((2, t), h),
    "mul_ then copy_": lambda out, t, h: out[0, t].copy_(h).mul_(2),
}
_EXTRAS = {
    "nothing": lambda out, w: None,
    "a later write to the base": lambda out, w: out.mul_(w[0]),
    "a constant written after": lambda out, w: out[3, 0].fill_(0.5),
}


@pytest.mark.parametrize("extra", sorted(_EXTRAS))
@pytest.mark.parametrize("write", sorted(_WRITES))
def test_writes_into_views_of_a_tensor_outside_the_graph_match_pytorch(write, extra) -> None:
    got = _fill_rows(ember, _WRITES[write], _EXTRAS[extra])
    want = _fill_rows(torch, _WRITES[write], _EXTRAS[extra])
    for g, w in zip(got[:2], want[:2]):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert got[2] is want[2] is False


def test_writes_into_views_of_a_tensor_outside_the_graph_match_finite_differences() -> None:
    def loss(w):
        out = ember.zeros(3, 4, dtype=ember.float64)
        for t in range(3):
            out[t].copy_((w * (t + 1)).sin())
        out[1:, ::2].mul_(out[0, :2])
        return (out * out).sum()

    w0 = X0[0]
    w = ember.tensor(w0, requires_grad=True)
    loss(w).backward()
    eps, numeric = 1e-6, np.zeros_like(w0)
    for i in range(w0.size):
        up, down = w0.copy(), w0.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (loss(ember.tensor(up)).item() - loss(ember.tensor(down)).item()) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("order", ["C", "F", "permuted"])
def test_view_positions_are_the_row_major_positions_of_the_view(order) -> None:
    from ember.backends import backend_of

    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    if order == "F":
        base = np.asfortranarray(base)
    elif order == "permuted":
        base = np.ascontiguousarray(base.transpose(2, 0, 1)).transpose(1, 2, 0)
    keys = [(1,), (slice(None), 2), (slice(None, None, 2), slice(1, 3), slice(None, None, -2)),
            (Ellipsis, 4), (slice(2, 0, -1), 0)]
    backend = backend_of(base)
    for key in keys:
        view = base[key]
        positions = backend.view_positions(base, view)
        # base holds its own row-major positions as values
        np.testing.assert_array_equal(positions, view.astype(np.int64), err_msg=str(key))
    transposed = base.transpose(1, 0, 2)[:, 1]
    np.testing.assert_array_equal(backend.view_positions(base, transposed),
                                  transposed.astype(np.int64))
    assert backend.view_positions(base, np.zeros(3, np.float32)) is None  # other memory


def _setitem_into_a_transposed_buffer(lib):
    h = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = lib.zeros(2, 3).t()  # the buffer written is itself a view
    out[:, 0] = h * 2
    out[:, 1] = h * h
    loss = (out * lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum() + h.sum()
    loss.backward()
    return h.grad.numpy(), out.requires_grad


def _setitem_into_a_slice_then_use_it(lib):
    h = lib.tensor([1.0, 2.0], requires_grad=True)
    big = lib.zeros(4, 4)
    sub = big[1:3]
    sub[:, 1] = h * 3
    loss = (sub ** 2).sum() + (big * 2).sum() + h.sum()
    loss.backward()
    return h.grad.numpy(), sub.requires_grad


def _old_view_used_with_a_gradient_after_the_write(lib):
    h = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = lib.zeros(2, 3)
    row = out[1]  # made before the write below
    out[1] = h * 2
    loss = (row * h).sum()
    loss.backward()
    return h.grad.numpy(), row.requires_grad


def _setitem_into_memory_with_gaps(lib):
    h = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = lib.from_numpy(np.zeros((2, 6), dtype=np.float32)[:, ::2])
    out[1] = h * 2
    (out * out).sum().backward()
    return h.grad.numpy(), out.requires_grad


def _copy_into_a_bool_buffer(lib):
    h = lib.tensor([0.0, 2.0, 3.0], requires_grad=True)
    out = lib.zeros(3, dtype=lib.bool)
    out[1:].copy_(h[1:])
    return out.numpy(), out.requires_grad


@pytest.mark.parametrize("case", [_setitem_into_a_transposed_buffer,
                                  _setitem_into_a_slice_then_use_it,
                                  _old_view_used_with_a_gradient_after_the_write,
                                  _setitem_into_memory_with_gaps, _copy_into_a_bool_buffer],
                         ids=lambda f: f.__name__.strip("_"))
def test_writes_into_buffers_outside_the_graph_follow_pytorch(case) -> None:
    got, want = case(ember), case(torch)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    assert got[1] == want[1]
