"""Softmax and log-softmax as fused primitives (re-exported by ``activation.py``).

Each is one numerically stable pass (shift by the max) with its own backward written in ember
ops, so the gradient is differentiable again: ``softmax``'s backward is
``y * (g - sum(g * y))`` and ``log_softmax``'s is ``g - exp(y) * sum(g)``.

>>> import ember
>>> from ember.nn import functional as F
>>> F.softmax(ember.tensor([0.0, 0.0]), dim=0).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import warnings
from typing import Any

from ... import dtypes as _dt
from ...ops._common import cast, normalize_dim
from ...ops.registry import defop
from ...tensor import Tensor


def _shifted(xp, x, dim: int):
    """``x - max(x, dim)``, in float32 for half types (as PyTorch accumulates them)."""
    if x.dtype.itemsize == 2:  # float16, bfloat16 (dtype.name costs ~4 us a call)
        x = x.astype("float32")
    m = x.max(axis=dim, keepdims=True) if x.size else xp.zeros((), x.dtype)
    # An infinite max shifts by 0: a row of -inf then gives nan (0/0) as in PyTorch.
    return x - xp.where(xp.isfinite(m), m, 0)


@defop("softmax", save_output=True)
def _softmax(ctx, x, *, dim):
    xp = ctx.xp
    fused = ctx.backend.kernels.softmax_rows(x) if dim in (-1, x.ndim - 1) else None
    if fused is not None:  # rows: the fused kernel where the backend has one
        return fused
    with _quiet(xp):
        e = xp.exp(_shifted(xp, x, dim))
        e /= xp.sum(e, axis=dim, keepdims=True)
    return e.astype(x.dtype, copy=False)


@_softmax.def_backward
def _(ctx, g, *, dim):
    y = ctx.output
    return (y * (g - (g * y).sum(dim, keepdim=True)),)


@_softmax.def_jvp
def _(ctx, tangents, *, dim):
    y = ctx.output
    return y * (tangents[0] - (tangents[0] * y).sum(dim, keepdim=True))


@defop("log_softmax", save_output=True)
def _log_softmax(ctx, x, *, dim):
    xp = ctx.xp
    with _quiet(xp):
        s = _shifted(xp, x, dim)
        s -= xp.log(xp.sum(xp.exp(s), axis=dim, keepdims=True))
    return s.astype(x.dtype, copy=False)


@_log_softmax.def_backward
def _(ctx, g, *, dim):
    return (g - ctx.output.exp() * g.sum(dim, keepdim=True),)


@_log_softmax.def_jvp
def _(ctx, tangents, *, dim):
    t = tangents[0]
    return t - (ctx.output.exp() * t).sum(dim, keepdim=True)


class _quiet:
    """Silence NumPy's overflow/invalid warnings: PyTorch returns inf/nan silently."""

    def __init__(self, xp) -> None:
        self.state = getattr(xp, "errstate", None)

    def __enter__(self):
        if self.state is not None:
            self.state = self.state(invalid="ignore", divide="ignore", over="ignore")
            self.state.__enter__()

    def __exit__(self, *exc):
        if self.state is not None:
            self.state.__exit__(*exc)


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(name: str, input: Any, dim: int | None, dtype: _dt.DType | None) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
    if dtype is not None:
        input = cast(input, dtype)
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{name}: expected a floating-point input (or dtype=), got "
                           f"{input.dtype.name} with shape {tuple(input.shape)}")
    if dim is None:
        dim = _implicit_dim(name, input.ndim)
    return input, normalize_dim(name, dim, input.ndim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dt.DType | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; ``dtype`` casts the input first.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.softmax(ember.tensor([[1.0, 1.0, 1.0]]), dim=1).sum().item()
    1.0
    """
    x, d = _prepare("softmax", input, dim, dtype)
    if x.ndim == 0:
        return _softmax(x.reshape(1), dim=0).reshape(())
    return _softmax(x, dim=d)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: _dt.DType | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, in one stable pass.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.log_softmax(ember.tensor([0.0, 0.0]), dim=0).exp().tolist()
    [0.5, 0.5]
    """
    x, d = _prepare("log_softmax", input, dim, dtype)
    if x.ndim == 0:
        return _log_softmax(x.reshape(1), dim=0).reshape(())
    return _log_softmax(x, dim=d)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dt.DType | None = None) -> Tensor:
    """``softmax(-input)``.

    >>> import ember
    >>> from ember.nn import functional as F
    >>> F.softmin(ember.tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    x, d = _prepare("softmin", input, dim, dtype)
    return softmax(-x, d)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution; ``hard=True`` returns one-hot vectors
    whose gradient is the soft sample's (straight-through).

    >>> import ember
    >>> from ember.nn import functional as F
    >>> y = F.gumbel_softmax(ember.zeros(2, 3), hard=True)
    >>> y.sum(-1).tolist()
    [1.0, 1.0]
    """
    from ... import ops

    # -log(E), E = -log(U) ~ Exponential(1), is a standard Gumbel sample. U = 0 (possible
    # with rand's [0, 1)) gives E = inf and a class of probability 0, never a NaN.
    u = ops.rand(*logits.shape, dtype=logits.dtype, device=logits.device)
    gumbels = -(-u.log()).log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    d = normalize_dim("gumbel_softmax", dim, y.ndim)
    index = y.argmax(d, keepdim=True)
    y_hard = ops.zeros_like(y).scatter(d, index, 1.0)
    return y_hard - y.detach() + y


__all__ = ["softmax", "log_softmax", "softmin", "gumbel_softmax"]

