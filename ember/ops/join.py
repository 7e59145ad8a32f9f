"""Joining and splitting: cat/stack, narrow, split/chunk/tensor_split, unbind, h/v/dstack.

The pieces that ``split``, ``chunk``, ``tensor_split``, ``unbind`` and ``narrow`` return are
views of their input (they share its memory and its version counter), as in PyTorch.

>>> import ember
>>> a, b = ember.arange(6).reshape(2, 3).split([1, 2], dim=1)
>>> ember.cat([b, a], dim=1).tolist()
[[1, 2, 0], [4, 5, 3]]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from ._common import bind_methods, cast, normalize_dim
from .registry import defop
from .shape import atleast_1d, atleast_2d, atleast_3d


def _index(dim: int, item: Any) -> tuple:
    return (slice(None),) * dim + (item,)


def _share_version(outs: tuple, base: Tensor) -> tuple:
    """``apply`` links only output 0 of a view op to its base; link every piece."""
    root = base._base if base._base is not None else base
    for t in outs:
        t._version = base._version
        t._base = root
        t._base_version = -1 if base._base_version < 0 else t._version[0]
    return outs


# ----------------------------------------------------------------------------- cat
@defop("cat")
def _cat(ctx, *xs, dim):
    return ctx.xp.concatenate(xs, axis=dim)


@_cat.def_backward
def _(ctx, g, *, dim):
    bounds, start = [], 0
    for shape in ctx.in_shapes:
        bounds.append((start, start + shape[dim]))
        start += shape[dim]
    return _split(g, dim=dim, bounds=tuple(bounds))


@_cat.def_jvp
def _(ctx, tangents, *, dim):
    from .creation import zeros_like

    parts = [zeros_like(x) if t is None else t for x, t in zip(ctx.inputs, tangents)]
    return _cat(*parts, dim=dim)


def _tensor_list(op: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{op}: expected a sequence of Tensors, got {type(tensors).__name__}"
        )
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}: expected Tensors, got {type(t).__name__} at position {i}"
            )
    return tensors


def _check_cat_shapes(tensors: list[Tensor], dim: int) -> None:
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim:
            raise RuntimeError(
                f"cat: tensors must have the same number of dimensions: tensor 0 has shape "
                f"{tuple(first.shape)} but tensor {i} has shape {tuple(t.shape)}"
            )
        for d, (a, b) in enumerate(zip(first.shape, t.shape)):
            if d != dim and a != b:
                raise RuntimeError(
                    f"cat: sizes of tensors must match except in dimension {dim}: tensor 0 "
                    f"has shape {tuple(first.shape)} but tensor {i} has shape "
                    f"{tuple(t.shape)} (expected size {a} but got size {b} at dimension {d})"
                )


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate tensors along an existing dimension (dtypes are promoted).

    >>> import ember
    >>> ember.cat([ember.zeros(1, 2), ember.ones(2, 2)]).shape
    ember.Size([3, 2])
    """
    tensors = _tensor_list("cat", tensors)
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    # PyTorch's legacy rule: 1-D empty tensors are skipped whatever the others' shapes.
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    dim = normalize_dim("cat", dim, kept[0].ndim)
    _check_cat_shapes(kept, dim)
    dtype = reduce(_dt.promote_types, (t.dtype for t in tensors))
    kept = [cast(t, dtype) for t in kept]
    return _cat(*kept, dim=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally-shaped tensors along a new dimension ``dim``.

    >>> import ember
    >>> ember.stack([ember.zeros(2), ember.ones(2)], dim=1).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got {tuple(shape)} at "
                f"entry 0 and {tuple(t.shape)} at entry {i}"
            )
    dim = normalize_dim("stack", dim, len(shape) + 1)
    dtype = reduce(_dt.promote_types, (t.dtype for t in tensors))
    return _stack(*[cast(t, dtype) for t in tensors], dim=dim)


# One primitive, not unsqueeze + cat: stacking a batch of 64 small tensors took 324 us as
# 65 ops and takes ~30 us as one (the collate step of every DataLoader batch).
@defop("stack")
def _stack(ctx, *xs, dim):
    return ctx.xp.stack(xs, axis=dim)


