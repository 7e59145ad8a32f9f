"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``, with PyTorch's
parameter names, shapes, default initialisation and ``padding_mode``.

>>> import ember
>>> conv = ember.nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect")
>>> conv(ember.ones(2, 3, 5, 5)).shape
ember.Size([2, 8, 5, 5])
"""

from __future__ import annotations

import math
from typing import Any

from ... import ops
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional._args import ntuple
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, transposed: bool, output_padding: Any,
                 groups: int, bias: bool, padding_mode: str, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            if n % groups:
                raise ValueError(f"{name}: {what} ({n}) must be divisible by groups "
                                 f"({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(name, "kernel_size", kernel_size, nd)
        self.stride = ntuple(name, "stride", stride, nd)
        self.dilation = ntuple(name, "dilation", dilation, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, expected "
                                 f"'same' or 'valid'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(name, "padding", padding, nd)
        self.output_padding = ntuple(name, "output_padding", output_padding, nd)
        self.transposed, self.groups, self.padding_mode = transposed, groups, padding_mode
        self._reversed_padding_repeated_twice = self._reversed_padding()
        kw = {"device": device, "dtype": dtype}
        shape = (in_channels, out_channels // groups) if transposed else \
            (out_channels, in_channels // groups)
        self.weight = Parameter(ops.empty(shape + self.kernel_size, **kw))
        if bias:
            self.bias = Parameter(ops.empty(out_channels, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _reversed_padding(self) -> list:
        """F.pad amounts (last dim first) for the non-zeros padding modes."""
        if self.padding == "valid":
            return [0, 0] * self._nd
        if self.padding == "same":
            out = []
            for k, d in zip(reversed(self.kernel_size), reversed(self.dilation)):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return out
        return [p for p in reversed(self.padding) for _ in range(2)]

    def reset_parameters(self) -> None:
        # PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), ...),
        # and the bias from the same fan_in.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _check_input(self, input: Tensor) -> None:
        nd = self._nd
        if not isinstance(input, Tensor):
            raise self.module_error(f"expected a Tensor input, got {type(input).__name__}",
                                    TypeError)
        if input.ndim not in (nd + 1, nd + 2):
            raise self.module_error(f"expected a {nd + 1}-D (unbatched) or {nd + 2}-D "
                                    f"(batched) input, got shape {tuple(input.shape)}",
                                    RuntimeError)
        c = input.shape[-nd - 1]
        if c != self.in_channels:
            raise self.module_error(f"expected input with {self.in_channels} channels (dim "
                                    f"{input.ndim - nd - 1}), got {c} channels (shape "
                                    f"{tuple(input.shape)})", RuntimeError)


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        fn = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                      self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                  self.groups)


class Conv1d(_Conv):
    """1-D convolution over ``(N, C_in, L)``; weight ``(C_out, C_in/groups, k)``.

    >>> import ember
    >>> ember.nn.Conv1d(4, 2, 3, stride=2)(ember.ones(1, 4, 9)).shape
    ember.Size([1, 2, 4])
    """

    _nd = 1


class Conv2d(_Conv):
    """2-D convolution over ``(N, C_in, H, W)``; weight ``(C_out, C_in/groups, kh, kw)``.

    >>> import ember
    >>> ember.nn.Conv2d(3, 6, (3, 2), groups=3)(ember.ones(3, 5, 5)).shape
    ember.Size([6, 3, 4])
    """

    _nd = 2


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``.

    >>> import ember
    >>> ember.nn.Conv3d(1, 2, 2)(ember.ones(1, 1, 3, 3, 3)).shape
    ember.Size([1, 2, 2, 2, 2])
    """

    _nd = 3


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}, got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """The output_padding that gives ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = list(output_size)[-nd:]
        if len(size) != nd:
            raise self.module_error(f"output_size must have {nd} or {nd + 2} elements, got "
                                    f"{tuple(output_size)}")
        out = []
        for i in range(nd):
            smallest = ((input.shape[-nd + i] - 1) * self.stride[i] - 2 * self.padding[i]
                        + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not smallest <= size[i] < smallest + self.stride[i]:
                raise self.module_error(
                    f"requested output_size {tuple(size)} is not reachable from input shape "
                    f"{tuple(input.shape)}: dim {i} must be in [{smallest}, "
                    f"{smallest + self.stride[i] - 1}]")
            out.append(size[i] - smallest)
        return tuple(out)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        self._check_input(input)
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        out_pad = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, out_pad,
                  self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution; weight ``(C_in, C_out/groups, k)``.

    >>> import ember
    >>> ember.nn.ConvTranspose1d(2, 3, 3, stride=2)(ember.ones(1, 2, 4)).shape
    ember.Size([1, 3, 9])
    """

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution; weight ``(C_in, C_out/groups, kh, kw)``.

    >>> import ember
    >>> up = ember.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    >>> up(ember.ones(1, 4, 3, 3), output_size=(6, 6)).shape
    ember.Size([1, 2, 6, 6])
    """

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution; weight ``(C_in, C_out/groups, kd, kh, kw)``.

    >>> import ember
    >>> ember.nn.ConvTranspose3d(1, 1, 2)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 3, 3, 3])
    """

    _nd = 3


__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]
