"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``, ``LayerNorm``,
``GroupNorm``, ``RMSNorm``, ``LocalResponseNorm``.

Parameters and buffers (``weight``, ``bias``, ``running_mean``, ``running_var``,
``num_batches_tracked``) have PyTorch's names, shapes and initial values.

>>> import ember
>>> bn = ember.nn.BatchNorm1d(3)
>>> list(bn.state_dict())
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import dtypes as _dt
from ... import ops
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class _NormBase(Module):
    """Shared state of the batch and instance norms."""

    _ranks: tuple[int, ...] = ()
    _shape_doc = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        kw = {"device": device, "dtype": dtype}
        if affine:
            self.weight = Parameter(ops.empty(num_features, **kw))
            if bias:
                self.bias = Parameter(ops.empty(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ops.zeros(num_features, **kw))
            self.register_buffer("running_var", ops.ones(num_features, **kw))
            self.register_buffer("num_batches_tracked",
                                 ops.tensor(0, dtype=_dt.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        if not isinstance(input, Tensor) or input.ndim not in self._ranks:
            got = f"{input.ndim}D input of shape {tuple(input.shape)}" \
                if isinstance(input, Tensor) else type(input).__name__
            ranks = " or ".join(f"{r}D" for r in self._ranks)
            raise self.module_error(f"expected {ranks} input {self._shape_doc}, got {got}")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise self.module_error(f"expected {self.num_features} channels (dim 1), got input "
                                    f"of shape {tuple(input.shape)}", RuntimeError)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        # Batch statistics in training, and in eval when there are no running ones.
        use_batch = self.training or self.running_mean is None
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None,
                            self.running_var if update else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs.

    >>> import ember
    >>> ember.nn.BatchNorm1d(3)(ember.randn(4, 3)).shape
    ember.Size([4, 3])
    """

    _ranks, _shape_doc = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.BatchNorm2d(2)(ember.randn(3, 2, 2, 2)).shape
    ember.Size([3, 2, 2, 2])
    """

    _ranks, _shape_doc = (4,), "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.BatchNorm3d(2)(ember.randn(2, 2, 1, 2, 2)).shape
    ember.Size([2, 2, 1, 2, 2])
    """

    _ranks, _shape_doc = (5,), "(N, C, D, H, W)"


class _InstanceNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        batched = input.ndim == self._ranks[-1]
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.num_features and self.affine:
            raise self.module_error(f"expected {self.num_features} channels, got input of "
                                    f"shape {tuple(input.shape)}", RuntimeError)
        use_input_stats = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, 0.0 if self.momentum is None else self.momentum,
                              self.eps)
        return out if batched else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or ``(C, L)`` inputs.

    >>> import ember
    >>> ember.nn.InstanceNorm1d(3)(ember.randn(2, 3, 4)).shape
    ember.Size([2, 3, 4])
    """

    _ranks, _shape_doc = (2, 3), "(C, L) or (N, C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or ``(C, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.InstanceNorm2d(3)(ember.randn(2, 3, 2, 2)).shape
    ember.Size([2, 3, 2, 2])
    """

    _ranks, _shape_doc = (3, 4), "(C, H, W) or (N, C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs.

    >>> import ember
    >>> ember.nn.InstanceNorm3d(1)(ember.randn(1, 1, 2, 2, 2)).shape
    ember.Size([1, 1, 2, 2, 2])
    """

    _ranks, _shape_doc = (4, 5), "(C, D, H, W) or (N, C, D, H, W)"


def _shape_tuple(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(normalized_shape)


def _check_trailing_shape(module: LayerNorm | RMSNorm, input: Tensor) -> None:
    """Raise the layer's RuntimeError unless ``input`` ends in ``module.normalized_shape``."""
    k = len(module.normalized_shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != module.normalized_shape:
        raise module.module_error(
            f"expected input of shape (*, {', '.join(map(str, module.normalized_shape))}), "
            f"got {tuple(input.shape)}", RuntimeError)


class LayerNorm(Module):
    """Normalises over the trailing ``normalized_shape`` dims, then scales and shifts.

    >>> import ember
    >>> ln = ember.nn.LayerNorm(4)
    >>> ln(ember.randn(2, 4)).shape, tuple(ln.weight.shape)
    (ember.Size([2, 4]), (4,))
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        kw = {"device": device, "dtype": dtype}
        if elementwise_affine:
            self.weight = Parameter(ops.ones(self.normalized_shape, **kw))
            if bias:
                self.bias = Parameter(ops.zeros(self.normalized_shape, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        _check_trailing_shape(self, input)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing dims (``eps=None``: the dtype's
    machine epsilon).

    >>> import ember
    >>> ember.nn.RMSNorm([2, 3])(ember.randn(4, 2, 3)).shape
    ember.Size([4, 2, 3])
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None
                 ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ops.ones(self.normalized_shape, device=device,
                                             dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        _check_trailing_shape(self, x)
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalises groups of channels of each sample; per-channel affine.

    >>> import ember
    >>> ember.nn.GroupNorm(2, 4)(ember.randn(3, 4, 5)).shape
    ember.Size([3, 4, 5])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                             f"num_groups={num_groups}")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(ops.ones(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(ops.zeros(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise self.module_error(f"expected input of shape (N, {self.num_channels}, *), "
                                    f"got {tuple(input.shape)}", RuntimeError)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Normalises each channel by its neighbours' squared activity (AlexNet).

    >>> import ember
    >>> ember.nn.LocalResponseNorm(2)(ember.randn(1, 4, 3)).shape
    ember.Size([1, 4, 3])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
                 ) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_windows(channels: int, size: int, like: Tensor) -> Tensor:
    """``(C, C)`` 0/1 matrix: row ``c`` marks the channels summed into channel ``c``'s scale.

    PyTorch's legacy kernel keeps a running sum whose update starts removing channels one
    step late, so channel 0 stays in every window from ``c = pre_pad`` on; this reproduces
    those windows exactly, so ported weights give PyTorch's outputs."""
    pre_pad = int((size - 1) / 2 + 1)
    c = ops.arange(channels, device=like.device).unsqueeze(1)
    other = ops.arange(channels, device=like.device).unsqueeze(0)
    near = (other >= c - pre_pad + 1) & (other <= c + pre_pad - 1)
    stuck = (other == 0) & (c >= pre_pad)
    return (near | stuck).to(like.dtype)


class CrossMapLRN2d(Module):
    """The legacy cross-channel local response norm of PyTorch (Lua Torch's) for
    ``(N, C, H, W)`` inputs: ``x / (k + alpha / size * sum x^2 over a channel window)^beta``,
    with PyTorch's windows. Its gradient is the exact gradient of that forward (PyTorch's
    hand-written backward sums shifted windows, so it differs from it).

    >>> import ember
    >>> ember.nn.CrossMapLRN2d(3)(ember.ones(1, 4, 2, 2)).shape
    ember.Size([1, 4, 2, 2])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1
                 ) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor) or input.ndim != 4:
            got = f"{input.ndim}D input of shape {tuple(input.shape)}" \
                if isinstance(input, Tensor) else type(input).__name__
            raise self.module_error(f"expected a 4D (N, C, H, W) input, got {got}")
        windows = _cross_map_windows(int(input.shape[1]), self.size, input)
        # sum of squares over each channel's window: channels last, times the window matrix
        summed = (input.pow(2).movedim(1, -1) @ windows.mT).movedim(-1, 1)
        return input * (summed * (self.alpha / self.size) + self.k).pow(-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm",
           "CrossMapLRN2d"]
