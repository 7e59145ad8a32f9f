"""Custom ``ember.autograd.Function``s, compared with the same Function in PyTorch."""

from __future__ import annotations

import pytest
import torch

import ember
import ember.autograd.forward_ad as fwAD
from tests.test_autograd_prims import close, cos, pair, sin


class Cube(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_function_several_outputs_and_needs_input_grad():
    (xe, xt), (ye, yt) = pair([1.0, -2.0]), pair([3.0, 4.0], requires_grad=False)

    class EmberF(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x, y)
            ctx.k = k
            ctx.seen = ctx.needs_input_grad
            return x * y * k, x + y

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            x, y = ctx.saved_tensors
            return g_prod * y * ctx.k + g_sum, None, None

    class TorchF(torch.autograd.Function):
        forward = EmberF.forward
        backward = EmberF.backward

    ae, be = EmberF.apply(xe, 2.0, ye)
    at, bt = TorchF.apply(xt, 2.0, yt)
    assert ae.grad_fn.name() == "EmberFBackward" and not ae.is_leaf
    (sin(ae) * be).sum().backward()
    (torch.sin(at) * bt).sum().backward()
    close(xe.grad, xt.grad)
    assert ae.grad_fn.user_ctx.seen == (True, False, False)


def test_mark_non_differentiable_output_carries_no_gradient():
    class SplitSign(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            sign = x / x * 0 + 1  # a float output that must not be differentiated
            ctx.mark_non_differentiable(sign)
            return x * 2, sign

        @staticmethod
        def backward(ctx, g, g_sign):
            return g * 2

    x = ember.tensor([1.0, 3.0], requires_grad=True)
    y, sign = SplitSign.apply(x)
    assert y.requires_grad and not sign.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_function_is_differentiable_twice_when_backward_uses_ember_ops():
    xe, xt = pair([0.5, -1.5])
    (ge,) = ember.autograd.grad(Cube.apply(xe).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad((xt ** 3).sum(), xt, create_graph=True)
    close(ge, gt)
    close(ember.autograd.grad(ge.sum(), xe)[0], torch.autograd.grad(gt.sum(), xt)[0])


def test_function_without_grad_records_nothing():
    y = Cube.apply(ember.tensor([2.0]))
    assert not y.requires_grad and y.grad_fn is None
    with ember.no_grad():
        assert Cube.apply(ember.tensor([2.0], requires_grad=True)).grad_fn is None


def test_function_saved_tensor_modified_in_place_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Cube.apply(h)
    h.add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*version 0.*1"):
        y.sum().backward()


def test_function_second_backward_raises_and_frees_saved_tensors():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    ctx = y.grad_fn.user_ctx
    y.backward(ember.ones(2))
    assert ctx._saved == ()
    with pytest.raises(RuntimeError, match="CubeBackward.*second time"):
        y.backward(ember.ones(2))


def test_function_jvp_rule_and_its_absence():
    class Sin(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.x = x
            return sin(x)

        @staticmethod
        def jvp(ctx, t):
            return t * cos(ctx.x)

    x = ember.tensor([0.3, 1.0], dtype=ember.float64)
    _, tangent = ember.jvp(Sin.apply, (x,), (ember.ones(2, dtype=ember.float64),))
    close(tangent, torch.cos(torch.tensor([0.3, 1.0], dtype=torch.float64)))
    with pytest.raises(NotImplementedError, match="custom Function 'Cube'"):
        ember.jvp(Cube.apply, (x,), (ember.ones(2, dtype=ember.float64),))
    with fwAD.dual_level():
        assert fwAD.unpack_dual(Cube.apply(x)).tangent is None  # no tangents in: fine


def test_set_materialize_grads_false_passes_none_for_unused_outputs():
    seen = []

    class Two(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append(g2)
            return g1 * 2

    x = ember.tensor([1.0], requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert seen == [None] and x.grad.tolist() == [2.0]
