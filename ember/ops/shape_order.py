"""Reordering and repeating elements: flip, roll, repeat, tile, repeat_interleave.

These return new memory (never views), as in PyTorch. Imported by ``ops/shape.py``, which
re-exports the public names.

>>> import ember
>>> ember.arange(4).flip(0).tolist(), ember.arange(4).roll(1).tolist()
([3, 2, 1, 0], [3, 0, 1, 2])
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import bind_methods, normalize_dim, normalize_dims
from .registry import defop
from .shape import _shape_arg, _sizes, reshape


# ----------------------------------------------------------------------------- flip
@defop("flip")
def _flip(ctx, x, *, dims):
    # xp.flip is a negative-stride view; PyTorch's flip copies, so the result owns its memory
    return ctx.xp.ascontiguousarray(ctx.xp.flip(x, dims)) if dims else ctx.xp.array(x)


@_flip.def_backward
def _(ctx, g, *, dims):
    return (_flip(g, dims=dims),)


@_flip.def_jvp
def _(ctx, tangents, *, dims):
    return _flip(tangents[0], dims=dims)


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (an int or a sequence); a copy.

    >>> import ember
    >>> ember.tensor([[1, 2], [3, 4]]).flip((0, 1)).tolist()
    [[4, 3], [2, 1]]
    """
    if isinstance(dims, int):
        dims = (dims,)
    dims = normalize_dims("flip", tuple(dims), input.ndim)
    return _flip(input, dims=dims)


def fliplr(input: Tensor) -> Tensor:
    """Flip dim 1 (left/right); needs at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {tuple(input.shape)}")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Flip dim 0 (up/down); needs at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got shape {tuple(input.shape)}")
    return flip(input, 0)


# ----------------------------------------------------------------------------- roll
@defop("roll")
def _roll(ctx, x, *, shifts, dims):
    return ctx.xp.roll(x, shifts, axis=dims)


@_roll.def_backward
def _(ctx, g, *, shifts, dims):
    return (_roll(g, shifts=tuple(-s for s in shifts), dims=dims),)


@_roll.def_jvp
def _(ctx, tangents, *, shifts, dims):
    return _roll(tangents[0], shifts=shifts, dims=dims)


def roll(input: Tensor, shifts: int | tuple[int, ...], dims: Any = None) -> Tensor:
    """Shift elements cyclically along ``dims``; with no dims, along the flattened tensor.

    >>> import ember
    >>> ember.tensor([[1, 2], [3, 4]]).roll(1, 1).tolist()
    [[2, 1], [4, 3]]
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(
                f"roll: with dims=None, shifts must be a single int, got {shifts}"
            )
        return reshape(_roll(reshape(input, -1), shifts=shifts, dims=(0,)), input.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"roll: shifts and dimensions must align: got {len(shifts)} shifts {shifts} and "
            f"{len(dims)} dims {dims}"
        )
    dims = tuple(normalize_dim("roll", d, input.ndim) for d in dims)
    return _roll(input, shifts=shifts, dims=dims)


# ----------------------------------------------------------------------------- repeat, tile
@defop("repeat")
def _repeat(ctx, x, *, reps):
    return ctx.xp.tile(x, reps)  # always a fresh array, as PyTorch's repeat


@_repeat.def_backward
def _(ctx, g, *, reps):
    # Output dim i is (reps[i], size[i]) flattened: split it and sum over the repeats.
    shape = (1,) * (len(reps) - len(ctx.in_shapes[0])) + ctx.in_shapes[0]
    pairs = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    g = g.reshape(pairs).sum(dim=tuple(range(0, len(pairs), 2)))
    return (g.reshape(ctx.in_shapes[0]),)


@_repeat.def_jvp
def _(ctx, tangents, *, reps):
    return _repeat(tangents[0], reps=reps)


