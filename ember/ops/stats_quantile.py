"""``quantile`` and ``nanquantile``: PyTorch's algorithm, written as a composition of ember's
ops (sort, gather, lerp) so that gradients, double backward and forward mode come from them.

The input is sorted along the reduced dim (NaN last); ``q`` becomes a rank
``q * (n - 1)`` (``n`` counts the non-NaN values for ``nanquantile``; ``quantile`` moves the
rank to the last, NaN, element of a slice that has one) and the two neighbouring sorted
values are interpolated. So the gradient goes to the elements the result interpolates
between, in proportion to their weights, and (linear mode) to ``q`` through the weight, as
in PyTorch. Among equal input values ember's sort is stable and PyTorch's is not (past ~16
elements), so with ties the gradient may reach a different one of the tied elements; the
total per value is the same.

>>> import ember
>>> ember.quantile(ember.tensor([1.0, 2.0, 3.0, 4.0]), 0.5).item()
2.5
>>> ember.quantile(ember.tensor([1.0, 2.0, 3.0, 4.0]), 0.5, interpolation="lower").item()
2.0
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, normalize_dim, scalar_tensor

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_tensor(op: str, input: Tensor, q: Any) -> Tensor:
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}: q must be a scalar or 1D tensor, got shape "
                               f"{tuple(q.shape)}")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{op}: q tensor must be same dtype as the input tensor, got "
                               f"{q.dtype.name} and {input.dtype.name}")
        if str(q.device) != str(input.device):
            raise RuntimeError(f"{op}: q tensor must be on the same device as the input "
                               f"tensor, got {q.device} and {input.device}")
        return q
    if isinstance(q, bool) or not isinstance(q, (int, float)):
        raise TypeError(f"{op}: q must be a number or a Tensor, got {type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}: q must be in the range [0, 1] but got {q}")
    return scalar_tensor(q, input.dtype, input)


def _check(op: str, input: Any, q: Any, interpolation: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(input).__name__}")
    if interpolation not in _MODES:
        raise RuntimeError(f"{op}: interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{op}: input tensor must be either float or double dtype, got "
                           f"{input.dtype.name} (shape {tuple(input.shape)})")
    q = _q_tensor(op, input, q)
    if input.numel() == 0:
        raise RuntimeError(f"{op}: input tensor must be non-empty (shape "
                           f"{tuple(input.shape)})")
    data = q._data
    if not bool(((data >= 0) & (data <= 1)).all()):
        raise RuntimeError(f"{op}: q values must be in the range [0, 1]")
    return q


def _ranks(sorted_: Tensor, q: Tensor, ignore_nan: bool) -> Tensor:
    """Fractional positions of the quantiles in the sorted slices, shape ``(..., Q)``."""
    from .elementwise import where

    nan = sorted_.isnan()
    if ignore_nan:  # among the non-NaN values; a slice of NaNs only gets rank 0 (NaN)
        ranks = q * ((~nan).sum(-1, keepdim=True) - 1)
        return where(ranks < 0, 0.0, ranks)
    last = sorted_.shape[-1] - 1  # a slice with a NaN gets its last (NaN) element
    return where(nan.any(-1, keepdim=True), float(last), q * last)


def _quantile(op: str, input: Tensor, q: Any, dim: int | None, keepdim: bool,
              interpolation: str, ignore_nan: bool) -> Tensor:
    from .sorting import sort

    q = _check(op, input, q, interpolation)
    if dim is None:
        x = input.reshape(-1)
    else:
        d = normalize_dim(op, dim, input.ndim)
        x = input.reshape(1) if input.ndim == 0 else input.movedim(d, -1)
    sorted_ = sort(x, -1).values
    ranks = _ranks(sorted_, q.reshape(-1), ignore_nan)
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}[
            interpolation]()
    ranks = ranks.expand(*sorted_.shape[:-1], ranks.shape[-1])
    below = ranks.long()
    out = sorted_.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        above = sorted_.gather(-1, ranks.ceil().long())
        out = out.lerp(above, 0.5 if interpolation == "midpoint" else ranks - below)
    out = out.movedim(-1, 0)  # the quantiles first: (Q, ...)
    if keepdim and dim is None:
        out = out.reshape((out.shape[0],) + (1,) * input.ndim)
    elif keepdim and input.ndim:
        out = out.unsqueeze(d + 1)
    return out[0] if q.ndim == 0 else out


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles (``q`` a number or a 0-d/1-d tensor in [0, 1]) of ``input``
    (flattened, or along ``dim``); a 1-d ``q`` puts its dim first in the result. A slice
    holding NaN gives NaN. ``interpolation`` picks the value between two neighbours:
    ``linear``, ``lower``, ``higher``, ``midpoint`` or ``nearest`` (half to even).

    >>> import ember
    >>> x = ember.tensor([[0.0, 1.0, 2.0], [4.0, 6.0, 8.0]])
    >>> ember.quantile(x, ember.tensor([0.25, 0.5]), dim=1).tolist()
    [[0.5, 5.0], [1.0, 6.0]]
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """Like :func:`quantile`, ignoring NaN (NaN only where a slice has no other value).

    >>> import ember
    >>> ember.nanquantile(ember.tensor([1.0, float("nan"), 3.0]), 0.5).item()
    2.0
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


bind_methods(quantile=quantile, nanquantile=nanquantile)

__all__ = ["quantile", "nanquantile"]
