"""Shape and movement ops: reshape/view, expand, permute, transpose.

>>> import ember
>>> ember.arange(6).reshape(2, 3).T.shape
ember.Size([3, 2])
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._common import (
    bind_methods,
    broadcast_shapes,
    normalize_dim,
    normalize_dims,
    reduced_shape,
)
from .registry import defop


def _shape_arg(op: str, shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], int):
        try:
            shape = tuple(shape[0])
        except TypeError:
            raise TypeError(f"{op}: shape must be a sequence of ints, got "
                            f"{type(shape[0]).__name__} {shape[0]!r}") from None
    for s in shape:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}: shape must be a sequence of ints, got {shape}")
    return tuple(shape)


def _sizes(op: str, args: tuple, name: str, value: Any) -> tuple[int, ...]:
    """The sizes given either as varargs (``x.view(2, 3)``, ``x.view((2, 3))``) or by
    PyTorch's keyword (``x.view(size=(2, 3))``), never both."""
    if value is not None:
        if args:
            raise TypeError(f"{op}: got {name} both positionally {args} and by keyword "
                            f"({name}={value!r})")
        args = (value,)
    return _shape_arg(op, args)


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


@defop("reshape_copy")
def _reshape_copy(ctx, x, *, shape):
    # Only reached when no view is possible, so ``x`` is not C-contiguous and this copies.
    return ctx.backend.contiguous(x).reshape(shape)


@_reshape_copy.def_backward
def _(ctx, g, *, shape):
    return (g.reshape(ctx.in_shapes[0]),)


@_reshape_copy.def_jvp
def _(ctx, tangents, *, shape):
    return tangents[0].reshape(shape)


