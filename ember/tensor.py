"""``Tensor``: a thin object holding a backend array plus its place in the autograd graph.

Ops (``ember.ops``) attach the math methods and Python operators to this class, so this
module stays free of any op and any array library.

>>> import ember
>>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> x.shape, x.dtype, x.device
(ember.Size([2, 2]), ember.float32, device(type='cpu'))
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Callable
from typing import Any

from . import _memory_format as _mf
from . import dtypes as _dt
from .backends import Device, backend_of


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints like PyTorch's ``torch.Size``.

    >>> import ember
    >>> ember.zeros(2, 3).shape
    ember.Size([2, 3])
    >>> ember.zeros(2, 3).shape == (2, 3), ember.zeros(2, 3).size().numel()
    (True, 6)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """An n-dimensional array on a device, optionally tracked for automatic differentiation."""

    # _base_version: the shared version counter's value when this view was made (or last
    # given its base's current history; see ops.inplace_view.refresh_if_stale); -1 for a
    # detach()ed alias, which has no history of its own to refresh
    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "_out_index", "_version",
                 "_base", "_base_version", "_retains_grad", "_hooks", "_fw", "__weakref__")

    # Lower than a NumPy array's, so ``ndarray + Tensor`` defers to ``Tensor.__radd__``.
    __array_priority__ = 1000

    def __init__(self, *args: Any, device: Any = None, requires_grad: bool = False) -> None:
        """PyTorch's legacy constructor: ``Tensor(data)`` holds ``data`` in the default float
        dtype (``ember.tensor`` infers the dtype instead), ``Tensor(*sizes)`` or
        ``Tensor(size)`` is a zero-filled tensor of that shape, ``Tensor()`` an empty one,
        and ``Tensor(tensor)`` a view of that tensor (its dtype and graph kept).

        >>> Tensor([1, 2]).dtype, tuple(Tensor(2, 3).shape)
        (ember.float32, (2, 3))
        """
        fresh = _legacy_new("Tensor", args, _dt.get_default_dtype(), device)
        for name in _STATE_SLOTS:  # _make holds the one list of defaults
            setattr(self, name, getattr(fresh, name))
        if requires_grad:
            self.requires_grad = True

    # ----------------------------------------------------------------- metadata
    @property
    def data(self) -> Tensor:
        """This tensor's values, detached from the graph (shares memory)."""
        out = _make(self._data)
        out._version = self._version
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> _dt.DType:
        return _dt._BY_NP[self._data.dtype]

    @property
    def device(self) -> Device:
        return backend_of(self._data).device_of(self._data)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.itemsize

    def size(self, dim: int | None = None):
        """The shape, or the length of one dimension.

        >>> import ember
        >>> ember.zeros(2, 3).size(-1)
        3
        """
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_check_dim("size", dim, self._data.ndim)]

    def is_floating_point(self) -> bool:
        return self.dtype.category == _dt.FLOAT

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the data is laid out row-major, or in ``memory_format``'s order (from
        the strides, as PyTorch; size-1 dimensions aside).

        >>> import ember
        >>> ember.ones(2, 3).t().is_contiguous()
        False
        """
        c_contiguous = bool(self._data.flags.c_contiguous)
        if memory_format is None:
            return c_contiguous
        fmt = _mf.check_format("is_contiguous", memory_format)
        return _mf.is_contiguous_as(self._data.shape, self.stride(), fmt, c_contiguous)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_check_dim("stride", dim, self.ndim)]

    # ----------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and self.dtype.category != _dt.FLOAT:
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}"
            )
        if not flag and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; use detach() to get "
                "a tensor without a graph"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        _refresh_if_stale(self)
        if self.grad_fn is not None and not self._retains_grad:
            self._retains_grad = True
            # The engine fills .grad through the node, which holds only a weak reference.
            self.grad_fn._retain(self._out_index, self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        _refresh_if_stale(self)
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._out_index, hook)
        if self._hooks is None:
            self._hooks = []
        return _HookHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(self)`` after backward has accumulated into this leaf's ``.grad`` (the
        place to step an optimizer per parameter). Leaves only; returns a handle with
        ``remove()``.

        >>> import ember
        >>> w = ember.ones(2, requires_grad=True)
        >>> seen = []
        >>> _ = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (w * 3).sum().backward()
        >>> seen
        [[3.0, 3.0]]
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._hooks is None:
            self._hooks = []
        # kept with the gradient hooks (no extra slot on every tensor), marked by its type
        return _HookHandle(self._hooks, PostAccumulateGradHook(hook))

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Compute gradients of this tensor and accumulate them into leaves' ``.grad``."""
        _engine.backward((self,), None if gradient is None else (gradient,), retain_graph,
                         create_graph, inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's memory, cut from the graph."""
        out = _make(self._data)
        out._version = self._version
        out._base, out._base_version = self, -1  # an alias, not a view: never refreshed
        return out

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ----------------------------------------------------------------- conversion
    def item(self) -> Any:
        if self._data.size != 1:
            raise RuntimeError(
                f"item: a tensor with {self._data.size} elements cannot be converted to a "
                "Python scalar"
            )
        value = self._data.reshape(-1)[0]
        if self.dtype.category == _dt.FLOAT:
            return float(value)
        return value.item()

    def tolist(self) -> Any:
        array = backend_of(self._data).to_numpy(self._data)
        if self.dtype in (_dt.bfloat16, _dt.float16):
            array = array.astype("float32")
        return array.tolist()

    def numpy(self, *, force: bool = False):
        """The data as a NumPy array, sharing memory on the CPU."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "numpy: can't call numpy() on a tensor that requires grad; "
                "use tensor.detach().numpy()"
            )
        backend = backend_of(self._data)
        if backend.device_type != "cpu" and not force:
            raise TypeError(
                f"numpy: tensor is on {self.device}; copy it to the host first with .cpu()"
            )
        return backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        """NumPy's conversion protocol: ``np.asarray(t)`` shares memory on the CPU;
        ``copy=True`` always copies and ``copy=False`` refuses to (NumPy 2 semantics)."""
        array = self.numpy(force=True)
        shared = array is self._data
        if dtype is not None and array.dtype != dtype:
            if copy is False:
                raise ValueError(
                    f"__array__: converting a {self.dtype.name} tensor to NumPy dtype {dtype} "
                    "needs a copy, but copy=False was given"
                )
            return array.astype(dtype)
        if copy is False and not shared:
            raise ValueError(f"__array__: a tensor on {self.device} can't be viewed by NumPy "
                             "without a copy, but copy=False was given")
        return array.copy() if copy and shared else array

    def __dlpack__(self, *args, **kwargs):
        if self._requires_grad:
            raise RuntimeError("__dlpack__: can't export a tensor that requires grad; detach it")
        if self._data.dtype == _dt.bfloat16.np:
            # NumPy's DLPack export knows only its built-in dtypes.
            raise BufferError("__dlpack__: bfloat16 tensors can't be exported through DLPack "
                              "by the CPU backend; convert with .float() first")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data.reshape(-1)[0])

    def _scalar(self) -> Any:
        """The single element, for ``int(t)`` and ``float(t)``; ValueError (PyTorch's type
        and message) for any other element count."""
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars "
                             f"(got a tensor of shape {tuple(self._data.shape)})")
        return self.item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __index__(self) -> int:
        if self.dtype.category != _dt.INTEGER or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return _FORMAT_TENSOR[0](self)

    def __format__(self, spec: str) -> str:
        """As in PyTorch: a 0-d tensor formats as its Python scalar (``f"{loss:.4f}"``)."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A copy with its own memory, ``requires_grad`` and a copied ``grad`` (the
        "keep the best weights" idiom: ``copy.deepcopy(model.state_dict())``). As in
        PyTorch, only graph leaves can be deep-copied."""
        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol; detach() it first")
        result = self.detach().clone()
        if self._requires_grad:
            result.requires_grad = True
        if self.grad is not None:
            result.grad = self.grad.detach().clone()
        memo[id(self)] = result
        return result

    def __reduce__(self):
        raise TypeError("ember tensors are not pickled; save their arrays instead (t.numpy(), "
                        "or a state dict with safetensors.numpy.save_file, as in the README)")


_STATE_SLOTS = tuple(n for n in Tensor.__slots__ if n != "__weakref__")
# ``_format.format_tensor``, bound by ``ember/__init__`` at import: a bound function (not an
# import at call time) keeps repr on the module ``set_printoptions`` configures even where
# the module is imported a second time (pytest's doctest collection does that).
_FORMAT_TENSOR: list[Callable[[Tensor], str]] = []


def _legacy_new(op: str, args: tuple, dtype: _dt.DType, device: Any,
                check_dtype: bool = False) -> Tensor:
    """PyTorch's legacy constructor rules (``Tensor(...)``, ``FloatTensor(...)``): sizes give
    a zero-filled tensor, data is converted to ``dtype``, a tensor is viewed (and must have
    ``dtype`` when ``check_dtype``)."""
    from .ops.creation import _to_array, zeros  # the creation ops build the array

    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        return zeros(tuple(int(a) for a in args) or (0,), dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Size):
        return zeros(tuple(args[0]), dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        if check_dtype and args[0].dtype != dtype:
            raise TypeError(f"{op}(): expected a tensor of dtype {dtype} (got "
                            f"{args[0].dtype}); convert it with .to({dtype}) first")
        return args[0].view(tuple(args[0].shape))
    if len(args) == 1 and not isinstance(args[0], (float, complex, bool, str)):
        return _make(_to_array(args[0], dtype, device))
    got = ", ".join(type(a).__name__ for a in args)
    raise TypeError(f"{op}(): expected data (a sequence, array or tensor) or sizes "
                    f"(ints), got ({got}); ember.tensor(value) makes a scalar")


def _refresh_if_stale(t: Tensor) -> None:
    if t._base is None or t._base_version < 0 or t._base_version == t._version[0]:
        return  # not a view, a detach()ed alias, or up to date: nothing to refresh
    from .ops.inplace_view import refresh_if_stale  # the ops import this module

    refresh_if_stale(t)


def _take_history(t: Tensor, source: Tensor) -> None:
    """Give ``t`` the history of ``source`` (an in-place write replaced its value). A
    ``retain_grad()`` moves along, as in PyTorch, so ``.grad`` is the gradient of the value
    the tensor holds now; hooks stay with the old value."""
    old_node, old_index = t.grad_fn, t._out_index
    t.grad_fn, t._out_index = source.grad_fn, source._out_index
    if t._retains_grad and (old_node is not t.grad_fn or old_index != t._out_index):
        if old_node is not None:
            old_node._unretain(old_index, t)
        if t.grad_fn is not None:
            t.grad_fn._retain(t._out_index, t)


def _make(data, requires_grad: bool = False) -> Tensor:
    """Wrap a backend array in a new leaf Tensor without copying or checking it."""
    t = Tensor.__new__(Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t.grad = None
    t.grad_fn = None
    t._out_index = 0
    t._version = [0]
    t._base = None
    t._base_version = 0
    t._retains_grad = False
    t._hooks = None
    t._fw = None
    return t


# The reference for ``_speedups.make``, which builds the same Tensor without a Python frame.
_make_python = _make


def _load_speedups():
    """``ember._speedups`` (compiled fast paths, see ``ember/_speedups.c``) set up for Tensor,
    or None where it was not built or the environment sets ``EMBER_PURE_PYTHON=1``."""
    if os.environ.get("EMBER_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:  # no C compiler at install time: the pure-Python paths run
        return None
    try:
        _speedups.setup(Tensor, _STATE_SLOTS)
    except TypeError as exc:  # built for another Tensor layout: a stale build
        warnings.warn(f"ember: not using the compiled fast paths: {exc}", RuntimeWarning,
                      stacklevel=2)
        return None
    return _speedups


SPEEDUPS = _load_speedups()
if SPEEDUPS is not None:
    _make = SPEEDUPS.make  # noqa: F811 (the same Tensor as the Python _make above)


class _EngineSlot:
    """Filled in by ``ember.autograd.engine`` when it is imported (it sits above this module,
    so this module cannot import it; a per-call import costs 0.5 us per backward)."""

    backward: Callable


_engine = _EngineSlot()


def _check_dim(op: str, dim: int, ndim: int) -> int:
    """Normalise a possibly negative dimension, raising IndexError like PyTorch."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], "
            f"but got {dim})"
        )
    return dim + size if dim < 0 else dim


class PostAccumulateGradHook:
    """A ``register_post_accumulate_grad_hook`` callable, told apart from gradient hooks
    in a leaf's hook list by its type."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Tensor], None]) -> None:
        self.fn = fn


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook away."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        hooks.append(hook)
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
