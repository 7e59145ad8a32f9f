"""Pooling layers: thin modules over ``ember.nn.functional`` pooling, with PyTorch's
constructor arguments and ``extra_repr``.

>>> import ember
>>> ember.nn.MaxPool2d(2)(ember.ones(1, 3, 4, 4)).shape
ember.Size([1, 3, 2, 2])
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class _MaxPoolNd(Module):
    _fn = ""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")

    def forward(self, input: Tensor):
        return getattr(F, self._fn)(input, self.kernel_size, self.stride, self.padding,
                                    self.dilation, ceil_mode=self.ceil_mode,
                                    return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """Max pooling over ``(N, C, L)`` (see :func:`ember.nn.functional.max_pool1d`)."""

    _fn = "max_pool1d"


class MaxPool2d(_MaxPoolNd):
    """Max pooling over ``(N, C, H, W)`` (see :func:`ember.nn.functional.max_pool2d`)."""

    _fn = "max_pool2d"


class MaxPool3d(_MaxPoolNd):
    """Max pooling over ``(N, C, D, H, W)``."""

    _fn = "max_pool3d"


class _AvgPoolNd(Module):
    _fn = ""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor) -> Tensor:
        fn = getattr(F, self._fn)
        args = (input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                self.count_include_pad)
        return fn(*args) if self._fn == "avg_pool1d" else fn(*args, self.divisor_override)


class AvgPool1d(_AvgPoolNd):
    """Average pooling over ``(N, C, L)``."""

    _fn = "avg_pool1d"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        def single(v: Any) -> tuple:  # PyTorch keeps AvgPool1d's sizes as 1-tuples
            return tuple(v) if isinstance(v, (tuple, list)) else (v,)
        super().__init__(single(kernel_size), single(kernel_size if stride is None else stride),
                         single(padding), ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over ``(N, C, H, W)``.

    >>> import ember
    >>> ember.nn.AvgPool2d(3, 2, 1, count_include_pad=False)(ember.ones(1, 1, 5, 5)).sum()
    tensor(9.)
    """

    _fn = "avg_pool2d"


class AvgPool3d(_AvgPoolNd):
    """Average pooling over ``(N, C, D, H, W)``."""

    _fn = "avg_pool3d"


class _AdaptiveAvgPoolNd(Module):
    _fn = ""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor) -> Tensor:
        return getattr(F, self._fn)(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling of ``(N, C, L)`` to ``output_size``."""

    _fn = "adaptive_avg_pool1d"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling of ``(N, C, H, W)`` to ``output_size``.

    >>> import ember
    >>> ember.nn.AdaptiveAvgPool2d(1)(ember.ones(2, 3, 5, 4)).shape
    ember.Size([2, 3, 1, 1])
    """

    _fn = "adaptive_avg_pool2d"


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Adaptive average pooling of ``(N, C, D, H, W)`` to ``output_size``."""

    _fn = "adaptive_avg_pool3d"


class _AdaptiveMaxPoolNd(Module):
    _fn = ""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input: Tensor):
        return getattr(F, self._fn)(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of ``(N, C, L)`` to ``output_size``."""

    _fn = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of ``(N, C, H, W)`` to ``output_size``."""

    _fn = "adaptive_max_pool2d"


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of ``(N, C, D, H, W)`` to ``output_size``."""

    _fn = "adaptive_max_pool3d"


class _LPPoolNd(Module):
    _fn = ""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")

    def forward(self, input: Tensor) -> Tensor:
        return getattr(F, self._fn)(input, self.norm_type, self.kernel_size, self.stride,
                                    self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """Power-average pooling over ``(N, C, L)``."""

    _fn = "lp_pool1d"


class LPPool2d(_LPPoolNd):
    """Power-average pooling over ``(N, C, H, W)``."""

    _fn = "lp_pool2d"


class LPPool3d(_LPPoolNd):
    """Power-average pooling over ``(N, C, D, H, W)``.

    >>> import ember
    >>> ember.nn.LPPool3d(2, 2)(ember.ones(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 1, 1, 1])
    """

    _fn = "lp_pool3d"


class _FractionalMaxPoolNd(Module):
    _nd: int  # and _fn, the functional form: set by the subclasses

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if nd == 3 and any(k <= 0 for k in _ntuple(kernel_size, nd)):
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _ntuple(kernel_size, nd)
        self.return_indices = return_indices
        # A buffer, as in PyTorch: fixed samples travel with the state dict.
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else _ntuple(output_size, nd)
        self.output_ratio = None if output_ratio is None else _ntuple(output_ratio, nd)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             f"ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError(f"{name}: only one of output_size and output_ratio may be "
                             f"specified, got output_size={output_size} and "
                             f"output_ratio={output_ratio}")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        return getattr(F, self._fn)(input, self.kernel_size, self.output_size,
                                    self.output_ratio, self.return_indices,
                                    _random_samples=self._random_samples)


def _ntuple(value: Any, n: int) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling over ``(N, C, H, W)`` (:func:`F.fractional_max_pool2d`).

    >>> import ember
    >>> ember.nn.FractionalMaxPool2d(3, output_ratio=0.5)(ember.ones(1, 2, 10, 12)).shape
    ember.Size([1, 2, 5, 6])
    """

    _nd, _fn = 2, "fractional_max_pool2d"


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over ``(N, C, T, H, W)`` (:func:`F.fractional_max_pool3d`).

    >>> import ember
    >>> ember.nn.FractionalMaxPool3d(2, output_size=(2, 3, 3))(ember.ones(1, 1, 5, 5, 5)).shape
    ember.Size([1, 1, 2, 3, 3])
    """

    _nd, _fn = 3, "fractional_max_pool3d"


__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d",
           "LPPool2d", "LPPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]
