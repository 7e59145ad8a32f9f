"""More of PyTorch's view and layout ops: ``select``, ``hsplit``/``vsplit``/``dsplit``,
``rot90`` (compositions of ember's views and flips) and ``Tensor.unfold`` (sliding windows as
a strided view, a primitive with its own adjoint).

>>> import ember
>>> ember.arange(5.0).unfold(0, 2, 1).tolist()
[[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0]]
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import bind_methods, ensure_tensor, normalize_dim
from .registry import defop


# ----------------------------------------------------------------------------- select
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim (a view, as ``x[:, index]``).

    >>> import ember
    >>> ember.arange(6).reshape(2, 3).select(1, -1).tolist()
    [2, 5]
    """
    x = ensure_tensor("select", input)
    if x.ndim == 0:
        raise IndexError("select: cannot be applied to a 0-dim tensor")
    d = normalize_dim("select", dim, x.ndim)
    if isinstance(index, Tensor):
        index = index.item()
    size = x.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for tensor of size "
                         f"{tuple(x.shape)} at dimension {d}")
    return x[(slice(None),) * d + (index,)]


# ----------------------------------------------------------------------------- splits
def _split_along(op: str, x: Tensor, dim: int, indices_or_sections: Any) -> tuple[Tensor, ...]:
    spec = indices_or_sections
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec == 0 or x.shape[dim] % spec:
            raise RuntimeError(f"{op}: attempted to split along dimension {dim}, but the size "
                               f"of the dimension {x.shape[dim]} is not divisible by the split "
                               f"size {spec} (shape {tuple(x.shape)})")
    from .join import tensor_split

    return tensor_split(x, spec, dim)


def _min_dims(op: str, x: Any, n: int) -> Tensor:
    x = ensure_tensor(op, x)
    if x.ndim < n:
        raise RuntimeError(f"{op}: requires a tensor with at least {n} dimension(s), but got "
                           f"a tensor with {x.ndim} dimensions (shape {tuple(x.shape)})")
    return x


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 1 (dim 0 for 1-D input) into equal sections or at indices (views).

    >>> import ember
    >>> [p.shape for p in ember.ones(2, 4).hsplit(2)]
    [ember.Size([2, 2]), ember.Size([2, 2])]
    """
    x = _min_dims("hsplit", input, 1)
    return _split_along("hsplit", x, 1 if x.ndim > 1 else 0, indices_or_sections)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 0 (input of 2 or more dims) into equal sections or at indices.

    >>> import ember
    >>> [p.shape for p in ember.ones(4, 2).vsplit([1])]
    [ember.Size([1, 2]), ember.Size([3, 2])]
    """
    return _split_along("vsplit", _min_dims("vsplit", input, 2), 0, indices_or_sections)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dim 2 (input of 3 or more dims) into equal sections or at indices.

    >>> import ember
    >>> len(ember.ones(1, 2, 6).dsplit(3))
    3
    """
    return _split_along("dsplit", _min_dims("dsplit", input, 3), 2, indices_or_sections)


# ----------------------------------------------------------------------------- rot90
def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from the first dim towards the
    second (negative ``k`` turns the other way).

    >>> import ember
    >>> ember.rot90(ember.tensor([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    x = ensure_tensor("rot90", input)
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {x.ndim} "
                           f"(shape {tuple(x.shape)})")
    d0, d1 = (normalize_dim("rot90", d, x.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return x.flip(d1).transpose(d0, d1)
    if k == 2:
        return x.flip((d0, d1))
    if k == 3:
        return x.flip(d0).transpose(d0, d1)
    return x.clone()


# ----------------------------------------------------------------------------- unfold
def _windows(xp, x, dim: int, size: int, step: int):
    """The windows of ``x`` along ``dim`` as a strided view: that dim counts windows and a
    new last dim runs inside each."""
    count = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
    strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + \
        (x.strides[dim],)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


@defop("unfold", view=True)
def _unfold(ctx, x, *, dim, size, step):
    out = _windows(ctx.xp, x, dim, size, step)
    if step < size and out.size:
        # Overlapping windows share elements: an in-place write through them would be
        # ambiguous, so the view is read-only (like an expanded view) where the backend
        # supports it.
        try:
            out.flags.writeable = False
        except (AttributeError, ValueError):
            pass
    return out


@_unfold.def_backward
def _(ctx, g, *, dim, size, step):
    return (_unfold_adjoint(g, shape=ctx.in_shapes[0], dim=dim, size=size, step=step),)


@_unfold.def_jvp
def _(ctx, tangents, *, dim, size, step):
    return _unfold(tangents[0], dim=dim, size=size, step=step)


@defop("unfold_adjoint")
def _unfold_adjoint(ctx, g, *, shape, dim, size, step):
    """Zeros of ``shape`` with each window of ``g`` added back where it came from (elements
    in several windows sum their gradients)."""
    xp = ctx.xp
    out = xp.zeros(shape, dtype=g.dtype)
    count = g.shape[dim]
    # one pass per position inside the window (or per window, if there are fewer windows)
    if size <= count:
        for j in range(size):
            index = (slice(None),) * dim + (slice(j, j + (count - 1) * step + 1, step),)
            out[index] += g[..., j]
    else:
        moved = xp.moveaxis(g, dim, -2)
        for i in range(count):
            index = (slice(None),) * dim + (slice(i * step, i * step + size),)
            out[index] += xp.moveaxis(moved[..., i, :], -1, dim)
    return out


@_unfold_adjoint.def_backward
def _(ctx, g, *, shape, dim, size, step):
    return (_unfold(g, dim=dim, size=size, step=step),)


@_unfold_adjoint.def_jvp
def _(ctx, tangents, *, shape, dim, size, step):
    return _unfold_adjoint(tangents[0], shape=shape, dim=dim, size=size, step=step)


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements along ``dimension``, ``step`` apart, as a view: that
    dim becomes the window count and a new last dim of ``size`` holds each window.

    >>> import ember
    >>> ember.arange(6).unfold(0, 3, 3).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    x = ensure_tensor("unfold", self)
    d = normalize_dim("unfold", dimension, x.ndim)
    length = x.shape[d] if x.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {length} but "
                           f"size is {size} (shape {tuple(x.shape)})")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if x.ndim == 0:  # PyTorch: a 0-d tensor unfolds to its one element
        return x.reshape(1) if size == 1 else x.reshape(1)[:0]
    return _unfold(x, dim=d, size=size, step=step)


bind_methods(select=select, hsplit=hsplit, vsplit=vsplit, dsplit=dsplit, rot90=rot90,
             unfold=unfold)

__all__ = ["select", "hsplit", "vsplit", "dsplit", "rot90"]
