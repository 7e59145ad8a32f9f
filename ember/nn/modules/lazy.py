"""Lazy layers: ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d``
and ``LazyInstanceNorm1d/2d/3d``, as in PyTorch. The input channels (``in_channels`` or
``num_features``) are read from the first input; the parameters and buffers are then
materialised and initialised, and the module becomes its plain class (``cls_to_become``).

>>> import ember
>>> conv = ember.nn.LazyConv2d(4, 3)
>>> _ = conv(ember.ones(1, 2, 5, 5))
>>> type(conv).__name__, conv.in_channels, tuple(conv.weight.shape)
('Conv2d', 2, (4, 2, 3, 3))
"""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor
from ..parameter import UninitializedBuffer, UninitializedParameter, _is_uninitialized
from . import conv as _conv
from . import normalization as _norm


class LazyModuleMixin:
    """Shared by the lazy layers: ``initialize_parameters(input)`` materialises what is
    uninitialised; the first call then turns the module into ``cls_to_become``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer still has no shape."""
        tensors = list(self._parameters.values()) + list(self._buffers.values())
        return any(_is_uninitialized(t) for t in tensors)

    def _factory(self, input: Tensor) -> dict:
        # dtype None: the input's floating dtype (PyTorch would take the default dtype and
        # then refuse a float64 input)
        dtype = self._lazy_dtype
        if dtype is None:
            dtype = input.dtype if input.dtype.is_floating_point else _dt.get_default_dtype()
        return {"device": self._lazy_device or input.device, "dtype": dtype}

    def _convert_lazy(self, fn: Any) -> None:
        """A conversion (``.double()``, ``.to(dtype)``) before the first call: remembered
        for the parameters materialised then, as PyTorch's uninitialised ones keep it."""
        if self.has_uninitialized_params():
            self._lazy_device, self._lazy_dtype = converted_factory(
                fn, self._lazy_device, self._lazy_dtype)

    def _lazy_input(self, input: Any, ranks: tuple[int, ...]) -> Tensor:
        if not isinstance(input, Tensor):
            raise self.module_error(f"expected a Tensor input, got {type(input).__name__}",
                                    TypeError)
        if input.ndim not in ranks:
            raise self.module_error(
                f"expected {ranks[0]}D (unbatched) or {ranks[1]}D (batched) input, got input "
                f"of shape {tuple(input.shape)}", RuntimeError)
        return input

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self.initialize_parameters(*args, **kwargs)
        self.__class__ = self.cls_to_become
        return self.forward(*args, **kwargs)


def converted_factory(fn: Any, device: Any, dtype: Any) -> tuple[Any, Any]:
    """``(device, dtype)`` after a module conversion ``fn``, probed on an empty tensor; an
    unset dtype stays unset (the input's, at the first call) unless ``fn`` changes it."""
    start = dtype if dtype is not None else _dt.get_default_dtype()
    probe = fn(ops.empty(0, dtype=start, device=device))
    new_dtype = probe.dtype if probe.dtype != start else dtype
    new_device = probe.device if device is not None or str(probe.device) != "cpu" else None
    return new_device, new_dtype


