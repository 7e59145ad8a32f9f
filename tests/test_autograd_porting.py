"""``once_differentiable`` and ``grad(..., is_grads_batched=True)`` against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(5)


def _square_fn(lib):
    from_lib = lib.autograd.function

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            return x * x * k

        @staticmethod
        @from_lib.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            ctx.grad_enabled_inside = lib.is_grad_enabled()
            return 2 * x * grad * 3, None

    return Square


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_once_differentiable_first_order_and_double_backward_error(lib) -> None:
    square = _square_fn(lib)
    data = RNG.standard_normal(4)
    x = lib.tensor(data, requires_grad=True)
    (g,) = lib.autograd.grad(square.apply(x, 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 6 * data)
    assert not g.requires_grad  # the incoming gradient (ones) did not require grad
    v = lib.ones(4, requires_grad=True)
    (g,) = lib.autograd.grad(square.apply(x, 3), x, v, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.detach().numpy(), 6 * data)
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was "
                                           "marked with @once_differentiable"):
        g.sum().backward()


def test_once_differentiable_runs_backward_without_grad() -> None:
    square = _square_fn(ember)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    out = square.apply(x, 3)
    node_ctx = out.grad_fn.user_ctx
    out.sum().backward(create_graph=True)
    assert node_ctx.grad_enabled_inside is False
    assert x.grad.tolist() == [6.0, 12.0]


def _batched(lib, **kwargs):
    x = lib.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    z = lib.tensor(np.array(2.0), requires_grad=True)
    y = x * x * z
    eye = lib.tensor(np.eye(3))
    return x, z, y, eye


def test_grads_batched_is_the_jacobian_and_matches_pytorch() -> None:
    results = []
    for lib in (ember, torch):
        x, z, y, eye = _batched(lib)
        (jx,) = lib.autograd.grad(y, x, eye, is_grads_batched=True, retain_graph=True)
        gx, gz = lib.autograd.grad((y, x.sum()), (x, z),
                                   (eye, lib.ones(3, dtype=lib.float64)),
                                   is_grads_batched=True, create_graph=True)
        (ggx,) = lib.autograd.grad(gx.sum(), x)  # the batched result is differentiable
        results.append([jx, gx, gz, ggx])
    for mine, theirs in zip(*results):
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_allclose(results[0][0].numpy(), np.diag([4.0, 8.0, 12.0]))


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grads_batched_unused_inputs(lib) -> None:
    x, z, y, eye = _batched(lib)
    w = lib.tensor(np.ones((2, 2)), requires_grad=True)
    gx, gw = lib.autograd.grad(y, (x, w), eye[:2], is_grads_batched=True, retain_graph=True,
                               allow_unused=True)
    assert tuple(gx.shape) == (2, 3) and gw is None
    gx, gw = lib.autograd.grad(y, (x, w), eye[:2], is_grads_batched=True, retain_graph=True,
                               materialize_grads=True)
    assert tuple(gw.shape) == (2, 2) and not gw.detach().numpy().any()  # PyTorch: unbatched
    with pytest.raises(RuntimeError):
        lib.autograd.grad(y, (x, w), eye[:2], is_grads_batched=True, retain_graph=True)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grads_batched_errors(lib) -> None:
    x, z, y, eye = _batched(lib)
    with pytest.raises(RuntimeError, match="If `is_grads_batched=True`, we interpret the first "
                                           "dimension of each grad_output as the batch"):
        lib.autograd.grad(y, x, lib.ones(3, dtype=lib.float64), is_grads_batched=True,
                          retain_graph=True)
    with pytest.raises(ValueError, match=r"got sizes \[2, 3\] for the mapped dimension"):
        lib.autograd.grad((y, x * 2), x, (lib.ones(2, 3, dtype=lib.float64),
                                          lib.ones(3, 3, dtype=lib.float64)),
                          is_grads_batched=True, retain_graph=True)
    lib.autograd.grad(y, x, eye, is_grads_batched=True)  # the graph is freed after the last row
    with pytest.raises(RuntimeError):
        lib.autograd.grad(y, x, eye, is_grads_batched=True)


def test_grad_signature_matches_pytorch() -> None:
    import inspect

    mine = inspect.signature(ember.autograd.grad).parameters
    theirs = inspect.signature(torch.autograd.grad).parameters
    assert list(mine) == list(theirs)
    assert [p.default for p in mine.values()] == [p.default for p in theirs.values()]
