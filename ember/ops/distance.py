"""Distances and norms: ``cdist`` (between the rows of two batches of matrices), ``pdist``
(between each pair of rows of one matrix), ``dist``
(the norm of a difference) and ``renorm`` (slices scaled down to a maximum norm), as
compositions of ember's ops.

``cdist`` follows PyTorch's two algorithms: for ``p = 2`` with many rows (more than 25 in
either input, or ``compute_mode="use_mm_for_euclid_dist"``) it uses one matrix product,
``|x|^2 + |y|^2 - 2 x.y``, which does not materialise every difference; otherwise it takes
the norm of each row difference (a primitive in ``distance_p`` that walks the rows in
cache-sized steps), whose gradient is 0 at zero distance (``cdist(x, x)`` has a
well-defined gradient, as PyTorch's). ``pdist`` takes that difference path on the whole
matrix and keeps the strict upper triangle: twice the pairs it needs, but in cache-sized
steps and with memory for the ``(N, N)`` distances only.

>>> import ember
>>> ember.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
[[5.0, 1.0]]
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, broadcast_shapes, normalize_dim, promote
from .inplace import make_inplace

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
          "donot_use_mm_for_euclid_dist")
_MM_ROWS = 25  # PyTorch's threshold for the matrix-product path


def _check_p(op: str, p: Any) -> None:
    """``p`` checked to be a non-negative number (not a bool), as cdist and pdist need."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not p >= 0:
        raise RuntimeError(f"{op}: only supports non-negative p values, got p={p!r}")


def _check_cdist(x1: Any, x2: Any, p: Any, compute_mode: str) -> None:
    for name, x in (("x1", x1), ("x2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"cdist: expected {name} to be a Tensor, got {type(x).__name__}")
        if x.ndim < 2:
            raise RuntimeError(f"cdist: only supports at least 2-D tensors, {name} has shape "
                               f"{tuple(x.shape)}")
        if x.dtype.category != _dt.FLOAT:
            raise RuntimeError(f"cdist: only supports floating-point dtypes, {name} is "
                               f"{x.dtype.name}")
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"cdist: expected x1 and x2 to have the same dtype, got "
                           f"{x1.dtype.name} and {x2.dtype.name}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 and x2 must have the same number of columns, got "
                           f"shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    _check_p("cdist", p)
    if compute_mode not in _MODES:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode; "
                         f"expected one of {', '.join(_MODES)}")
    broadcast_shapes("cdist", x1.shape[:-2], x2.shape[:-2])


def _euclidean_mm(x1: Tensor, x2: Tensor) -> Tensor:
    """Euclidean distances through one matrix product: ``[-2 x, |x|^2, 1] @ [y, 1, |y|^2]^T``
    (PyTorch's ``_euclidean_dist``), clamped at a tiny positive value before the root so
    rounding below 0 gives no NaN."""
    from .creation import ones_like
    from .join import cat
    from .linalg import matmul

    n1 = (x1 * x1).sum(dim=-1, keepdim=True)
    n2 = (x2 * x2).sum(dim=-1, keepdim=True)
    left = cat([x1 * -2, n1, ones_like(n1)], dim=-1)
    right = cat([x2, ones_like(n2), n2], dim=-1)
    return matmul(left, right.mT).clamp_min(1e-30).sqrt()


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (``..., P, M``) and each row of
    ``x2`` (``..., R, M``): a ``(..., P, R)`` tensor; the batch dims broadcast. ``p`` may be
    any value >= 0, ``inf`` included.

    >>> import ember
    >>> x = ember.tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> ember.cdist(x, x, p=1).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    _check_cdist(x1, x2, p, compute_mode)
    rows = max(x1.shape[-2], x2.shape[-2])
    if p == 2 and x1.shape[-1] and (compute_mode == _MODES[1] or (
            compute_mode == _MODES[0] and rows > _MM_ROWS)):
        return _euclidean_mm(x1, x2)  # before ``diff``: O(P R) memory, not O(P R M)
    if x1.shape[-1] == 0:  # no coordinates: every distance is 0 (for every p)
        return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).sum(dim=-1)
    from .distance_p import pnorm_cdist

    batch = broadcast_shapes("cdist", x1.shape[:-2], x2.shape[:-2])
    (p_rows, m), r = x1.shape[-2:], x2.shape[-2]
    b = math.prod(batch)
    out = pnorm_cdist(x1.expand(*batch, p_rows, m).reshape(b, p_rows, m),
                      x2.expand(*batch, r, m).reshape(b, r, m), p)
    return out.reshape(*batch, p_rows, r)


