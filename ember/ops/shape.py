"""Shape and movement ops: reshape/view, expand, permute, transpose.

>>> import ember
>>> ember.arange(6).reshape(2, 3).T.shape
(3, 2)
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import bind_methods, normalize_dim, reduced_shape
from .registry import defop


def _shape_arg(op: str, shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    for s in shape:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}: shape must be a sequence of ints, got {shape}")
    return tuple(shape)


def _infer_shape(op: str, shape: tuple[int, ...], numel: int, src: tuple) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got {shape}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {shape}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(
                f"{op}: shape {shape} is invalid for input of size {numel} (shape {src})"
            )
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(
            f"{op}: shape {shape} is invalid for input of size {numel} (shape {src})"
        )
    return shape


@defop("reshape", view=True)
def _reshape(ctx, x, *, shape):
    return x.reshape(shape)


@_reshape.def_backward
def _(ctx, g, *, shape):
    return (g.reshape(ctx.in_shapes[0]),)


@_reshape.def_jvp
def _(ctx, tangents, *, shape):
    return tangents[0].reshape(shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """A tensor with the same data and a new shape (a view when the layout allows)."""
    shape = _infer_shape("reshape", _shape_arg("reshape", shape), input._data.size, input.shape)
    if shape == input.shape:
        return alias(input)
    return _reshape(input, shape=shape)


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like ``reshape`` but refuses when the result cannot share memory."""
    out = reshape(input, *shape)
    if out._data.size and not _shares_memory(out._data, input._data):
        raise RuntimeError(
            f"view: shape {tuple(out.shape)} is not compatible with the input's size and "
            f"stride ({tuple(input.shape)}, strides {input.stride()}); use .reshape(...)"
        )
    return out


def _shares_memory(a, b) -> bool:
    return a.base is b or a.base is b.base and a.base is not None or a is b


@defop("expand", view=True)
def _expand(ctx, x, *, shape):
    return ctx.xp.broadcast_to(x, shape)


@_expand.def_backward
def _(ctx, g, *, shape):
    (in_shape,) = ctx.in_shapes
    dims, lead = reduced_shape(shape, in_shape)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if lead:
        g = g.reshape(in_shape)
    return (g,)


@_expand.def_jvp
def _(ctx, tangents, *, shape):
    return tangents[0].expand(shape)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension."""
    sizes = _shape_arg("expand", sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    shape = []
    for i, s in enumerate(sizes):
        src = input.shape[i - lead] if i >= lead else None
        if s == -1:
            if src is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
            s = src
        elif src is not None and src != 1 and src != s:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({s}) must match the existing size "
                f"({src}) at non-singleton dimension {i}. Target sizes: {tuple(sizes)}. "
                f"Tensor sizes: {tuple(input.shape)}"
            )
        shape.append(s)
    shape = tuple(shape)
    if shape == input.shape:
        return input
    return _expand(input, shape=shape)


@defop("permute", view=True)
def _permute(ctx, x, *, dims):
    return ctx.xp.transpose(x, dims)


@_permute.def_backward
def _(ctx, g, *, dims):
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (g.permute(*inverse),)


@_permute.def_jvp
def _(ctx, tangents, *, dims):
    return tangents[0].permute(*dims)


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder dimensions."""
    dims = _shape_arg("permute", dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute: number of dims don't match: the input has {input.ndim} dims "
            f"(shape {tuple(input.shape)}) but {len(dims)} were given"
        )
    norm = tuple(normalize_dim("permute", d, input.ndim) for d in dims)
    if len(set(norm)) != len(norm):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return _permute(input, dims=norm)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    n = input.ndim
    d0, d1 = normalize_dim("transpose", dim0, n), normalize_dim("transpose", dim1, n)
    if n < 2 or d0 == d1:
        return alias(input)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _permute(input, dims=tuple(dims))


def _T(self: Tensor) -> Tensor:
    return self.permute(*reversed(range(self.ndim))) if self.ndim >= 2 else self


def _mT(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError(f"mT: tensor must have at least 2 dims, got shape {tuple(self.shape)}")
    return transpose(self, -2, -1)


def alias(self: Tensor) -> Tensor:
    """A new tensor object viewing ``self``'s memory (for views that change nothing); it stays
    in the graph (and keeps a forward-mode tangent) when ``self`` is tracked."""
    if self._requires_grad or self._fw is not None:
        return _reshape(self, shape=self.shape)
    from ..tensor import _make

    out = _make(self._data.view())
    out._version = self._version
    out._base = self._base if self._base is not None else self
    return out


bind_methods(
    reshape=reshape, view=view, expand=expand, permute=permute, transpose=transpose,
    T=property(_T), mT=property(_mT),
)

__all__ = ["reshape", "expand", "permute", "transpose"]