class _LazyConvNd(LazyModuleMixin):
    def _lazy_init(self, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, transposed: bool, output_padding: Any, groups: int,
                   bias: bool, padding_mode: str, device: Any, dtype: Any) -> None:
        # built with 0 channels (empty tensors, nothing initialised), then made lazy
        _conv._ConvNd.__init__(self, 0, 0, kernel_size, stride, padding, dilation, transposed,
                               output_padding, groups, bias, padding_mode, device, dtype)
        if out_channels % groups:
            raise ValueError(f"{type(self).__name__}: out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        self.out_channels = out_channels
        self._lazy_device, self._lazy_dtype = device, dtype
        self.weight = UninitializedParameter()
        if bias:
            self.bias = UninitializedParameter()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Read ``in_channels`` from ``input``, then materialise and initialise."""
        nd = self._nd
        self._lazy_input(input, (nd + 1, nd + 2))
        if not self.has_uninitialized_params():
            # loaded from a state dict: the weight holds the channel count
            w = self.weight.shape
            self.in_channels = int(w[0] if self.transposed else w[1] * self.groups)
            return
        self.in_channels = int(input.shape[-nd - 1])
        if self.in_channels % self.groups:
            raise self.module_error(f"in_channels ({self.in_channels}, from input of shape "
                                    f"{tuple(input.shape)}) must be divisible by groups "
                                    f"({self.groups})", ValueError)
        shape = (self.in_channels, self.out_channels // self.groups) if self.transposed \
            else (self.out_channels, self.in_channels // self.groups)
        kw = self._factory(input)
        self.weight.materialize(shape + self.kernel_size, **kw)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,), **kw)
        self.reset_parameters()


class _LazyConv(_LazyConvNd):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        self._lazy_init(out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                        bias, padding_mode, device, dtype)


class _LazyConvTranspose(_LazyConvNd):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        self._lazy_init(out_channels, kernel_size, stride, padding, dilation, True,
                        output_padding, groups, bias, padding_mode, device, dtype)


class LazyConv1d(_LazyConv, _conv.Conv1d):
    """A :class:`Conv1d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConv1d(4, 2)
    >>> m(ember.ones(1, 3, 5)).shape, m.in_channels
    (ember.Size([1, 4, 4]), 3)
    """

    cls_to_become = _conv.Conv1d


class LazyConv2d(_LazyConv, _conv.Conv2d):
    """A :class:`Conv2d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConv2d(4, 2)
    >>> m(ember.ones(3, 5, 5)).shape, m.in_channels
    (ember.Size([4, 4, 4]), 3)
    """

    cls_to_become = _conv.Conv2d


class LazyConv3d(_LazyConv, _conv.Conv3d):
    """A :class:`Conv3d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConv3d(4, 1)
    >>> m(ember.ones(1, 3, 2, 2, 2)).shape, m.in_channels
    (ember.Size([1, 4, 2, 2, 2]), 3)
    """

    cls_to_become = _conv.Conv3d


class LazyConvTranspose1d(_LazyConvTranspose, _conv.ConvTranspose1d):
    """A :class:`ConvTranspose1d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConvTranspose1d(4, 2)
    >>> m(ember.ones(1, 3, 5)).shape, tuple(m.weight.shape)
    (ember.Size([1, 4, 6]), (3, 4, 2))
    """

    cls_to_become = _conv.ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, _conv.ConvTranspose2d):
    """A :class:`ConvTranspose2d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConvTranspose2d(4, 2, stride=2)
    >>> m(ember.ones(1, 3, 2, 2)).shape
    ember.Size([1, 4, 4, 4])
    """

    cls_to_become = _conv.ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, _conv.ConvTranspose3d):
    """A :class:`ConvTranspose3d` whose ``in_channels`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyConvTranspose3d(4, 1)
    >>> m(ember.ones(1, 3, 2, 2, 2)).shape
    ember.Size([1, 4, 2, 2, 2])
    """

    cls_to_become = _conv.ConvTranspose3d


class _LazyNormBase(LazyModuleMixin):
    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        # PyTorch's defaults, affine and track_running_stats True also for the instance
        # norms; built with 0 features and no tensors, then made lazy
        _norm._NormBase.__init__(self, 0, eps, momentum, False, False, device, dtype,
                                 bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        self._lazy_device, self._lazy_dtype = device, dtype
        if affine:
            self.weight = UninitializedParameter()
            if bias:
                self.bias = UninitializedParameter()
        if track_running_stats:
            self.running_mean = UninitializedBuffer()
            self.running_var = UninitializedBuffer()
            self.num_batches_tracked = ops.tensor(0, dtype=_dt.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features:
            super().reset_parameters()

    def _channel_dim(self, input: Tensor) -> int:
        return 1

    def initialize_parameters(self, input: Tensor) -> None:
        """Read ``num_features`` from ``input``'s channel dim, then materialise."""
        self._check_input_dim(input)
        loaded = [t for t in (self.weight, self.running_mean)
                  if t is not None and not _is_uninitialized(t)]
        if loaded:  # from a state dict: the tensors hold the feature count
            self.num_features = int(loaded[0].shape[0])
        else:
            self.num_features = int(input.shape[self._channel_dim(input)])
        if not self.has_uninitialized_params():
            return
        kw = self._factory(input)
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if t is not None:
                t.materialize((self.num_features,), **kw)
        self.reset_parameters()


class _LazyInstanceNorm(_LazyNormBase):
    def _channel_dim(self, input: Tensor) -> int:
        # (N, C, *) or unbatched (C, *); PyTorch reads dim 1 for both
        return 1 if input.ndim == self._ranks[-1] else 0


class LazyBatchNorm1d(_LazyNormBase, _norm.BatchNorm1d):
    """A :class:`BatchNorm1d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyBatchNorm1d()
    >>> _ = m(ember.randn(4, 3))
    >>> m.num_features, list(m.state_dict())
    (3, ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'])
    """

    cls_to_become = _norm.BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, _norm.BatchNorm2d):
    """A :class:`BatchNorm2d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyBatchNorm2d()
    >>> m(ember.randn(2, 3, 2, 2)).shape, m.num_features
    (ember.Size([2, 3, 2, 2]), 3)
    """

    cls_to_become = _norm.BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, _norm.BatchNorm3d):
    """A :class:`BatchNorm3d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyBatchNorm3d()
    >>> m(ember.randn(2, 3, 1, 2, 2)).shape, m.num_features
    (ember.Size([2, 3, 1, 2, 2]), 3)
    """

    cls_to_become = _norm.BatchNorm3d


class LazyInstanceNorm1d(_LazyInstanceNorm, _norm.InstanceNorm1d):
    """An :class:`InstanceNorm1d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyInstanceNorm1d()
    >>> m(ember.randn(2, 3, 4)).shape, m.num_features
    (ember.Size([2, 3, 4]), 3)
    """

    cls_to_become = _norm.InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, _norm.InstanceNorm2d):
    """An :class:`InstanceNorm2d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyInstanceNorm2d()
    >>> m(ember.randn(3, 2, 2)).shape, m.num_features
    (ember.Size([3, 2, 2]), 3)
    """

    cls_to_become = _norm.InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, _norm.InstanceNorm3d):
    """An :class:`InstanceNorm3d` whose ``num_features`` is read from the first input.

    >>> import ember
    >>> m = ember.nn.LazyInstanceNorm3d()
    >>> m(ember.randn(1, 3, 2, 2, 2)).shape, m.num_features
    (ember.Size([1, 3, 2, 2, 2]), 3)
    """

    cls_to_become = _norm.InstanceNorm3d


__all__ = ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