def _check_pdist(input: Any, p: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"pdist: expected input to be a Tensor, got {type(input).__name__}")
    if input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors, got input of shape "
                           f"{tuple(input.shape)} ({input.ndim}D)")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"pdist: only supports floating-point dtypes, got {input.dtype.name}")
    _check_p("pdist", p)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm distance between every pair of rows ``i < j`` of an ``(N, M)`` matrix,
    in row-major order of the pairs: a vector of ``N (N - 1) / 2`` values (the upper triangle
    of ``cdist(input, input, p)`` without the diagonal). ``p`` may be any value >= 0,
    ``inf`` included; the gradient is 0 at zero distances, as PyTorch's.

    >>> import ember
    >>> ember.pdist(ember.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])).tolist()
    [5.0, 1.0, 4.242640495300293]
    """
    from .distance_p import pnorm_cdist
    from .scatter import index_select
    from .shape_build import triu_indices

    _check_pdist(input, p)
    n, m = input.shape
    pairs = triu_indices(n, n, 1, device=input.device)
    if m == 0:  # no coordinates: every distance is 0 (for every p)
        return (index_select(input, 0, pairs[0]) - index_select(input, 0, pairs[1])).sum(dim=-1)
    # the (N, N) distances by cdist's difference path (cache-sized steps, never the
    # (N (N - 1) / 2, M) differences at once; exact for p = 2, unlike the matrix-product
    # path), then the strict upper triangle. Its gradient is PyTorch's pdist backward: 0
    # at zero distances and sign(diff) at every coordinate tied for the maximum at p=inf.
    x = input.unsqueeze(0)
    full = pnorm_cdist(x, x, p).reshape(n * n)
    return full[pairs[0] * n + pairs[1]]


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast, promoted) as one vector: a 0-d tensor.

    >>> import ember
    >>> ember.dist(ember.tensor([0.0, 0.0]), ember.tensor([3.0, 4.0])).item()
    5.0
    """
    from .decomp_norm import vector_norm

    (a, b), dtype = promote("dist", input, other)
    if dtype.category != _dt.FLOAT:
        raise RuntimeError(f"dist: expected floating point tensors, got {input.dtype.name} "
                           f"and {other.dtype.name}")
    broadcast_shapes("dist", a.shape, b.shape)
    return vector_norm(a - b, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled
    down to norm ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, PyTorch's factor).

    >>> import ember
    >>> ember.renorm(ember.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    from .decomp_norm import vector_norm
    from .elementwise import where

    if not isinstance(input, Tensor):
        raise TypeError(f"renorm: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got shape "
                           f"{tuple(input.shape)}")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"renorm: expected a floating point tensor, got {input.dtype.name}")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not p > 0:
        raise RuntimeError(f"renorm: non-positive norm not supported, got p={p!r}")
    if isinstance(maxnorm, Tensor):
        maxnorm = maxnorm.item()
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_dim("renorm", dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norm = vector_norm(input, float(p), dim=others, keepdim=True)
    # the factor depends on the norm, so the gradient includes the norm's (as PyTorch's)
    return where(norm > maxnorm, input * (maxnorm / (norm + 1e-7)), input)


bind_methods(dist=dist, renorm=renorm, renorm_=make_inplace("renorm_", renorm))

__all__ = ["cdist", "dist", "pdist", "renorm"]
