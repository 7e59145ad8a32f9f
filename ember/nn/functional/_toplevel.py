"""The layer functions PyTorch also exposes at top level (``torch.batch_norm``,
``torch.dropout``, ``torch.max_pool2d``, ...), re-exported as ``ember.<name>``.

They take the top-level (ATen) signatures, which differ from ``torch.nn.functional``'s: the
arguments are positional and often without defaults (``dropout(input, p, train)``), the
norms take ``weight, bias`` before the running statistics, the pools have no
``return_indices``, and ``embedding`` takes the weight first. Each one forwards to the
``ember.nn.functional`` function that computes it, so values, gradients and errors are
those of that function.

>>> import ember
>>> ember.dropout(ember.ones(3), 0.5, False).tolist()
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...dtypes import DType
from ...ops._common import bind_methods
from ...tensor import Tensor
from . import _distance, activation, conv, normalization, pooling, resample
from ._unpool import channel_shuffle, native_channel_shuffle
from .activation_smooth import _inplace
from .dropout import _apply as _apply_dropout
from .dropout import _check as _check_dropout
from .linear import bilinear

# Same signature at top level as in torch.nn.functional: the functions themselves.
conv1d, conv2d, conv3d = conv.conv1d, conv.conv2d, conv.conv3d
conv_transpose1d, conv_transpose2d = conv.conv_transpose1d, conv.conv_transpose2d
conv_transpose3d, conv_tbc = conv.conv_transpose3d, conv.conv_tbc
prelu, hardshrink = activation.prelu, activation.hardshrink
selu_, celu_ = activation.selu_, activation.celu_
pixel_shuffle, pixel_unshuffle = resample.pixel_shuffle, resample.pixel_unshuffle
cosine_similarity, pairwise_distance = _distance.cosine_similarity, _distance.pairwise_distance
adaptive_avg_pool1d, rms_norm = pooling.adaptive_avg_pool1d, normalization.rms_norm


# ----------------------------------------------------------------------------- softmax
def softmax(input: Tensor, dim: int, dtype: DType | None = None) -> Tensor:
    """``torch.softmax`` and ``Tensor.softmax``: ``dim`` is required and ``dtype`` is the
    third argument (``F.softmax``'s third is ``_stacklevel``).

    >>> import ember
    >>> ember.softmax(ember.zeros(2), 0, ember.float64).tolist()
    [0.5, 0.5]
    """
    return activation.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype: DType | None = None) -> Tensor:
    """``torch.log_softmax`` and ``Tensor.log_softmax`` (see :func:`softmax`).

    >>> import ember
    >>> ember.zeros(2).log_softmax(0).exp().tolist()
    [0.5, 0.5]
    """
    return activation.log_softmax(input, dim, dtype=dtype)


bind_methods(softmax=softmax, log_softmax=log_softmax)


# ----------------------------------------------------------------------------- normalization
def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.batch_norm``: :func:`ember.nn.functional.batch_norm` with the affine
    parameters first; ``cudnn_enabled`` is accepted and has no effect.

    >>> import ember
    >>> ember.batch_norm(ember.tensor([[1.0], [3.0]]), None, None, None, None, True, 0.1,
    ...                  0.0, False).tolist()
    [[-1.0], [1.0]]
    """
    return normalization.batch_norm(input, running_mean, running_var, weight, bias, training,
                                    momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """``torch.instance_norm``: :func:`ember.nn.functional.instance_norm` with the affine
    parameters first.

    >>> import ember
    >>> ember.instance_norm(ember.tensor([[[1.0, 3.0]]]), None, None, None, None, True, 0.1,
    ...                     0.0, False).tolist()
    [[[-1.0, 1.0]]]
    """
    return normalization.instance_norm(input, running_mean, running_var, weight, bias,
                                       use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-05,
               cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm`` (``cudnn_enable`` has no effect).

    >>> import ember
    >>> ember.layer_norm(ember.tensor([1.0, 3.0]), [2], eps=0.0).tolist()
    [-1.0, 1.0]
    """
    return normalization.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-05,
               cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm`` (``cudnn_enabled`` has no effect).

    >>> import ember
    >>> ember.group_norm(ember.tensor([[1.0, 3.0]]), 1, eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    return normalization.group_norm(input, num_groups, weight, bias, eps)


# ----------------------------------------------------------------------------- dropout
def _drop(op: str, input: Tensor, p: float, train: bool, inplace: bool, feature: bool,
          alpha: bool) -> Tensor:
    _check_dropout(op, input, p)
    if feature and input.ndim < 2:  # one mask entry per (sample, channel) needs both dims
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {tuple(input.shape)}")
    return _apply_dropout(op, input, p, train, inplace, feature, alpha)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout``: zero each element with probability ``p`` when ``train``.

    >>> import ember
    >>> ember.dropout(ember.ones(2), 1.0, True).tolist()
    [0.0, 0.0]
    """
    return _drop("dropout", input, p, train, False, False, False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`dropout`.

    >>> import ember
    >>> ember.dropout_(ember.ones(2), 1.0, True).tolist()
    [0.0, 0.0]
    """
    return _drop("dropout_", input, p, train, True, False, False)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.alpha_dropout``: dropout that keeps SELU's mean and variance.

    >>> import ember
    >>> ember.alpha_dropout(ember.ones(2), 0.5, False).tolist()
    [1.0, 1.0]
    """
    return _drop("alpha_dropout", input, p, train, False, False, True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`alpha_dropout`.

    >>> import ember
    >>> ember.alpha_dropout_(ember.ones(2), 0.5, False).tolist()
    [1.0, 1.0]
    """
    return _drop("alpha_dropout_", input, p, train, True, False, True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_dropout``: zero whole channels (dim 1 of each sample of dim 0).

    >>> import ember
    >>> ember.feature_dropout(ember.ones(1, 2, 3), 1.0, True).sum().item()
    0.0
    """
    return _drop("feature_dropout", input, p, train, False, True, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_dropout`.

    >>> import ember
    >>> ember.feature_dropout_(ember.ones(1, 2, 3), 1.0, True).sum().item()
    0.0
    """
    return _drop("feature_dropout_", input, p, train, True, True, False)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_alpha_dropout``: :func:`alpha_dropout` of whole channels.

    >>> import ember
    >>> ember.feature_alpha_dropout(ember.ones(1, 2), 0.5, False).tolist()
    [[1.0, 1.0]]
    """
    return _drop("feature_alpha_dropout", input, p, train, False, True, True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_alpha_dropout`.

    >>> import ember
    >>> ember.feature_alpha_dropout_(ember.ones(1, 2), 0.5, False).tolist()
    [[1.0, 1.0]]
    """
    return _drop("feature_alpha_dropout_", input, p, train, True, True, True)


# ----------------------------------------------------------------------------- activations
def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``torch.threshold``: ``input`` where it is above ``threshold``, else ``value``.

    >>> import ember
    >>> ember.threshold(ember.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    return activation.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    >>> import ember
    >>> ember.threshold_(ember.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    return activation.threshold_(input, threshold, value)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``torch.celu``: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> import ember
    >>> ember.celu(ember.tensor([1.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    return activation.celu(input, alpha)


def selu(input: Tensor) -> Tensor:
    """``torch.selu``: the scaled ELU of Klambauer et al.

    >>> import ember
    >>> ember.selu(ember.tensor([0.0])).tolist()
    [0.0]
    """
    return activation.selu(input)


def rrelu(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    """``torch.rrelu``: randomised leaky ReLU, slopes drawn from ``generator`` in training.

    >>> import ember
    >>> ember.rrelu(ember.tensor([-3.0, 1.0])).tolist()
    [-0.6875, 1.0]
    """
    return activation._rrelu(input, lower, upper, training, generator)


def rrelu_(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3,
           training: bool = False, generator: Any = None) -> Tensor:
    """In-place :func:`rrelu`.

    >>> import ember
    >>> ember.rrelu_(ember.tensor([-3.0, 1.0])).tolist()
    [-0.6875, 1.0]
    """
    return _inplace("rrelu", input, activation._rrelu, lower, upper, training, generator)


# ----------------------------------------------------------------------------- pooling
def _stride(stride: Any) -> Any:
    """ATen's ``stride=[]`` (its default) means "the kernel size", as None does in F."""
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else stride


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool1d`` (no ``return_indices``; see :func:`max_pool1d_with_indices`).

    >>> import ember
    >>> ember.max_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2).tolist()
    [[3.0, 2.0]]
    """
    return pooling.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = (),
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
                            ) -> tuple[Tensor, Tensor]:
    """``torch.max_pool1d_with_indices``: the maxima and their positions along the input.

    >>> import ember
    >>> ember.max_pool1d_with_indices(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)[1].tolist()
    [[1, 2]]
    """
    return pooling.max_pool1d(input, kernel_size, _stride(stride), padding, dilation,
                              ceil_mode, return_indices=True)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool2d``.

    >>> import ember
    >>> ember.max_pool2d(ember.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    return pooling.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``torch.max_pool3d``.

    >>> import ember
    >>> ember.max_pool3d(ember.arange(8.0).reshape(1, 2, 2, 2), 2).tolist()
    [[[[7.0]]]]
    """
    return pooling.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """``torch.avg_pool1d``.

    >>> import ember
    >>> ember.avg_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 2).tolist()
    [[2.0, 1.0]]
    """
    return pooling.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode,
                              count_include_pad)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:
    """``torch.adaptive_max_pool1d``: always the (values, indices) pair.

    >>> import ember
    >>> ember.adaptive_max_pool1d(ember.tensor([[1.0, 3.0, 2.0, 0.0]]), 1)[0].tolist()
    [[3.0]]
    """
    return pooling.adaptive_max_pool1d(input, output_size, return_indices=True)


# ----------------------------------------------------------------------------- padding
def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """``torch.constant_pad_nd``: :func:`ember.nn.functional.pad` in constant mode.

    >>> import ember
    >>> ember.constant_pad_nd(ember.ones(2), [1, 0], 5.0).tolist()
    [5.0, 1.0, 1.0]
    """
    return resample.pad(input, pad, "constant", value)


__all__ = [
    "softmax", "log_softmax", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
    "conv_transpose2d", "conv_transpose3d",
    "conv_tbc", "bilinear", "prelu", "hardshrink", "selu_", "celu_", "pixel_shuffle",
    "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "cosine_similarity",
    "pairwise_distance", "adaptive_avg_pool1d", "rms_norm", "batch_norm", "instance_norm",
    "layer_norm", "group_norm", "dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
    "feature_dropout", "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
    "threshold", "threshold_", "celu", "selu", "rrelu", "rrelu_", "max_pool1d",
    "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_max_pool1d",
    "constant_pad_nd",
]
