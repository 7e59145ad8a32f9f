"""PyTorch's tensor metadata and host-side helpers: ``storage_offset``, ``data_ptr``,
``nbytes``, ``itemsize``, ``is_cpu``, ``ndimension``, ``H``/``mH``, the memory-placement
queries (``pin_memory``, ``share_memory_``) and the element-wise Python callbacks
``apply_``/``map_``.

ember has no separate storage object: a view's storage is its root tensor's array
(``t._base``), so ``storage_offset`` counts elements from the root's first element.

>>> import ember
>>> x = ember.arange(6.0).reshape(2, 3)
>>> x[1, 1:].storage_offset(), x.nbytes, x.itemsize, x.is_cpu
(4, 24, 4, True)
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

from ..backends import backend_of
from ..tensor import Tensor
from ._common import bind_methods
from .shape import transpose


def storage_offset(self: Tensor) -> int:
    """How many elements into its storage (the root tensor it views) this tensor starts.

    >>> import ember
    >>> ember.zeros(4)[2:].storage_offset()
    2
    """
    root = self._base if self._base is not None else self
    backend = backend_of(self._data)
    offset = backend.address(self._data) - backend.address(root._data)
    return offset // self._data.itemsize


def data_ptr(self: Tensor) -> int:
    """The address of this tensor's first element (views of one storage differ by their
    ``storage_offset() * itemsize``).

    >>> import ember
    >>> x = ember.zeros(4)
    >>> x[1:].data_ptr() - x.data_ptr()
    4
    """
    return backend_of(self._data).address(self._data)


def ndimension(self: Tensor) -> int:
    """The number of dimensions (PyTorch's older name for ``dim()``).

    >>> import ember
    >>> ember.zeros(2, 3).ndimension()
    2
    """
    return self._data.ndim


def _H(self: Tensor) -> Tensor:
    # ember's dtypes are real, so the conjugate transpose is the transpose
    if self.ndim == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return self
    if self.ndim != 2:
        hint = ". For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor{hint}")
    return transpose(self, 0, 1)


def _mH(self: Tensor) -> Tensor:
    n = self.ndim
    if n < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {n}-D tensor.")
    return transpose(self, -2, -1)


def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """The tensor itself: ember never page-locks host memory. Its CPU tensors are ordinary
    NumPy arrays, and a copy to a CUDA device goes through CuPy whether or not the source
    is pinned, so pinning would only cost a copy. ``is_pinned()`` stays False.

    >>> import ember
    >>> x = ember.ones(2)
    >>> x.pin_memory() is x, x.is_pinned()
    (True, False)
    """
    return self


def is_pinned(self: Tensor, device: Any = None) -> bool:
    """Always False: ember does not allocate page-locked memory (see ``pin_memory``)."""
    return False


def share_memory_(self: Tensor) -> Tensor:
    """The tensor itself, unchanged. PyTorch moves the storage into shared memory so that
    worker processes it is pickled to see the same values; ember tensors are not pickled
    (DataLoader workers send arrays back, see ``ember.data``), so there is nothing to share
    and ``is_shared()`` stays False.

    >>> import ember
    >>> x = ember.ones(2)
    >>> x.share_memory_() is x, x.is_shared()
    (True, False)
    """
    return self


def is_shared(self: Tensor) -> bool:
    """Always False: ember keeps no tensors in inter-process shared memory."""
    return False


def _check_callback_target(op: str, t: Tensor) -> None:
    if t._requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use "
                           f"var.detach().{op}() instead.")
    if t.device.type != "cpu":
        raise TypeError(f"{op}() is only implemented on CPU tensors, got a tensor on "
                        f"{t.device}")
    if not t._data.flags.writeable:
        raise RuntimeError(f"{op}(): the tensor (shape {tuple(t.shape)}) is a broadcast view "
                           "whose elements share memory; clone() it first")


def _write_values(op: str, t: Tensor, values: list) -> Tensor:
    for v in values:
        if not isinstance(v, numbers.Real):
            raise TypeError(f"{op}(): the callable must return a real number, got "
                            f"{type(v).__name__}")
    xp = backend_of(t._data).xp
    t._data[...] = xp.asarray(values).reshape(t._data.shape).astype(t._data.dtype)
    t._version[0] += 1  # an in-place write, like any other
    return t


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:
    """Replace each element ``x`` by ``callable(x)`` in place (CPU only, slow: one Python
    call per element). Elements arrive as Python ``float``/``int``/``bool``; results are
    cast to the tensor's dtype.

    >>> import ember
    >>> ember.tensor([1, 2, 3]).apply_(lambda v: v * 10).tolist()
    [10, 20, 30]
    """
    _check_callback_target("apply_", self)
    return _write_values("apply_", self, [callable(v) for v in self._data.ravel().tolist()])


def map_(self: Tensor, tensor: Tensor, callable: Callable[[Any, Any], Any]) -> Tensor:
    """Replace each element ``x`` by ``callable(x, y)`` in place, ``y`` the matching element
    of ``tensor`` broadcast to this tensor's shape; both must have the same dtype (CPU only).

    >>> import ember
    >>> ember.tensor([1.0, 2.0]).map_(ember.tensor([3.0, 4.0]), lambda x, y: x * y).tolist()
    [3.0, 8.0]
    """
    _check_callback_target("map_", self)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): expected a Tensor as 'tensor', got {type(tensor).__name__}")
    if tensor.dtype != self.dtype:
        raise TypeError(f"map_: expected {self.dtype} for 'other' (got {tensor.dtype})")
    if tensor.device != self.device:
        raise RuntimeError(f"map_(): expected 'other' on {self.device}, got {tensor.device}")
    xp = backend_of(self._data).xp
    try:
        other = xp.broadcast_to(tensor._data, self._data.shape)
    except ValueError:
        raise RuntimeError(f"map_(): 'other' of shape {tuple(tensor.shape)} cannot be expanded "
                           f"to this tensor's shape {tuple(self.shape)}") from None
    pairs = zip(self._data.ravel().tolist(), other.ravel().tolist())
    return _write_values("map_", self, [callable(a, b) for a, b in pairs])


bind_methods(
    storage_offset=storage_offset, data_ptr=data_ptr, ndimension=ndimension,
    nbytes=property(lambda self: self._data.size * self._data.itemsize,
                    doc="Bytes the elements take: ``numel() * itemsize``."),
    itemsize=property(lambda self: self._data.itemsize, doc="Bytes per element."),
    is_cpu=property(lambda self: self.device.type == "cpu",
                    doc="Whether the tensor lives in host memory."),
    H=property(_H, doc="The transpose of a matrix (conjugate transpose; dtypes are real)."),
    mH=property(_mH, doc="The transpose of the last two dimensions (real dtypes)."),
    pin_memory=pin_memory, is_pinned=is_pinned, share_memory_=share_memory_,
    is_shared=is_shared, apply_=apply_, map_=map_,
)

__all__: list[str] = []
