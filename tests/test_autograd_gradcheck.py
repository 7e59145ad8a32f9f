"""``ember.autograd.gradcheck`` / ``gradgradcheck`` (against torch's on the same cases) and
the deprecated ``Variable``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ember.autograd.gradcheck import GradcheckError
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import ember


def _functions(lib):
    fn = lib.autograd.Function

    class WrongBackward(fn):  # d(x^2)/dx is 2x; this says x
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    class DetachedBackward(fn):  # right values, but the gradient is a constant: no 2nd order
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x.detach()

    return WrongBackward, DetachedBackward


def _x(lib, dtype="float64"):
    data = np.random.default_rng(3).standard_normal(3).astype(dtype)
    return lib.tensor(data, requires_grad=True)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_passes_on_correct_ops_like_torch(lib):
    x, y = _x(lib), _x(lib) * 0.5
    y = y.detach().requires_grad_(True)
    assert lib.autograd.gradcheck(lambda a, b: (lib.sin(a) * b, lib.exp(a).sum()), (x, y),
                                  check_forward_ad=True)
    assert lib.autograd.gradgradcheck(lambda a, b: lib.tanh(a) * b, (x, y))


def test_wrong_backward_raises_with_both_jacobians_like_torch():
    for lib, error in ((ember, GradcheckError), (torch, TorchGradcheckError)):
        wrong, _ = _functions(lib)
        with pytest.raises(error, match=r"Jacobian mismatch for output 0 with respect to "
                                        r"input 0,\nnumerical:.*\n(.|\n)*analytical:"):
            lib.autograd.gradcheck(wrong.apply, (_x(lib),))
        assert lib.autograd.gradcheck(wrong.apply, (_x(lib),), raise_exception=False) is False
    assert issubclass(GradcheckError, RuntimeError)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    for lib in (ember, torch):
        _, detached = _functions(lib)
        assert lib.autograd.gradcheck(detached.apply, (_x(lib),))
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect "
                                               "to input 0"):
            lib.autograd.gradgradcheck(detached.apply, (_x(lib),))


def test_forward_mode_is_checked():
    class WrongJvp(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

        @staticmethod
        def jvp(ctx, t):
            return t * 3

    x = _x(ember)
    assert ember.autograd.gradcheck(WrongJvp.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian computed with forward mode mismatch"):
        ember.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_forward_over_reverse_checks_like_torch(lib):
    x, y = _x(lib), (_x(lib) * 0.5).detach().requires_grad_(True)
    assert lib.autograd.gradgradcheck(lambda a, b: lib.sin(a * b), (x, y),
                                      check_fwd_over_rev=True)


def test_forward_mode_check_of_a_function_that_differentiates_inside():
    # torch's gradcheck detaches the dual's primal, so there this raises "does not require
    # grad"; ember keeps requires_grad and checks the forward-mode Jacobian (3 * 2a here)
    # against finite differences.
    def inner_grad(a):
        return ember.autograd.grad((a ** 3).sum(), a, create_graph=True)[0]

    assert ember.autograd.gradcheck(inner_grad, (_x(ember),), check_forward_ad=True)


def test_warns_on_single_precision_and_needs_an_input_requiring_grad_like_torch():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
            lib.autograd.gradcheck(lib.sin, (_x(lib, "float32"),), raise_exception=False)
        with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
            lib.autograd.gradcheck(lib.sin, (_x(lib).detach(),))


def test_variable_is_the_deprecated_tensor_wrapper_like_torch():
    for lib in (ember, torch):
        x = lib.ones(2)
        v = lib.autograd.Variable(x, requires_grad=True)
        assert type(v) is lib.Tensor and v.requires_grad and v.grad_fn is None
        assert isinstance(x, lib.autograd.Variable) and not isinstance(1.0,
                                                                       lib.autograd.Variable)
        v.data.add_(1)  # shares memory with x
        assert x.tolist() == [2.0, 2.0]
        assert not lib.autograd.Variable(x).requires_grad
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.autograd.Variable([1.0])
