"""Linear layers and reshaping helpers: ``Identity``, ``Linear``, ``Bilinear``,
``LazyLinear``, ``Flatten``, ``Unflatten``.

Parameter names, shapes and default initialisation are PyTorch's, so state dicts transfer
both ways.

>>> import ember
>>> fc = ember.nn.Linear(3, 2)
>>> fc(ember.ones(4, 3)).shape
ember.Size([4, 2])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ... import ops
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional.linear import linear_relu
from ..module import Module, runs_own_forward
from ..parameter import Parameter, UninitializedParameter


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments.

    >>> import ember
    >>> x = ember.ones(2)
    >>> ember.nn.Identity(54, unused="x")(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


def _factory(device: Any, dtype: Any) -> dict:
    return {"device": device, "dtype": dtype}


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Default init: ``kaiming_uniform_(a=sqrt(5))`` for the weight, and the bias uniform in
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]``, as in PyTorch.

    >>> import ember
    >>> ember.nn.Linear(4, 3, bias=False).weight.shape
    ember.Size([3, 4])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        kw = _factory(device, dtype)
        self.weight = Parameter(ops.empty((out_features, in_features), **kw))
        if bias:
            self.bias = Parameter(ops.empty(out_features, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        shape = input._data.shape if isinstance(input, Tensor) else ()
        if not shape or shape[-1] != self.in_features:
            raise self._input_error(input)
        return F.linear(input, self.weight, self.bias)

    def _forward_relu(self, input: Tensor) -> Tensor:
        """``relu(self.forward(input))`` as one fused op (the bias and the ReLU in one pass
        over the product), for containers that see a ReLU follow this layer."""
        shape = input._data.shape if isinstance(input, Tensor) else ()
        if not shape or shape[-1] != self.in_features:
            raise self._input_error(input)
        return linear_relu(input, self.weight, self.bias)

    def _input_error(self, input: Any) -> Exception:
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        return self.module_error(f"expected input of shape (..., {self.in_features}), "
                                 f"got {got}", RuntimeError)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


_LINEAR_FORWARD = Linear.forward


def calls_plain_linear(module: Module) -> bool:
    """Whether calling ``module`` is exactly ``Linear.forward``: a Linear (not a subclass)
    without hooks, its ``forward`` replaced neither on the instance nor on the class (as a
    wrapping library may do). Callers that fuse what follows may then use
    ``module._forward_relu``."""
    return runs_own_forward(module, Linear, _LINEAR_FORWARD)


class LazyLinear(Linear):
    """A :class:`Linear` whose ``in_features`` is taken from the first input; the weight
    and bias are materialised (and initialised) then, and the module becomes a ``Linear``.

    >>> import ember
    >>> fc = ember.nn.LazyLinear(2)
    >>> _ = fc(ember.ones(5, 7))
    >>> type(fc).__name__, fc.in_features, tuple(fc.weight.shape)
    ('Linear', 7, (2, 7))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self._factory_kwargs = _factory(device, dtype)
        self.weight = UninitializedParameter()
        if bias:
            self.bias = UninitializedParameter()
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not isinstance(self.weight, UninitializedParameter) and self.in_features:
            super().reset_parameters()

    def _convert_lazy(self, fn: Any) -> None:
        """See ``LazyModuleMixin._convert_lazy``."""
        from .lazy import converted_factory

        if isinstance(self.weight, UninitializedParameter):
            kw = self._factory_kwargs
            kw["device"], kw["dtype"] = converted_factory(fn, kw["device"], kw["dtype"])

    def initialize_parameters(self, input: Tensor) -> None:
        """Materialise the parameters for ``input``'s last dim and initialise them."""
        if not isinstance(self.weight, UninitializedParameter):
            # loaded from a state dict before the first call: the weight holds the size
            self.in_features = int(self.weight.shape[1])
            return
        if input.ndim == 0:
            raise self.module_error("expected an input with at least one dim, got a 0-d "
                                    "tensor", RuntimeError)
        self.in_features = int(input.shape[-1])
        kw = dict(self._factory_kwargs)
        if kw["dtype"] is None:
            kw["dtype"] = input.dtype
        self.weight.materialize((self.out_features, self.in_features), **kw)
        if self.bias is not None:
            self.bias.materialize((self.out_features,), **kw)
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        self.initialize_parameters(input)
        self.__class__ = self.cls_to_become
        return Linear.forward(self, input)

    def extra_repr(self) -> str:
        return f"in_features=0 (lazy), out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1^T A x2 + b`` with ``weight`` of shape ``(out, in1, in2)``; weight and bias
    uniform in ``[-1/sqrt(in1), 1/sqrt(in1)]``, as in PyTorch.

    >>> import ember
    >>> ember.nn.Bilinear(3, 4, 5)(ember.ones(2, 3), ember.ones(2, 4)).shape
    ember.Size([2, 5])
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        kw = _factory(device, dtype)
        self.weight = Parameter(ops.empty((out_features, in1_features, in2_features), **kw))
        if bias:
            self.bias = Parameter(ops.empty(out_features, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if input1.shape[-1:] != (self.in1_features,) or \
                input2.shape[-1:] != (self.in2_features,):
            raise self.module_error(
                f"expected inputs of shapes (..., {self.in1_features}) and "
                f"(..., {self.in2_features}), got {tuple(input1.shape)} and "
                f"{tuple(input2.shape)}", RuntimeError)
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (by default all but the batch dim).

    >>> import ember
    >>> ember.nn.Flatten()(ember.ones(2, 3, 4)).shape
    ember.Size([2, 12])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size``.

    >>> import ember
    >>> ember.nn.Unflatten(1, (3, 4))(ember.ones(2, 12)).shape
    ember.Size([2, 3, 4])
    """

    def __init__(self, dim: int | str, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int (named tensors are not supported), "
                            f"got {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)) or \
                not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


__all__ = ["Identity", "Linear", "LazyLinear", "Bilinear", "Flatten", "Unflatten"]
