"""``ember.nn.grad`` (also ``ember.nn.functional.grad``): the gradients of a convolution with
respect to its input or its weight, given the gradient of its output, as ``torch.nn.grad``.

They are the same ember-op expressions the convolution's backward uses (``col2im`` of the
weight times the output gradient; the output gradient times ``im2col`` of the input), so
they are differentiable again in every tensor argument.

>>> import ember
>>> from ember.nn import grad
>>> grad.conv1d_input((1, 1, 3), ember.ones(1, 1, 2), ember.ones(1, 1, 2)).tolist()
[[[1.0, 2.0, 1.0]]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from .functional._args import check_float, ntuple
from .functional._im2col import Geometry, im2col
from .functional.conv import conv_padding, input_grad, weight_grad


def _geometry(op: str, nd: int, input_size: Sequence[int], weight_size: Sequence[int],
              grad_output: Tensor, stride: Any, padding: Any, dilation: Any,
              groups: int) -> Geometry:
    """The convolution's window geometry, after checking that the sizes fit together."""
    input_size, weight_size = tuple(input_size), tuple(weight_size)
    for name, size in (("input", input_size), ("weight", weight_size),
                       ("grad_output", tuple(grad_output.shape))):
        if len(size) != nd + 2:
            raise RuntimeError(f"{op}: expected a {nd + 2}-D {name} (batched), got size {size}")
    if groups <= 0 or input_size[1] != weight_size[1] * groups or weight_size[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, weight of size {weight_size} does not "
                           f"fit an input of size {input_size}")
    stride_t, dilation_t = ntuple(op, "stride", stride, nd), ntuple(op, "dilation", dilation, nd)
    kernel = weight_size[2:]
    geom = Geometry(input_size[2:], kernel, dilation_t,
                    conv_padding(op, padding, kernel, dilation_t, stride_t), stride_t)
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation_t))
    if any(e > p for e, p in zip(eff, geom.padded)):
        raise RuntimeError(f"{op}: padded input size per channel {geom.padded} is smaller "
                           f"than the (dilated) kernel size {eff}")
    want = (input_size[0], weight_size[0]) + tuple(geom.grid)
    if tuple(grad_output.shape) != want:
        raise RuntimeError(f"{op}: expected grad_output of size {want} for an input of size "
                           f"{input_size} and a weight of size {weight_size}, got "
                           f"{tuple(grad_output.shape)}")
    return geom


def _input_grad(op: str, nd: int, input_size: Sequence[int], weight: Tensor,
                grad_output: Tensor, stride: Any, padding: Any, dilation: Any,
                groups: int) -> Tensor:
    check_float(op, grad_output, weight)
    geom = _geometry(op, nd, input_size, weight.shape, grad_output, stride, padding, dilation,
                     groups)
    return input_grad(weight, grad_output, geom, groups)


def _weight_grad(op: str, nd: int, input: Tensor, weight_size: Sequence[int],
                 grad_output: Tensor, stride: Any, padding: Any, dilation: Any,
                 groups: int) -> Tensor:
    check_float(op, input, grad_output)
    geom = _geometry(op, nd, input.shape, weight_size, grad_output, stride, padding, dilation,
                     groups)
    return weight_grad(im2col(input, geom=geom), grad_output, geom, groups, weight_size)


def conv1d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1) -> Tensor:
    """Gradient of ``conv1d`` with respect to its input of size ``input_size``.

    >>> import ember
    >>> conv1d_input((1, 1, 4), ember.ones(1, 1, 2), ember.ones(1, 1, 2), stride=2).tolist()
    [[[1.0, 1.0, 1.0, 1.0]]]
    """
    return _input_grad("conv1d_input", 1, input_size, weight, grad_output, stride, padding,
                       dilation, groups)


def conv1d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                  groups: int = 1) -> Tensor:
    """Gradient of ``conv1d`` with respect to its weight of size ``weight_size``.

    >>> import ember
    >>> x = ember.arange(3.0).reshape(1, 1, 3)
    >>> conv1d_weight(x, (1, 1, 2), ember.ones(1, 1, 2)).tolist()
    [[[1.0, 3.0]]]
    """
    return _weight_grad("conv1d_weight", 1, input, weight_size, grad_output, stride, padding,
                        dilation, groups)


def conv2d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1) -> Tensor:
    """Gradient of ``conv2d`` with respect to its input of size ``input_size``.

    >>> import ember
    >>> w = ember.ones(1, 1, 1, 1)
    >>> conv2d_input((1, 1, 2, 2), w, ember.ones(1, 1, 2, 2)).sum().item()
    4.0
    """
    return _input_grad("conv2d_input", 2, input_size, weight, grad_output, stride, padding,
                       dilation, groups)


def conv2d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                  groups: int = 1) -> Tensor:
    """Gradient of ``conv2d`` with respect to its weight of size ``weight_size``.

    >>> import ember
    >>> conv2d_weight(ember.ones(1, 1, 3, 3), (1, 1, 2, 2), ember.ones(1, 1, 2, 2)).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    return _weight_grad("conv2d_weight", 2, input, weight_size, grad_output, stride, padding,
                        dilation, groups)


def conv3d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1) -> Tensor:
    """Gradient of ``conv3d`` with respect to its input of size ``input_size``.

    >>> import ember
    >>> w = ember.ones(1, 1, 2, 2, 2)
    >>> conv3d_input((1, 1, 2, 2, 2), w, ember.ones(1, 1, 1, 1, 1)).shape
    ember.Size([1, 1, 2, 2, 2])
    """
    return _input_grad("conv3d_input", 3, input_size, weight, grad_output, stride, padding,
                       dilation, groups)


def conv3d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                  groups: int = 1) -> Tensor:
    """Gradient of ``conv3d`` with respect to its weight of size ``weight_size``.

    >>> import ember
    >>> x = ember.ones(1, 1, 2, 2, 2)
    >>> conv3d_weight(x, (1, 1, 1, 1, 1), ember.ones(1, 1, 2, 2, 2)).item()
    8.0
    """
    return _weight_grad("conv3d_weight", 3, input, weight_size, grad_output, stride, padding,
                        dilation, groups)


__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]