def repeat(input: Tensor, *args: Any, repeats: Any = None) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along each dim (leading sizes add new dims); a copy.

    >>> import ember
    >>> ember.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    reps = _sizes("repeat", args, "repeats", repeats)
    if len(reps) < input.ndim:
        raise RuntimeError(
            f"repeat: number of dimensions of repeat dims ({len(reps)}, {reps}) can not be "
            f"smaller than number of dimensions of tensor ({input.ndim}, shape "
            f"{tuple(input.shape)})"
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {reps}")
    return _repeat(input, reps=reps)


def tile(input: Tensor, dims: Any) -> Tensor:
    """Like ``repeat``, but fewer ``dims`` than the tensor has are padded with leading 1s.

    >>> import ember
    >>> ember.ones(2, 2).tile((3,)).shape
    ember.Size([2, 6])
    """
    reps = _shape_arg("tile", tuple(dims) if not isinstance(dims, int) else (dims,))
    return repeat(input, (1,) * (input.ndim - len(reps)) + reps)


# ----------------------------------------------------------------------------- repeat_interleave
@defop("repeat_interleave")
def _repeat_interleave(ctx, x, *, repeats, dim):
    return ctx.xp.repeat(x, repeats, axis=dim)


@_repeat_interleave.def_backward
def _(ctx, g, *, repeats, dim):
    from .join import cat, split

    n = ctx.in_shapes[0][dim]
    if isinstance(repeats, int):
        return (g.unflatten(dim, (n, repeats)).sum(dim=dim + 1),)
    if n == 0:
        return (g,)
    return (cat([p.sum(dim=dim, keepdim=True) for p in split(g, list(repeats), dim)], dim),)


@_repeat_interleave.def_jvp
def _(ctx, tangents, *, repeats, dim):
    return _repeat_interleave(tangents[0], repeats=repeats, dim=dim)


def repeat_interleave(input: Tensor, repeats: int | Tensor | None = None, dim: int | None = None,
                      *, output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``
    (the flattened tensor when None). With only a tensor of counts, repeat its indices.

    >>> import ember
    >>> ember.tensor([1, 2]).repeat_interleave(ember.tensor([1, 3])).tolist()
    [1, 2, 2, 2]
    """
    if repeats is None:  # repeat_interleave(counts): indices 0..n-1 repeated counts times
        from .creation import arange

        return repeat_interleave(arange(input.shape[0] if input.ndim else 1,
                                        device=input.device), input, 0)
    if dim is None:
        input, dim = reshape(input, -1), 0
    dim = normalize_dim("repeat_interleave", dim, input.ndim)
    reps = _counts(input, repeats, dim)
    out = _repeat_interleave(input, repeats=reps, dim=dim)
    if output_size is not None and out.shape[dim] != output_size:
        raise RuntimeError(
            f"repeat_interleave: output_size {output_size} does not match the total of "
            f"repeats {out.shape[dim]}"
        )
    return out


def _counts(input: Tensor, repeats: Any, dim: int) -> int | tuple[int, ...]:
    size = input.shape[dim] if input.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.dtype.category != 1:
            raise RuntimeError(
                f"repeat_interleave: repeats must be an integer tensor, got {repeats.dtype}"
            )
        if repeats.ndim > 1:
            raise RuntimeError(
                f"repeat_interleave: repeats must be 0-dim or 1-dim, got shape "
                f"{tuple(repeats.shape)}"
            )
        values = repeats.tolist()
        if repeats.ndim == 0 or len(values) == 1:
            repeats = values if isinstance(values, int) else values[0]
        else:
            if len(values) != size:
                raise RuntimeError(
                    f"repeat_interleave: repeats must have the same size as input along dim "
                    f"{dim}, but got repeats.size(0) = {len(values)} and input.size({dim}) = "
                    f"{size}"
                )
            if min(values, default=0) < 0:
                raise RuntimeError(f"repeat_interleave: repeats can not be negative, got "
                                   f"{values}")
            return tuple(values)
    if not isinstance(repeats, int) or isinstance(repeats, bool):
        raise TypeError(f"repeat_interleave: repeats must be an int or a Tensor, got "
                        f"{type(repeats).__name__}")
    if repeats < 0:
        raise RuntimeError(f"repeat_interleave: repeats can not be negative, got {repeats}")
    return repeats


bind_methods(flip=flip, fliplr=fliplr, flipud=flipud, roll=roll, repeat=repeat, tile=tile,
             repeat_interleave=repeat_interleave)

__all__ = ["flip", "fliplr", "flipud", "roll", "repeat", "tile", "repeat_interleave"]
