"""Ops PyTorch code often reaches for that are compositions of ember's own (so their
gradients, double backward and forward mode come from the ops they are made of):
``meshgrid``, ``addcmul``, ``addcdiv``, ``diff``, ``trace``, ``numel``.

>>> import ember
>>> gx, gy = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="ij")
>>> tuple(gx.shape), gy[2].tolist()
((3, 2), [0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


bind_methods(addcmul=addcmul, addcdiv=addcdiv, diff=diff, trace=trace,
             addcmul_=make_inplace("addcmul_", addcmul),
             addcdiv_=make_inplace("addcdiv_", addcdiv))

__all__ = ["addcdiv", "addcmul", "diff", "meshgrid", "numel", "trace"]
