"""Folding an eval-mode BatchNorm into the convolution or linear layer before it, as
``torch.nn.utils.fusion``: ``bn(conv(x)) == fused(x)`` with one layer fewer at inference.

>>> import ember
>>> conv, bn = ember.nn.Conv2d(2, 3, 1).eval(), ember.nn.BatchNorm2d(3).eval()
>>> fused = fuse_conv_bn_eval(conv, bn)
>>> x = ember.randn(1, 2, 4, 4)
>>> bool(ember.allclose(fused(x), bn(conv(x)), atol=1e-6))
True
"""

from __future__ import annotations

import copy
from typing import TypeVar

from ... import ops as _ops
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]

ModuleT = TypeVar("ModuleT", bound=Module)


def _check_eval(op: str, layer: Module, bn: Module) -> None:
    # AssertionError is PyTorch's type for these checks
    if layer.training or bn.training:
        raise AssertionError(f"{op}: fusion only for eval! Call .eval() on both modules "
                             f"({type(layer).__name__} training={layer.training}, "
                             f"{type(bn).__name__} training={bn.training})")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError(f"{op}: bn.running_mean and bn.running_var must not be None "
                             "(a BatchNorm built with track_running_stats=False cannot be fused)")


def fuse_conv_bn_eval(conv: ModuleT, bn: Module, transpose: bool = False) -> ModuleT:
    """A copy of ``conv`` whose weight and bias absorb the eval-mode ``bn`` after it
    (``transpose=True`` for ConvTranspose layers, whose output channels are dim 1).

    >>> import ember
    >>> fused = fuse_conv_bn_eval(ember.nn.Conv1d(2, 3, 1, bias=False).eval(),
    ...                           ember.nn.BatchNorm1d(3).eval())
    >>> fused.bias is not None
    True
    """
    _check_eval("fuse_conv_bn_eval", conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` parameters of a convolution followed by a BatchNorm.

    >>> import ember
    >>> w, b = fuse_conv_bn_weights(ember.ones(2, 1, 1), None, ember.zeros(2), ember.ones(2),
    ...                             0.0, None, ember.ones(2))
    >>> w.flatten().tolist(), b.tolist()
    ([1.0, 1.0], [1.0, 1.0])
    """
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    conv_b = _ops.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = _ops.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = _ops.zeros_like(bn_rm) if bn_b is None else bn_b
    rsqrt = (bn_rv + bn_eps).rsqrt()
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.ndim - 2)
    fused_w = (conv_w * (bn_w * rsqrt).reshape(shape)).to(w_dtype)
    fused_b = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).to(b_dtype)
    return _param(fused_w, conv_w), _param(fused_b, conv_b)


def _param(value: Tensor, like: Tensor) -> Parameter:
    # Like PyTorch: the new parameter wraps the (graph-carrying) result's data
    return Parameter(value.detach(), like.requires_grad)


def fuse_linear_bn_eval(linear: ModuleT, bn: Module) -> ModuleT:
    """A copy of ``linear`` whose weight and bias absorb the eval-mode ``bn`` after it
    (``bn.num_features`` must be ``linear.out_features`` or 1).

    >>> import ember
    >>> fused = fuse_linear_bn_eval(ember.nn.Linear(4, 3).eval(), ember.nn.BatchNorm1d(3).eval())
    >>> tuple(fused.weight.shape)
    (3, 4)
    """
    _check_eval("fuse_linear_bn_eval", linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
            f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor,
                           bn_b: Tensor) -> tuple[Parameter, Parameter]:
    """The fused ``(weight, bias)`` parameters of a linear layer followed by a BatchNorm.

    >>> import ember
    >>> w, b = fuse_linear_bn_weights(ember.ones(2, 3), None, ember.zeros(2), ember.ones(2),
    ...                               0.0, ember.full((2,), 2.0), ember.zeros(2))
    >>> w.tolist()
    [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    """
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    linear_b = _ops.zeros_like(bn_rm) if linear_b is None else linear_b
    scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * scale.unsqueeze(-1).to(w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(b_dtype)
    return _param(fused_w, linear_w), _param(fused_b, linear_b)


