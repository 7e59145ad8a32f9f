"""Ops PyTorch code often reaches for that are compositions of ember's own (so their
gradients, double backward and forward mode come from the ops they are made of):
``meshgrid``, ``addcmul``, ``addcdiv``, ``diff``, ``trace``, ``numel``, ``cov``, ``corrcoef``,
``trapezoid`` (``trapz``) and ``cumulative_trapezoid``.

>>> import ember
>>> gx, gy = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="ij")
>>> tuple(gx.shape), gy[2].tolist()
((3, 2), [0, 1])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, ensure_tensor, normalize_dim
from .inplace import make_inplace


def meshgrid(*tensors: Tensor | Sequence[Tensor], indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids of 0-d or 1-d ``tensors``: output ``i`` repeats ``tensors[i]``
    along every other dim (views, as PyTorch's). ``indexing="xy"`` swaps the first two
    dims (Cartesian order)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t.ndim > 1:
            got = f"{t.ndim}-D" if isinstance(t, Tensor) else type(t).__name__
            raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors, got {got} at {i}")
    if len({(t.dtype, str(t.device)) for t in tensors}) > 1:
        raise RuntimeError("meshgrid: expects all tensors to have the same dtype and device")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    sizes = [tensors[order[d]].numel() for d in range(len(tensors))]
    grids = []
    for i, t in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[order.index(i)] = -1
        grids.append(t.reshape(shape).expand(*sizes))
    return tuple(grids)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcast."""
    return input + value * (tensor1 * tensor2)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcast; integer operands are refused, as
    PyTorch's (its division would be ambiguous)."""
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError("addcdiv: integer division of tensors is not supported; use "
                           "true division (tensor1.float())")
    return input + value * (tensor1 / tensor2)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after joining ``prepend`` and
    ``append`` there); bool tensors give ``!=`` of neighbours, as PyTorch's."""
    from .join import cat

    x = ensure_tensor("diff", input)
    if x.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    d = normalize_dim("diff", dim, x.ndim)
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:  # same dims as input, sizes equal except at dim (cat checks)
        x = cat(parts, d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        after, before = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = after != before if x.dtype.name == "bool" else after - before
    return x


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal."""
    x = ensure_tensor("trace", input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return x.diagonal().sum()


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return ensure_tensor("numel", input).numel()


# ----------------------------------------------------------------------------- cov, corrcoef
def _cov_weights(name: str, w: Any, n: int, integral: bool) -> Tensor:
    """fweights (integers) or aweights (floats), checked as PyTorch's cov checks them."""
    if not isinstance(w, Tensor):
        raise TypeError(f"cov: expected {name} to be a Tensor, got {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(f"cov: expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    kind = w.dtype.category
    if (kind != _dt.INTEGER) if integral else (kind != _dt.FLOAT):
        raise RuntimeError(f"cov: expected {name} to have "
                           f"{'integral' if integral else 'floating point'} dtype but got "
                           f"{name} with {w.dtype.name} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov: expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if n and bool((w._data < 0).any()):
        raise RuntimeError(f"cov: {name} cannot be negative")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in ``input``'s rows (observations in the
    columns; a 1-d input is one variable), with integer frequency weights ``fweights``,
    float observation weights ``aweights`` and ``correction`` (1: Bessel's). PyTorch's
    formulas, in ember ops (so gradients reach ``input`` and ``aweights``).

    >>> import ember
    >>> ember.cov(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    x = ensure_tensor("cov", input)
    if x.ndim > 2:
        raise RuntimeError(f"cov: expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    if x.dtype is _dt.bool_:
        raise RuntimeError("cov: bool dtype is not supported for input")
    x = x.reshape(1, -1) if x.ndim < 2 else x
    n = x.shape[1]
    w = None if fweights is None else _cov_weights("fweights", fweights, n, True)
    if aweights is not None:
        aw = _cov_weights("aweights", aweights, n, False)
        w = aw if w is None else w * aw
    if w is None:
        w_sum, avg = n, x.sum(1) / n
    else:
        w_sum = w.sum()
        if not bool(w_sum._data != 0):
            raise RuntimeError("cov: weights sum to zero, can't be normalized")
        avg = (x * w).sum(1) / w_sum
    if w is None:
        norm = n - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = w_sum - correction
    elif fweights is None and n == 1 and correction == 1:
        norm = 0  # PyTorch's corner case (one observation): exactly 0, as NumPy's
    else:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    if float(norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0
    if n == 1 and (fweights is None) != (aweights is None):
        centred = (x * 0).float() if x.dtype.category != _dt.FLOAT else x * 0
    else:
        centred = x - avg.unsqueeze(1)
    c = centred.mm((centred if w is None else centred * w).t())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in ``input``'s rows (see
    :func:`cov`), clipped to [-1, 1] as PyTorch and NumPy do.

    >>> import ember
    >>> ember.corrcoef(ember.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    x = ensure_tensor("corrcoef", input)
    if x.ndim > 2:
        raise RuntimeError(f"corrcoef: expected input to have two or fewer dimensions but got "
                           f"an input with {x.ndim} dimensions")
    c = cov(x)
    if c.ndim == 0:  # one variable: 1, or NaN where its variance is 0, inf or NaN
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return c.clip(-1, 1)


# ----------------------------------------------------------------------------- trapezoid
def _trapezoid_args(op: str, y: Any, x: Any, dx: Any, dim: int) -> tuple[Tensor, int]:
    y = ensure_tensor(op, y)
    if y.ndim == 0:
        raise IndexError(f"{op}: dimension specified as {dim} but tensor has no dimensions")
    d = normalize_dim(op, dim, y.ndim)
    if x is not None and dx is not None:
        raise TypeError(f"{op}: pass either x (sample points) or dx (a spacing), not both")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected x to be a Tensor, got {type(x).__name__}; pass a "
                        "spacing as dx=")
    if y.dtype is _dt.bool_ or (x is not None and x.dtype is _dt.bool_):
        raise RuntimeError(f"{op}: received a bool input for `y`, but bool is not supported")
    if dx is not None and (isinstance(dx, bool) or not isinstance(dx, (int, float))):
        raise TypeError(f"{op}: dx must be a real number, got {type(dx).__name__}")
    return y, d


def _spacing(op: str, y: Tensor, x: Tensor, d: int) -> Tensor:
    """``x[1:] - x[:-1]`` along ``d``, with ``x`` laid out against ``y`` as PyTorch does: a
    1-d ``x`` along ``d``, fewer dims padded with leading ones."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{op}: there must be one `x` value for each sample point (x "
                               f"has {x.shape[0]}, y has {y.shape[d]} along dim {d})")
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        x = x.reshape(shape)
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    length = x.shape[d]
    return x.narrow(d, 1, length - 1) - x.narrow(d, 0, length - 1)


def _pairs(y: Tensor, d: int) -> tuple[Tensor, Tensor]:
    """``y[:-1]`` and ``y[1:]`` along ``d`` (both empty for an empty dim)."""
    length = y.shape[d]
    n = max(length - 1, 0)
    return y.narrow(d, 0, n), y.narrow(d, min(1, length), n)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at sample points ``x``
    or with constant spacing ``dx`` (default 1). No samples integrate to 0.

    >>> import ember
    >>> ember.trapezoid(ember.tensor([1.0, 2.0, 4.0])).item()
    4.5
    >>> ember.trapezoid(ember.tensor([1.0, 2.0, 4.0]), ember.tensor([0.0, 1.0, 3.0])).item()
    7.5
    """
    from .creation import zeros

    y, d = _trapezoid_args("trapezoid", y, x, dx, dim)
    if y.shape[d] == 0:  # as NumPy: the integral over no samples is 0
        return zeros(tuple(s for i, s in enumerate(y.shape) if i != d), dtype=y.dtype,
                     device=y.device)
    if x is not None:
        left, right = _pairs(y, d)
        return ((left + right) * _spacing("trapezoid", y, x, d)).sum(d) / 2.0
    ends = y.narrow(d, 0, 1).squeeze(d) + y.narrow(d, y.shape[d] - 1, 1).squeeze(d)
    return (y.sum(d) - ends * 0.5) * (1 if dx is None else dx)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """Running integrals of ``y`` along ``dim`` by the trapezoidal rule (one fewer element
    than ``y`` along ``dim``); ``x`` and ``dx`` as in :func:`trapezoid`.

    >>> import ember
    >>> ember.cumulative_trapezoid(ember.tensor([1.0, 2.0, 4.0])).tolist()
    [1.5, 4.5]
    """
    y, d = _trapezoid_args("cumulative_trapezoid", y, x, dx, dim)
    left, right = _pairs(y, d)
    if x is not None:
        return ((left + right) * _spacing("cumulative_trapezoid", y, x, d)).cumsum(d) / 2.0
    return ((1 if dx is None else dx) / 2.0 * (left + right)).cumsum(d)


trapz = trapezoid  # PyTorch's older name


bind_methods(addcmul=addcmul, addcdiv=addcdiv, diff=diff, trace=trace, cov=cov, corrcoef=corrcoef,
             addcmul_=make_inplace("addcmul_", addcmul),
             addcdiv_=make_inplace("addcdiv_", addcdiv))

__all__ = ["addcdiv", "addcmul", "diff", "meshgrid", "numel", "trace", "cov", "corrcoef",
           "trapezoid", "trapz", "cumulative_trapezoid"]
