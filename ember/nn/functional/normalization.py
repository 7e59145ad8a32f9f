"""Normalisation: ``batch_norm``, ``instance_norm``, ``layer_norm``, ``group_norm``,
``rms_norm``, ``local_response_norm`` and ``normalize``.

The statistics and their gradient come from one fused primitive (``_norm_prim.py``); the
affine part (``* weight + bias``) is ordinary broadcasting ops. Running statistics are
updated in place, outside autograd, with the unbiased variance, as in PyTorch.

>>> import ember
>>> import ember.nn.functional as F
>>> F.layer_norm(ember.tensor([[1.0, 3.0]]), (2,)).round(decimals=4).tolist()
[[-1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import ops
from ...autograd.grad_mode import no_grad
from ...linalg import vector_norm
from ...ops.registry import plain_ctx_for
from ...tensor import Tensor, _make
from ._norm_prim import norm_affine, standardize

# The machine epsilon of each float dtype: rms_norm's default eps, as in PyTorch.
_FINFO_EPS = {"float16": 0.0009765625, "bfloat16": 0.0078125,
              "float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16}


def _check_input(op: str, input: object, min_dim: int) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim < min_dim:
        raise ValueError(f"{op}: expected input with at least {min_dim} dims, got shape "
                         f"{tuple(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype}")
    return input


def _check_vec(op: str, name: str, t: Tensor | None, shape: tuple) -> None:
    if t is not None and tuple(t.shape) != shape:
        raise RuntimeError(f"{op}: expected {name} of shape {shape}, got {tuple(t.shape)}")


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    """A per-channel vector (C,) shaped to broadcast against an (N, C, *) input."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, per_channel: bool
            ) -> Tensor:
    if (weight is not None and bias is not None and y.dtype == weight.dtype == bias.dtype
            and y.ndim >= 2):
        return norm_affine(y, weight, bias, per_channel)  # one primitive, two passes fewer
    if weight is not None:
        y = y * (_channel_view(weight, y.ndim) if per_channel else weight)
    if bias is not None:
        y = y + (_channel_view(bias, y.ndim) if per_channel else bias)
    return y


def _update_running(running: Tensor | None, batch: Tensor, momentum: float) -> None:
    if running is not None:
        with no_grad():
            running.mul_(1 - momentum).add_(batch.to(running.dtype) * momentum)


