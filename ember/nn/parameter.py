"""``Parameter``: a tensor that a :class:`~ember.nn.Module` registers as one of its weights.

A Parameter is an ordinary :class:`ember.Tensor` (every op accepts it: ops test
``isinstance(x, Tensor)``) that shares the data it was built from and requires a gradient by
default. Results of ops on it are plain tensors; in-place ops return the Parameter itself, so
optimizers update it under ``ember.no_grad()``.

>>> import ember
>>> w = ember.nn.Parameter(ember.zeros(2))
>>> w
Parameter containing:
tensor([0., 0.], requires_grad=True)
>>> type(w * 2).__name__, w.requires_grad
('Tensor', True)
"""

from __future__ import annotations

from typing import Any

from ..tensor import _STATE_SLOTS, Tensor, _make

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


def _share_data(self: Tensor, data: Tensor | None, kind: str) -> Tensor:
    """Make ``self`` a fresh leaf over ``data``'s memory (``None``: an empty float32 tensor),
    sharing its version counter; returns ``data``. What Parameter and Buffer share."""
    if data is None:
        from ..ops.creation import empty

        data = empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"{kind}: expected a Tensor as data, got {type(data).__name__}")
    for name in _STATE_SLOTS:
        setattr(self, name, getattr(_make(data._data), name))
    self._version = data._version  # same memory, same version counter
    return data


class Parameter(Tensor):
    """A Tensor that is a module parameter: ``Parameter(data=None, requires_grad=True)``.

    ``data`` is shared, not copied (as in PyTorch); ``None`` gives an empty float32 tensor.

    >>> import ember
    >>> t = ember.ones(3)
    >>> p = ember.nn.Parameter(t)
    >>> with ember.no_grad():
    ...     _ = p.mul_(2)
    >>> t.tolist()   # the parameter shares t's memory
    [2.0, 2.0, 2.0]
    """

    # No new per-instance state: a Parameter is as lean as a Tensor, and ``__class__`` can
    # be switched between Parameter and its subclasses (UninitializedParameter.materialize).
    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        _share_data(self, data, "Parameter")
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.detach().clone()
        memo[id(self)] = result
        return result


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (used by lazy modules such as LazyLinear).

    :meth:`materialize` gives it a shape; it then becomes a plain :class:`Parameter`.

    >>> import ember
    >>> p = ember.nn.UninitializedParameter()
    >>> p.materialize((2, 3))
    >>> type(p).__name__, tuple(p.shape)
    ('Parameter', (2, 3))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Allocate uninitialised memory of ``shape`` and turn into ``cls_to_become``."""
        from ..ops.creation import empty

        if isinstance(shape, int):
            shape = (shape,)
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    def __deepcopy__(self, memo: dict) -> UninitializedParameter:
        return type(self)(requires_grad=self.requires_grad)


class Buffer(Tensor):
    """A tensor marked as a module buffer: ``Buffer(data=None, *, persistent=True)``.

    Assigning one to a module attribute registers it as a buffer (``persistent=False``
    keeps it out of the state dict), as ``register_buffer`` does. ``data`` is shared, not
    copied, and detached, keeping its ``requires_grad``; ``None`` gives an empty float32
    tensor.

    >>> import ember
    >>> class Counter(ember.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.steps = ember.nn.Buffer(ember.zeros(()))
    ...         self.cache = ember.nn.Buffer(ember.ones(2), persistent=False)
    >>> list(Counter().state_dict())
    ['steps']
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        data = _share_data(self, data, "Buffer")
        # PyTorch's data.detach().requires_grad_(data.requires_grad): a leaf, same flag
        self.requires_grad = data.requires_grad
        self.persistent = bool(persistent)


class UninitializedBuffer(Tensor):
    """A buffer of unknown shape for lazy modules; :meth:`materialize` gives it one."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False) -> None:
        from ..ops.creation import empty

        for name in _STATE_SLOTS:
            setattr(self, name, getattr(empty(0), name))
        self._requires_grad = requires_grad

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        from ..ops.creation import empty

        if isinstance(shape, int):
            shape = (shape,)
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become


def _is_uninitialized(t: Any) -> bool:
    return isinstance(t, (UninitializedParameter, UninitializedBuffer))