@_stack.def_backward
def _(ctx, g, *, dim):
    return g.unbind(dim)


@_stack.def_jvp
def _(ctx, tangents, *, dim):
    from .creation import zeros_like

    parts = [zeros_like(x) if t is None else t for x, t in zip(ctx.inputs, tangents)]
    return _stack(*parts, dim=dim)


# ----------------------------------------------------------------------------- narrow
@defop("narrow", view=True)
def _narrow(ctx, x, *, dim, start, length):
    return x[_index(dim, slice(start, start + length))]


@_narrow.def_backward
def _(ctx, g, *, dim, start, length):
    return (_narrow_pad(g, dim=dim, start=start, shape=ctx.in_shapes[0]),)


@_narrow.def_jvp
def _(ctx, tangents, *, dim, start, length):
    return _narrow(tangents[0], dim=dim, start=start, length=length)


@defop("narrow_pad")
def _narrow_pad(ctx, g, *, dim, start, shape):
    """Zeros of ``shape`` with ``g`` placed at ``start`` along ``dim`` (narrow's adjoint)."""
    out = ctx.xp.zeros(shape, dtype=g.dtype)
    out[_index(dim, slice(start, start + g.shape[dim]))] = g
    return out


@_narrow_pad.def_backward
def _(ctx, g, *, dim, start, shape):
    return (_narrow(g, dim=dim, start=start, length=ctx.in_shapes[0][dim]),)


