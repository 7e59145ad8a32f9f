"""Samplers for the distributions whose draws are not a transform of uniform or normal
numbers: ``poisson``, ``binomial``, ``_standard_gamma`` and ``_sample_dirichlet`` (PyTorch's
names). They draw from the backend generator (``ember.manual_seed`` makes them reproducible)
and have no gradient; ``ember.distributions`` builds on them.

>>> import ember
>>> _ = ember.manual_seed(0)
>>> ember.poisson(ember.zeros(3)).tolist()
[0.0, 0.0, 0.0]
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import broadcast_shapes
from .random import Generator, _generator
from .registry import defop


def _check_float(op: str, name: str, t: Tensor) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(t).__name__}")
    if t.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{op}: expected a floating-point {name} tensor, got {t.dtype}")


@defop("poisson", differentiable=False)
def _poisson(ctx, rate, *, gen):
    xp = ctx.xp
    if bool(((rate < 0) | xp.isnan(rate)).any()):
        raise RuntimeError(f"poisson: expected all rates >= 0 (shape {tuple(rate.shape)})")
    return gen.poisson(rate.astype(_dt.float64.np)).astype(rate.dtype)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson counts with rates ``input``, in ``input``'s (floating) dtype.

    >>> import ember
    >>> ember.poisson(ember.tensor([0.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    _check_float("poisson", "input", input)
    return _poisson(input, gen=_generator("poisson", generator, input.device))


@defop("binomial", differentiable=False)
def _binomial(ctx, count, prob, *, gen):
    xp = ctx.xp
    if bool(((prob < 0) | (prob > 1) | xp.isnan(prob)).any()):
        raise RuntimeError("binomial: expected all probabilities in [0, 1]")
    if bool(((count < 0) | (count != xp.floor(count))).any()):
        raise RuntimeError("binomial: expected count to hold non-negative integers")
    shape = xp.broadcast_shapes(count.shape, prob.shape)
    n = xp.broadcast_to(count, shape).astype(_dt.int64.np)
    p = xp.broadcast_to(prob, shape).astype(_dt.float64.np)
    return gen.binomial(n, p).astype(prob.dtype)


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial counts: successes in ``count`` trials of probability ``prob`` (broadcast
    together), in ``prob``'s dtype.

    >>> import ember
    >>> ember.binomial(ember.tensor([5.0, 3.0]), ember.tensor([1.0, 0.0])).tolist()
    [5.0, 0.0]
    """
    _check_float("binomial", "count", count)
    _check_float("binomial", "prob", prob)
    broadcast_shapes("binomial", count.shape, prob.shape)
    return _binomial(count, prob, gen=_generator("binomial", generator, prob.device))


@defop("_standard_gamma", differentiable=False)
def _std_gamma(ctx, alpha, *, gen):
    xp = ctx.xp
    if bool(((alpha <= 0) | xp.isnan(alpha)).any()):
        raise RuntimeError(f"_standard_gamma: expected all concentrations > 0 (shape "
                           f"{tuple(alpha.shape)})")
    out = gen.standard_gamma(alpha.astype(_dt.float64.np))
    # A tiny concentration can underflow to 0 in the output dtype; PyTorch clamps to the
    # smallest normal number so that log(sample) stays finite.
    tiny = xp.finfo(alpha.dtype).tiny
    return xp.maximum(out.astype(alpha.dtype), tiny)


def _standard_gamma(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Gamma(``input``, 1) samples (no gradient).

    >>> import ember
    >>> bool((ember._standard_gamma(ember.ones(4)) > 0).all())
    True
    """
    _check_float("_standard_gamma", "input", input)
    return _std_gamma(input, gen=_generator("_standard_gamma", generator, input.device))


def _sample_dirichlet(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Dirichlet samples over the last dimension of the concentrations ``input``.

    >>> import ember
    >>> x = ember._sample_dirichlet(ember.ones(2, 3))
    >>> x.shape, [round(s, 6) for s in x.sum(-1).tolist()]
    (ember.Size([2, 3]), [1.0, 1.0])
    """
    if isinstance(input, Tensor) and input.ndim == 0:
        raise RuntimeError("_sample_dirichlet: expected at least 1-d concentrations, got 0-d")
    g = _standard_gamma(input, generator)
    return g / g.sum(-1, keepdim=True)


__all__ = ["poisson", "binomial", "_standard_gamma", "_sample_dirichlet"]
