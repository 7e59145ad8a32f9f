"""``gradient``: derivatives of sampled values by finite differences, as PyTorch's (and
NumPy's): second-order central differences inside, one-sided differences of first or
second order at the edges, for uniform spacing or given sample coordinates. A composition
of ember's ops, so it is differentiable (also with respect to the coordinates), twice and
in forward mode. The arithmetic follows PyTorch's term by term.

>>> import ember
>>> ember.gradient(ember.tensor([1.0, 2.0, 4.0, 8.0]))[0].tolist()
[1.0, 1.5, 3.0, 4.0]
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import normalize_dim, to_float


def _dims(input: Tensor, dim: Any) -> list[int]:
    if dim is None:
        return list(range(input.ndim))
    dims = [dim] if isinstance(dim, int) else list(dim)
    out = [normalize_dim("gradient", d, input.ndim) for d in dims]
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"gradient: dim {d} appears multiple times in the list of "
                               f"dims {dims}")
    return out


def _spacings(input: Tensor, spacing: Any, dims: list[int], dim_given: bool) -> list:
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if not isinstance(spacing, (list, tuple)):
        return [spacing] * len(dims)
    if len(spacing) != len(dims):
        what = ("the length of dim" if dim_given else
                f"'self.dim() = {input.ndim}', since dim argument was not given")
        raise RuntimeError(f"gradient: expected spacing to be unspecified, a scalar, or a list "
                           f"of length equal to {what}, but got a list of length "
                           f"{len(spacing)}")
    out = []
    for d, s in zip(dims, spacing, strict=True):
        if isinstance(s, Tensor) and s.ndim != 0:
            if s.ndim != 1 or s.shape[0] != input.shape[d]:
                raise RuntimeError(f"gradient: expected each coordinate tensor to be 1-D "
                                   f"with the size of its dimension, got shape "
                                   f"{tuple(s.shape)} for dim {d} of size {input.shape[d]}")
            out.append(s)
        else:
            out.append(s.item() if isinstance(s, Tensor) else s)
    return out


def _uniform(f: Tensor, d: int, h: Any, edge_order: int) -> tuple:
    n = f.shape[d]
    center = (f.narrow(d, 2, n - 2) - f.narrow(d, 0, n - 2)) / h / 2
    if edge_order == 1:
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h
    else:
        first = (f.narrow(d, 0, 1) * -1.5 + f.narrow(d, 1, 1) * 2
                 - f.narrow(d, 2, 1) * 0.5) / h
        last = (f.narrow(d, n - 3, 1) * 0.5 - f.narrow(d, n - 2, 1) * 2
                + f.narrow(d, n - 1, 1) * 1.5) / h
    return first, center, last


def _coordinates(f: Tensor, d: int, x: Tensor, edge_order: int) -> tuple:
    n = f.shape[d]
    shape = [1] * f.ndim
    shape[d] = -1
    dx = x.narrow(0, 1, n - 1) - x.narrow(0, 0, n - 1)
    dx1, dx2 = dx.narrow(0, 0, n - 2), dx.narrow(0, 1, n - 2)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * f.narrow(d, 0, n - 2) + b * f.narrow(d, 1, n - 2) + c * f.narrow(d, 2, n - 2)
    h0, hl = dx[0], dx[-1]
    if edge_order == 1:  # (a dim of size 2 has one step: no h1 / hm to read)
        first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h0
        last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / hl
        return first, center, last
    h1, hm = dx[1], dx[-2]
    first = (f.narrow(d, 0, 1) * (-(2.0 * h0 + h1) / (h0 * (h0 + h1)))
             + f.narrow(d, 1, 1) * ((h0 + h1) / (h0 * h1))
             + f.narrow(d, 2, 1) * (-h0 / (h1 * (h0 + h1))))
    last = (f.narrow(d, n - 3, 1) * (hl / (hm * (hl + hm)))
            + f.narrow(d, n - 2, 1) * (-(hl + hm) / (hl * hm))
            + f.narrow(d, n - 1, 1) * ((2 * hl + hm) / (hl * (hl + hm))))
    return first, center, last


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of ``input`` along each dim in ``dim`` (default: all), one tensor per
    dim. ``spacing`` is the sample distance (a number for every dim, or one per dim) or a
    list of 1-D coordinate tensors, one per dim; ``edge_order`` (1 or 2) is the accuracy of
    the one-sided differences at the two ends.

    >>> import ember
    >>> ember.gradient(ember.tensor([0.0, 1.0, 4.0]), spacing=[ember.tensor([0.0, 1.0, 2.0])],
    ...                edge_order=2)[0].tolist()
    [0.0, 2.0, 4.0]
    """
    from .join import cat

    if not isinstance(input, Tensor):
        raise TypeError(f"gradient: expected input to be a Tensor, got {type(input).__name__}")
    if edge_order not in (1, 2):
        raise RuntimeError(f"gradient: only supports edge_order=1 and edge_order=2, got "
                           f"edge_order={edge_order}")
    dims = _dims(input, dim)
    steps = _spacings(input, spacing, dims, dim is not None)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(f"gradient: expected each dimension size to be at least "
                               f"edge_order+1 = {edge_order + 1}, got size {input.shape[d]} "
                               f"for dim {d} of shape {tuple(input.shape)}")
    input = to_float(input)  # integers: the result is floating point
    out = []
    for d, step in zip(dims, steps, strict=True):
        if isinstance(step, Tensor):
            pieces = _coordinates(input, d, step, edge_order)
        else:
            pieces = _uniform(input, d, step, edge_order)
        out.append(cat(list(pieces), dim=d))
    return tuple(out)


__all__ = ["gradient"]