def _view_strides(old: tuple, strides: tuple, new: tuple) -> tuple | None:
    """The strides of ``new`` as a view of a layout (``old``, ``strides``), or None when
    no view exists; PyTorch's ``computeStride``, so ``view`` accepts what torch accepts."""
    numel = 1
    for s in old:
        numel *= s
    if numel == 0 or not old:
        return (0,) * len(new)
    out = [0] * len(new)
    view_d = len(new) - 1
    base = strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old) - 1, -1, -1):
        tensor_numel *= old[d]
        if d == 0 or (old[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base = strides[d - 1]
                tensor_numel = view_numel = 1
    return tuple(out) if view_d == -1 else None


def _can_view(input: Tensor, shape: tuple) -> bool:
    data = input._data
    return data.flags.c_contiguous or \
        _view_strides(data.shape, data.strides, shape) is not None


def reshape(input: Tensor, *args: Any, shape: Any = None) -> Tensor:
    """A tensor with the same data and a new shape (a view when the layout allows, else a
    copy); one size may be -1.

    >>> import ember
    >>> ember.arange(6).reshape(-1, 2).shape
    ember.Size([3, 2])
    """
    shape = _infer_shape("reshape", _sizes("reshape", args, "shape", shape), input._data.size,
                         input._data.shape)
    if shape == input.shape:
        return alias(input)
    if _can_view(input, shape):
        return _reshape(input, shape=shape)
    return _reshape_copy(input, shape=shape)


def view(input: Tensor, *args: Any, size: Any = None) -> Tensor:
    """Like ``reshape`` but always a view; refuses layouts that cannot be viewed that way.

    >>> import ember
    >>> ember.zeros(2, 3).T.view(6)
    Traceback (most recent call last):
    ...
    RuntimeError: view: shape (6,) is not compatible with the input's size and stride ...
    """
    target = _infer_shape("view", _sizes("view", args, "size", size), input._data.size,
                          input._data.shape)
    if target != input.shape and not _can_view(input, target):
        raise RuntimeError(
            f"view: shape {target} is not compatible with the input's size and stride "
            f"(shape {tuple(input.shape)}, strides {input.stride()}): at least one dimension "
            "spans across two contiguous subspaces; use .reshape(...) instead"
        )
    return reshape(input, target)


@defop("expand", view=True)
def _expand(ctx, x, *, shape):
    return ctx.backend.broadcast_to(x, shape)


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


def expand(input: Tensor, *args: Any, size: Any = None) -> Tensor:
    """Broadcast to ``size`` without copying; -1 keeps a dimension."""
    sizes = _sizes("expand", args, "size", size)
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
    return x.transpose(dims)  # the array method: NumPy's function wrapper costs ~0.3 us


def inverse_permutation(dims: tuple) -> tuple:
    """The dims that undo ``permute(dims)``."""
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return tuple(inverse)


@_permute.def_backward
def _(ctx, g, *, dims):
    return (g.permute(*inverse_permutation(dims)),)


@_permute.def_jvp
def _(ctx, tangents, *, dims):
    return tangents[0].permute(*dims)


def permute(input: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """Reorder dimensions."""
    dims = _sizes("permute", args, "dims", dims)
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


_MT_DIMS: dict[int, tuple[int, ...]] = {}


def _mT(self: Tensor) -> Tensor:
    n = self.ndim
    if n < 2:
        raise RuntimeError(f"mT: tensor must have at least 2 dims, got shape {tuple(self.shape)}")
    dims = _MT_DIMS.get(n)  # matmul's backward takes .mT twice: skip the generic dim checks
    if dims is None:
        dims = _MT_DIMS[n] = (*range(n - 2), n - 1, n - 2)
    return _permute(self, dims=dims)


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


# ----------------------------------------------------------------------------- squeeze & co
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view with a size-1 dimension inserted at ``dim`` (in ``[-ndim-1, ndim]``).

    >>> import ember
    >>> ember.zeros(2, 3).unsqueeze(-1).shape
    ember.Size([2, 3, 1])
    """
    dim = normalize_dim("unsqueeze", dim, input.ndim + 1)
    shape = input.shape
    return _reshape(input, shape=shape[:dim] + (1,) + shape[dim:])


def squeeze(input: Tensor, dim: int | tuple[int, ...] | list[int] | None = None) -> Tensor:
    """A view without size-1 dimensions (all of them, or those among ``dim`` that have size 1).

    >>> import ember
    >>> ember.zeros(1, 2, 1).squeeze().shape, ember.zeros(1, 2, 1).squeeze((0, 1)).shape
    (ember.Size([2]), ember.Size([2, 1]))
    """
    if isinstance(dim, int) and input.ndim == 0:
        normalize_dim("squeeze", dim, 0)  # normalize_dims skips the range check for 0-d
    dims = normalize_dims("squeeze", dim, input.ndim)
    shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    if shape == input.shape:
        return alias(input)
    return _reshape(input, shape=shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when the layout allows).

    >>> import ember
    >>> ember.zeros(2, 3, 4).flatten(1).shape
    ember.Size([2, 12])
    """
    if input.ndim == 0:
        return reshape(input, 1)
    start = normalize_dim("flatten", start_dim, input.ndim)
    end = normalize_dim("flatten", end_dim, input.ndim)
    if start > end:
        raise RuntimeError(
            f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim}) for a "
            f"tensor of shape {tuple(input.shape)}"
        )
    shape = input.shape
    merged = 1
    for s in shape[start:end + 1]:
        merged *= s
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (a view when contiguous)."""
    return reshape(input, -1)


def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1).

    >>> import ember
    >>> ember.zeros(2, 6).unflatten(1, (3, -1)).shape
    ember.Size([2, 3, 2])
    """
    dim = normalize_dim("unflatten", dim, input.ndim)
    sizes = _shape_arg("unflatten", tuple(sizes))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    size = input.shape[dim]
    inner = _infer_shape("unflatten", sizes, size, (size,))
    return reshape(input, input.shape[:dim] + inner + input.shape[dim + 1:])


def atleast_1d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """Views with at least one dimension (0-d becomes shape (1,))."""
    return _atleast(tensors, lambda t: reshape(t, 1) if t.ndim == 0 else t)


def atleast_2d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """Views with at least two dimensions (1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast(tensors, lambda t: reshape(t, (1,) * (2 - t.ndim) + t.shape)
                    if t.ndim < 2 else t)


def atleast_3d(*tensors: Any) -> Tensor | tuple[Tensor, ...]:
    """Views with at least three dims: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``."""
    def lift(t: Tensor) -> Tensor:
        if t.ndim == 0:
            return reshape(t, 1, 1, 1)
        if t.ndim == 1:
            return reshape(t, 1, t.shape[0], 1)
        return unsqueeze(t, -1) if t.ndim == 2 else t

    return _atleast(tensors, lift)


def _atleast(tensors: tuple, fn) -> Tensor | tuple[Tensor, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in tensors[0])
    out = tuple(fn(t) for t in tensors)
    return out[0] if len(out) == 1 else out


# ----------------------------------------------------------------------------- movement
def movedim(input: Tensor, source: int | tuple[int, ...], destination: int | tuple[int, ...]
            ) -> Tensor:
    """A view with dims ``source`` moved to positions ``destination`` (others keep order).

    >>> import ember
    >>> ember.zeros(2, 3, 4).movedim(0, -1).shape
    ember.Size([3, 4, 2])
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    n = input.ndim
    if n == 0:  # dims 0 and -1 are allowed and nothing moves
        for d in src + dst:
            normalize_dim("movedim", d, 0)
        return alias(input)
    src, dst = normalize_dims("movedim", src, n), normalize_dims("movedim", dst, n)
    order = [None] * n
    for s_, d in zip(src, dst):
        order[d] = s_
    rest = iter(d for d in range(n) if d not in src)
    order = tuple(next(rest) if o is None else o for o in order)
    if order == tuple(range(n)):
        return alias(input)
    return _permute(input, dims=order)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, dim0, dim1)


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims (0-d and 1-D come back as they are).

    >>> import ember
    >>> ember.zeros(2, 3).t().shape
    ember.Size([3, 2])
    """
    if input.ndim > 2:
        raise RuntimeError(
            f"t: expects a tensor with <= 2 dimensions, but self is {input.ndim}D (shape "
            f"{tuple(input.shape)})"
        )
    return transpose(input, 0, 1) if input.ndim == 2 else alias(input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other.shape)


def broadcast_to(input: Tensor, size: Any) -> Tensor:
    """``input.expand(size)``: a broadcast view.

    >>> import ember
    >>> ember.broadcast_to(ember.zeros(3), (2, 3)).shape
    ember.Size([2, 3])
    """
    return expand(input, tuple(size))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Broadcast views of ``tensors`` to their common shape.

    >>> import ember
    >>> [t.shape for t in ember.broadcast_tensors(ember.zeros(2, 1), ember.zeros(3))]
    [ember.Size([2, 3]), ember.Size([2, 3])]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes("broadcast_tensors", *(tuple(x.shape) for x in tensors))
    return tuple(expand(x, shape) for x in tensors)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other.shape)


bind_methods(
    reshape=reshape, view=view, expand=expand, permute=permute, transpose=transpose,
    T=property(_T), mT=property(_mT), unsqueeze=unsqueeze, squeeze=squeeze, flatten=flatten,
    ravel=ravel, unflatten=unflatten, movedim=movedim, moveaxis=movedim, swapaxes=swapaxes,
    swapdims=swapdims, t=t, expand_as=expand_as, broadcast_to=broadcast_to, view_as=view_as,
    reshape_as=reshape_as,
)

moveaxis = movedim

# The rest of the family lives in sibling modules that build on the ops above.
from . import shape_diag, shape_order  # noqa: E402
from .shape_diag import *  # noqa: E402, F403
from .shape_order import *  # noqa: E402, F403

__all__ = ["reshape", "expand", "permute", "transpose", "unsqueeze", "squeeze", "flatten",
           "ravel", "unflatten", "atleast_1d", "atleast_2d", "atleast_3d", "movedim",
           "moveaxis", "swapaxes", "swapdims", "t", "broadcast_to", "broadcast_tensors",
           *shape_order.__all__, *shape_diag.__all__]
