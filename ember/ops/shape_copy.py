"""PyTorch's ``*_copy`` variants of the view ops (``view_copy``, ``transpose_copy``, ...):
the view's values in new contiguous memory, gradients flowing as through the view; and
``narrow_copy``, ``split_with_sizes``, ``sum_to_size``, ``unravel_index`` and
``broadcast_shapes``.

>>> import ember
>>> x = ember.arange(6.0).reshape(2, 3)
>>> y = ember.transpose_copy(x, 0, 1)
>>> y.shape, y.is_contiguous(), ember.broadcast_shapes((2, 1), (3,))
(ember.Size([3, 2]), True, ember.Size([2, 3]))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Size, Tensor, _make
from ._common import bind_methods, normalize_dim, xp_of
from ._common import broadcast_shapes as _broadcast
from .conversion import _clone
from .join import narrow, split, unbind
from .shape import expand, permute, squeeze, t, transpose, unsqueeze
from .shape_diag import diagonal
from .shape_inplace import as_strided
from .shape_more import select


def _contiguous_copy(out: Any) -> Any:
    if isinstance(out, Tensor):
        return _clone(out, order="C")
    return tuple(_contiguous_copy(o) for o in out)


def _copy_variant(name: str, view: Callable) -> Callable:
    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return _contiguous_copy(view(input, *args, **kwargs))

    function.__name__ = function.__qualname__ = name
    call, result = _EXAMPLES[name]
    function.__doc__ = (f"``{name[:-5]}``'s result copied into new contiguous memory (a "
                        "tensor, or a tuple of them); gradients flow as through the view.\n\n"
                        "    >>> import ember\n"
                        "    >>> x = ember.arange(6.0).reshape(2, 3)\n"
                        f"    >>> {call}\n"
                        f"    {result}\n")
    return function


# Each variant's docstring example: a call on a 2x3 tensor x and what it shows.
_EXAMPLES = {
    "view_copy": ("ember.view_copy(x, (3, 2)).shape", "ember.Size([3, 2])"),
    "permute_copy": ("ember.permute_copy(x, (1, 0)).shape", "ember.Size([3, 2])"),
    "transpose_copy": ("ember.transpose_copy(x, 0, 1).is_contiguous()", "True"),
    "t_copy": ("ember.t_copy(x).shape", "ember.Size([3, 2])"),
    "squeeze_copy": ("ember.squeeze_copy(x[:1]).shape", "ember.Size([3])"),
    "unsqueeze_copy": ("ember.unsqueeze_copy(x, 0).shape", "ember.Size([1, 2, 3])"),
    "expand_copy": ("ember.expand_copy(x, (4, 2, 3)).shape", "ember.Size([4, 2, 3])"),
    "diagonal_copy": ("ember.diagonal_copy(x).tolist()", "[0.0, 4.0]"),
    "select_copy": ("ember.select_copy(x, 1, 2).tolist()", "[2.0, 5.0]"),
    "slice_copy": ("ember.slice_copy(x, 1, 0, 3, 2).tolist()", "[[0.0, 2.0], [3.0, 5.0]]"),
    "split_copy": ("[p.shape[1] for p in ember.split_copy(x, 2, 1)]", "[2, 1]"),
    "split_with_sizes_copy": ("[p.shape[1] for p in ember.split_with_sizes_copy(x, [1, 2], 1)]",
                              "[1, 2]"),
    "unbind_copy": ("[p.tolist() for p in ember.unbind_copy(x)]",
                    "[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]"),
    "unfold_copy": ("ember.unfold_copy(x, 1, 2, 1).shape", "ember.Size([2, 2, 2])"),
    "detach_copy": ("ember.detach_copy(x).requires_grad", "False"),
    "alias_copy": ("ember.alias_copy(x).data_ptr() == x.data_ptr()", "False"),
    "as_strided_copy": ("ember.as_strided_copy(x, (2,), (4,)).tolist()", "[0.0, 4.0]"),
    "narrow_copy": ("ember.narrow_copy(x, 1, 1, 2).tolist()", "[[1.0, 2.0], [4.0, 5.0]]"),
}


def _view(input: Tensor, *size: Any, dtype: Any = None) -> Tensor:
    if dtype is not None or (len(size) == 1 and isinstance(size[0], _dt.DType)):
        raise TypeError("view_copy: reinterpreting the dtype is not supported in ember; use "
                        ".to(dtype) to convert the values")
    return input.view(*size)


def _expand(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:
    return expand(input, size)


def _slice(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
           step: int = 1) -> Tensor:
    if input.ndim == 0:
        raise IndexError("slice_copy: slice() cannot be applied to a 0-dim tensor")
    if step <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    d = normalize_dim("slice_copy", dim, input.ndim)
    return input[(slice(None),) * d + (slice(start, end, step),)]


def _unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return input.unfold(dimension, size, step)


def _split(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    if not isinstance(split_size, int):  # split_with_sizes_copy takes the list form
        raise TypeError(f"split_copy(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    return split(input, split_size, dim)


def _detach(input: Tensor) -> Tensor:
    return input.detach()


def _alias(input: Tensor) -> Tensor:
    return input.view(tuple(input.shape))


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0
                     ) -> tuple[Tensor, ...]:
    """Split ``input`` along ``dim`` into pieces of the given sizes, which must add up to
    the dimension's size.

    >>> import ember
    >>> [p.tolist() for p in ember.arange(5).split_with_sizes([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    if input.ndim == 0:
        raise RuntimeError("split_with_sizes: split expects at least a 1-dimensional tensor")
    d = normalize_dim("split_with_sizes", dim, input.ndim)
    sizes = [int(n) for n in split_sizes]
    if sum(sizes) != input.shape[d] or any(n < 0 for n in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[d]} (input "
            f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return split(input, sizes, d)


_COPIES = {
    "view_copy": _view, "permute_copy": permute, "transpose_copy": transpose, "t_copy": t,
    "squeeze_copy": squeeze, "unsqueeze_copy": unsqueeze, "expand_copy": _expand,
    "diagonal_copy": diagonal, "select_copy": select, "slice_copy": _slice,
    "split_copy": _split, "split_with_sizes_copy": split_with_sizes, "unbind_copy": unbind,
    "unfold_copy": _unfold, "detach_copy": _detach, "alias_copy": _alias,
    "as_strided_copy": as_strided, "narrow_copy": narrow,
}
globals().update({name: _copy_variant(name, view) for name, view in _COPIES.items()})


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum ``self`` down to ``size``, which must expand to ``self``'s shape (the gradient
    of a broadcast).

    >>> import ember
    >>> ember.ones(2, 3).sum_to_size(1, 3).tolist()
    [[2.0, 2.0, 2.0]]
    """
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    size = tuple(int(n) for n in size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(n not in (1, s) for n, s in zip(size, shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size "
                           f"{{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size)
                                      if n == 1 and shape[lead + i] != 1)
    return self.sum(dims).reshape(size) if dims else self


def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of the flat (row-major) ``indices``, one
    int64 tensor per dimension; like PyTorch, indices outside the shape wrap around.

    >>> import ember
    >>> [c.tolist() for c in ember.unravel_index(ember.tensor([4, 1]), (2, 3))]
    [[1, 0], [1, 1]]
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: expected 'indices' to be a Tensor, got "
                        f"{type(indices).__name__}")
    if indices.dtype.category not in (_dt.INTEGER,):
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype} "
                        f"(unravel_index, shape {tuple(indices.shape)})")
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got "
                         f"{shape}")
    if 0 in shape and indices.numel():
        raise RuntimeError(f"unravel_index: an index into a tensor of shape {shape} (0 "
                           "elements) is out of range (ZeroDivisionError in PyTorch)")
    xp = xp_of(indices)
    flat = indices._data.astype(xp.int64)
    coords = []
    for n in reversed(shape):
        coords.append(_make(xp.asarray(flat % n if n else flat)))  # 0-d stays an array
        flat = flat // n if n else flat
    return tuple(reversed(coords))


def broadcast_shapes(*shapes: int | Sequence[int]) -> Size:
    """The shape that tensors of ``shapes`` broadcast to (an int stands for a 1-D shape).

    >>> import ember
    >>> ember.broadcast_shapes((2, 1), (3,), 3)
    ember.Size([2, 3])
    """
    tuples = [(s,) if isinstance(s, int) else tuple(int(n) for n in s) for s in shapes]
    if any(n < 0 for s in tuples for n in s):
        raise ValueError(f"broadcast_shapes: Attempting to broadcast a dimension with "
                         f"negative length! (shapes {tuples})")
    return Size(_broadcast("broadcast_shapes", *tuples) if tuples else ())


bind_methods(split_with_sizes=split_with_sizes, sum_to_size=sum_to_size,
             narrow_copy=globals()["narrow_copy"])

__all__ = [*_COPIES, "split_with_sizes", "unravel_index", "broadcast_shapes"]