def _with_running_stats(x: Tensor, mean: Tensor, var: Tensor, weight: Tensor | None,
                        bias: Tensor | None, eps: float) -> Tensor:
    """Normalisation by given statistics (and the affine map) as one per-channel pass,
    ``x * scale + shift`` with ``scale = weight / sqrt(var + eps)`` and ``shift = bias -
    mean * scale``: the form of PyTorch's CPU inference kernel, one pass over ``x`` instead
    of four."""
    scale = (var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -(mean * scale)
    if bias is not None:
        shift = bias + shift
    return _affine(x, scale, shift, True)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims.

    In training, batch statistics are used and the running ones (when given) move towards
    them by ``momentum``, with the unbiased variance; otherwise the running ones are used.

    >>> import ember
    >>> rm, rv = ember.zeros(1), ember.ones(1)
    >>> batch_norm(ember.tensor([[1.0], [3.0]]), rm, rv, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    >>> rm.tolist(), rv.tolist()
    ([0.20000000298023224], [1.100000023841858])
    """
    _check_input("batch_norm", input, 2)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vec("batch_norm", name, t, (c,))
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "training=False")
        return _with_running_stats(input, running_mean, running_var, weight, bias, eps)
    n = input.numel() // max(c, 1)
    if n <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {tuple(input.shape)}")
    dims = (0,) + tuple(range(2, input.ndim))
    y, mean, var = standardize(input, dims, eps)
    _update_running(running_mean, mean.reshape(c), momentum)
    _update_running(running_var, var.reshape(c) * (n / (n - 1)), momentum)
    return _affine(y, weight, bias, True)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims.

    >>> import ember
    >>> instance_norm(ember.tensor([[[1.0, 3.0]]]), eps=0.0).tolist()
    [[[-1.0, 1.0]]]
    """
    _check_input("instance_norm", input, 3)
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vec("instance_norm", name, t, (c,))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("instance_norm: running_mean and running_var must be given "
                               "when use_input_stats=False")
        return _with_running_stats(input, running_mean, running_var, weight, bias, eps)
    n = input.numel() // max(input.shape[0] * c, 1)
    if n <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when "
                         f"training, got input of shape {tuple(input.shape)}")
    y, mean, var = standardize(input, tuple(range(2, input.ndim)), eps)
    # PyTorch averages the per-instance statistics over the batch.
    _update_running(running_mean, mean.reshape(-1, c).mean(0), momentum)
    _update_running(running_var, (var.reshape(-1, c) * (n / (n - 1))).mean(0), momentum)
    return _affine(y, weight, bias, True)


def _trailing(op: str, input: Tensor, normalized_shape: int | Sequence[int]) -> tuple:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"{op}: expected input of shape (*, {', '.join(map(str, shape))}) "
                           f"(normalized_shape={list(shape)}), got {tuple(input.shape)}")
    return shape


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims.

    >>> import ember
    >>> layer_norm(ember.tensor([[2.0, 2.0]]), 2).tolist()
    [[0.0, 0.0]]
    """
    _check_input("layer_norm", input, 1)
    shape = _trailing("layer_norm", input, normalized_shape)
    _check_vec("layer_norm", "weight", weight, shape)
    _check_vec("layer_norm", "bias", bias, shape)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    if weight is not None and bias is not None:  # inference: one fused pass, if offered
        x, w, b = input._data, weight._data, bias._data
        ctx = plain_ctx_for(x, w, b)
        out = None if ctx is None else ctx.backend.kernels.layer_norm(x, dims, eps, w, b)
        if out is not None:
            return _make(out)
    return _affine(standardize(input, dims, eps)[0], weight, bias, False)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing dims; ``eps=None`` is the
    dtype's machine epsilon.

    >>> import ember
    >>> rms_norm(ember.tensor([[3.0, -3.0]]), [2], eps=0.0).tolist()
    [[1.0, -1.0]]
    """
    _check_input("rms_norm", input, 1)
    shape = _trailing("rms_norm", input, normalized_shape)
    _check_vec("rms_norm", "weight", weight, shape)
    if eps is None:
        eps = _FINFO_EPS[input.dtype.name]
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    return _affine(standardize(input, dims, eps, center=False)[0], weight, None, False)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C // num_groups`` channels of each sample.

    >>> import ember
    >>> group_norm(ember.tensor([[1.0, 3.0]]), 1, eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    _check_input("group_norm", input, 2)
    n, c = input.shape[:2]
    if not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"group_norm: expected the number of channels {c} to be divisible "
                           f"by num_groups={num_groups}, got input of shape "
                           f"{tuple(input.shape)}")
    _check_vec("group_norm", "weight", weight, (c,))
    _check_vec("group_norm", "bias", bias, (c,))
    spatial = 1
    for d in input.shape[2:]:
        spatial *= d
    grouped = input.reshape(n, num_groups, c // num_groups * spatial)
    y = standardize(grouped, (2,), eps)[0].reshape(tuple(input.shape))
    return _affine(y, weight, bias, True)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """``x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta``.

    The window is zero-padded by ``size // 2`` before and ``(size - 1) // 2`` after, as in
    PyTorch.

    >>> import ember
    >>> local_response_norm(ember.ones(1, 1, 1), 1, alpha=1.0, beta=1.0, k=1.0).tolist()
    [[[0.5]]]
    """
    _check_input("local_response_norm", input, 3)
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(sq.shape)
    parts = []
    for count in (before, after):
        pad_shape[1] = count
        parts.append(ops.zeros(tuple(pad_shape), dtype=sq.dtype, device=sq.device))
    padded = ops.cat([parts[0], sq, parts[1]], 1)
    window = padded.narrow(1, 0, c)
    for i in range(1, size):  # size is small (typically 5): a sum of shifted slices
        window = window + padded.narrow(1, i, c)
    div = (window * (alpha / size) + k).pow(beta)
    return input / div


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    >>> import ember
    >>> normalize(ember.tensor([[3.0, 4.0]], dtype=ember.float64), dim=1).tolist()
    [[0.6, 0.8]]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"normalize: expected input to be a Tensor, got "
                        f"{type(input).__name__}")
    denom = vector_norm(input, p, dim=dim, keepdim=True).clamp_min(eps)
    return input / denom.expand_as(input)


__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm", "normalize"]