@_narrow_pad.def_jvp
def _(ctx, tangents, *, dim, start, shape):
    return _narrow_pad(tangents[0], dim=dim, start=start, shape=shape)


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim``.

    >>> import ember
    >>> ember.arange(5).narrow(0, 1, 3).tolist()
    [1, 2, 3]
    """
    if input.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-dim tensor")
    dim = normalize_dim("narrow", dim, input.ndim)
    start = int(start)
    size = input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start ({start}) out of range for dimension {dim} of size {size} "
            f"(shape {tuple(input.shape)}); expected -{size} <= start <= {size}"
        )
    start = start + size if start < 0 else start
    if length < 0 or start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension {dim} of size "
            f"{size} (shape {tuple(input.shape)}); expected 0 <= length <= {size - start}"
        )
    return _narrow(input, dim=dim, start=start, length=length)


# ----------------------------------------------------------------------------- split
@defop("split", view=True)
def _split(ctx, x, *, dim, bounds):
    return tuple(x[_index(dim, slice(a, b))] for a, b in bounds)


@_split.def_backward
def _(ctx, *grads, dim, bounds):
    # The engine fills pieces that got no gradient with zeros.
    shape = ctx.in_shapes[0]
    ends = [0] + [b for _, b in bounds]
    if all(a == e for (a, _), e in zip(bounds, ends)) and ends[-1] == shape[dim]:
        return _cat(*grads, dim=dim)  # the pieces tile the dimension
    # tensor_split with unordered indices: pieces may overlap or leave gaps
    total = None
    for g, (a, _) in zip(grads, bounds):
        part = _narrow_pad(g, dim=dim, start=a, shape=shape)
        total = part if total is None else total + part
    return total


@_split.def_jvp
def _(ctx, tangents, *, dim, bounds):
    return _split(tangents[0], dim=dim, bounds=bounds)


def _pieces(input: Tensor, dim: int, sizes: Sequence[int]) -> tuple[Tensor, ...]:
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return _share_version(_split(input, dim=dim, bounds=tuple(bounds)), input)


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int],
          dim: int = 0) -> tuple[Tensor, ...]:
    """Views of equal pieces of ``split_size`` (the last may be smaller), or of the given sizes.

    >>> import ember
    >>> [p.tolist() for p in ember.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    if tensor.ndim == 0:
        raise RuntimeError("split: expects at least a 1-dimensional tensor")
    dim = normalize_dim("split", dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int) and not isinstance(split_size_or_sections, bool):
        step = split_size_or_sections
        if step < 0 or (step == 0 and size != 0):
            raise RuntimeError(
                f"split: split_size must be a positive integer for dimension {dim} of size "
                f"{size}, got {step}"
            )
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != size:
            raise RuntimeError(
                f"split: split_with_sizes expects split_sizes to be non-negative and sum "
                f"exactly to {size} (input tensor's size at dimension {dim}, shape "
                f"{tuple(tensor.shape)}), but got split_sizes={list(sizes)}"
            )
    return _pieces(tensor, dim, sizes)


def _split_method(self: Tensor, split_size: int | Sequence[int],
                  dim: int = 0) -> tuple[Tensor, ...]:
    """``Tensor.split``: PyTorch names the method's argument ``split_size``."""
    return split(self, split_size, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Up to ``chunks`` views of size ``ceil(n / chunks)`` (PyTorch may return fewer).

    >>> import ember
    >>> [p.shape for p in ember.zeros(5).chunk(3)]
    [ember.Size([2]), ember.Size([2]), ember.Size([1])]
    """
    if input.ndim == 0:
        raise RuntimeError("chunk: expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk: number of chunks must be greater than 0, got {chunks}")
    dim = normalize_dim("chunk", dim, input.ndim)
    size = input.shape[dim]
    step = -(-size // chunks)
    if step == 0:  # an empty dimension still gives ``chunks`` empty pieces
        return _pieces(input, dim, [0] * chunks)
    return split(input, step, dim)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``n`` nearly equal views (the first ``size % n`` one longer), or views cut at indices.

    >>> import ember
    >>> [p.tolist() for p in ember.arange(5).tensor_split([1, 4])]
    [[0], [1, 2, 3], [4]]
    """
    if input.ndim == 0:
        raise RuntimeError("tensor_split: expects at least a 1-dimensional tensor")
    dim = normalize_dim("tensor_split", dim, input.ndim)
    size = input.shape[dim]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.item() if spec.ndim == 0 else spec.tolist()
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(
                f"tensor_split: number of sections must be larger than 0, got {spec}"
            )
        q, r = divmod(size, spec)
        return _pieces(input, dim, [q + 1] * r + [q] * (spec - r))
    edges = [0] + [_slice_index(int(i), size) for i in spec] + [size]
    # Python slicing semantics: a cut before the previous one gives an empty piece.
    bounds = tuple((a, max(a, b)) for a, b in zip(edges, edges[1:]))
    return _share_version(_split(input, dim=dim, bounds=bounds), input)


def _slice_index(i: int, size: int) -> int:
    return min(max(i + size if i < 0 else i, 0), size)


# ----------------------------------------------------------------------------- unbind
@defop("unbind", view=True)
def _unbind(ctx, x, *, dim):
    return tuple(x[_index(dim, i)] for i in range(x.shape[dim]))


@_unbind.def_backward
def _(ctx, *grads, dim):
    return stack(grads, dim)


@_unbind.def_jvp
def _(ctx, tangents, *, dim):
    return _unbind(tangents[0], dim=dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, as views, with that dimension removed.

    >>> import ember
    >>> [t.tolist() for t in ember.tensor([[1, 2], [3, 4]]).unbind(1)]
    [[1, 3], [2, 4]]
    """
    if input.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim("unbind", dim, input.ndim)
    if input.shape[dim] == 0:
        return ()
    return _share_version(_unbind(input, dim=dim), input)


# ----------------------------------------------------------------------------- h/v/dstack
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    tensors = [atleast_1d(t) for t in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 after making every tensor at least 2-D.

    >>> import ember
    >>> ember.vstack([ember.zeros(3), ember.ones(3)]).shape
    ember.Size([2, 3])
    """
    return cat([atleast_2d(t) for t in _tensor_list("vstack", tensors)], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 2 after making every tensor at least 3-D."""
    return cat([atleast_3d(t) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1; 0-d and 1-D tensors become columns."""
    tensors = _tensor_list("column_stack", tensors)
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], 1)


row_stack = vstack

bind_methods(narrow=narrow, split=_split_method, chunk=chunk, tensor_split=tensor_split,
             unbind=unbind)

__all__ = ["cat", "concat", "concatenate", "stack", "narrow", "split", "chunk", "tensor_split",
           "unbind", "hstack", "vstack", "dstack", "column_stack", "row_stack"]
