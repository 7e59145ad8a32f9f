"""In-place ops (``add_``, ``mul_``, ``copy_``, ...), built once from their out-of-place twins.

Every in-place op bumps the tensor's version counter (shared with its views), so a backward
that needs the old value refuses instead of returning a wrong gradient.

* Without a graph (``no_grad``, or nothing requires grad) the result is written straight
  into the tensor's memory; arithmetic uses the ufunc's ``out=`` so no temporary is made
  (or, for large same-shape operands, the backend's threaded kernel in place).
* With a graph, the out-of-place op runs on a graph-connected copy, its result is written
  into the tensor's memory, and the tensor takes the op's node as its ``grad_fn``.

>>> import ember
>>> x = ember.ones(3)
>>> x.add_(1).mul_(3).tolist()
[6.0, 6.0, 6.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.forward_ad import STATE as _FW
from ..autograd.forward_ad import _remember as remember_dual
from ..autograd.grad_mode import STATE as _GRAD
from ..backends import backend_of
from ..tensor import Tensor, _take_history
from ._common import bind_methods, ensure_tensor
from .inplace_view import inplace_on_view, write_result
from .registry import LARGE_ELEMENTS


def _records(self: Tensor, args: tuple, kwargs: dict) -> bool:
    """Whether the write must go through :func:`run_inplace`: a gradient is recorded, or
    a forward-mode tangent has to follow the new value (the ops' own fast paths write the
    memory only)."""
    return _needs_grad(self, args, kwargs) or (_FW.level > 0 and _has_tangent(self, args,
                                                                            kwargs))


def _needs_grad(self: Tensor, args: tuple, kwargs: dict) -> bool:
    if not _GRAD.grad_enabled:
        return False
    if self._requires_grad:
        return True
    return any(isinstance(a, Tensor) and a._requires_grad
               for a in (*args, *kwargs.values()))


def _has_tangent(self: Tensor, args: tuple, kwargs: dict) -> bool:
    return self._fw is not None or any(isinstance(a, Tensor) and a._fw is not None
                                       for a in (*args, *kwargs.values()))


def _take_tangent(self: Tensor, result: Tensor) -> None:
    """After a write under forward-mode AD: ``self``'s tangent is the result's (None, a
    zero tangent, where the result has none)."""
    tangent = result._fw
    if tangent is not None and tangent.dtype != self.dtype:
        tangent = tangent.to(self.dtype)
    self._fw = tangent
    if tangent is not None:
        remember_dual(self)


def run_inplace(name: str, self: Tensor, fn: Callable, args: tuple = (),
                kwargs: dict | None = None, reads_self: bool = True) -> Tensor:
    """Compute ``fn(self, *args, **kwargs)`` and make ``self`` hold the result
    (``reads_self=False``: ``fn`` ignores ``self``'s value, as ``copy_``'s)."""
    kwargs = kwargs or {}
    duals = _FW.level > 0 and _has_tangent(self, args, kwargs)
    if duals and self._base is not None:
        raise NotImplementedError(
            f"{name}: forward-mode AD through an in-place op on a view (shape "
            f"{tuple(self.shape)}) is not supported in ember; use the out-of-place op")
    if not _needs_grad(self, args, kwargs):
        prev = _GRAD.grad_enabled
        _GRAD.grad_enabled = False
        try:
            result = fn(self, *args, **kwargs)
        finally:
            _GRAD.grad_enabled = prev
        write_result(name, self, result)
        self._version[0] += 1
        if duals:
            _take_tangent(self, result)
        return self
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad (shape {tuple(self.shape)}) is being used "
            "in an in-place operation; do it under ember.no_grad() or on a clone()"
        )
    if self._base is not None:
        done = inplace_on_view(name, self, fn, args, kwargs, reads_self)
        if done is not None:
            return done
        raise RuntimeError(
            f"{name}: in-place ops on this view (shape {tuple(self.shape)}) are not "
            "differentiable in ember (a view of a leaf, of a detached tensor, or of memory with "
            "gaps); clone() the view, or build the result out of place"
        )
    # a clone keeps a tangent (and a graph connection); detach() keeps neither
    source = self.clone() if self._requires_grad or duals else self.detach()
    args = tuple(source if a is self else a for a in args)  # e.g. y.mul_(y)
    result = fn(source, *args, **kwargs)
    if self._requires_grad and not result._requires_grad:
        # The new value does not depend on anything differentiable (e.g. copy_ from an int
        # tensor), yet like PyTorch the tensor stays in the graph, passing zero gradients.
        result = result + source * 0
    write_result(name, self, result)
    if result.dtype != self.dtype:
        result = result.to(self.dtype)
    self._version[0] += 1
    _take_history(self, result)
    self._requires_grad = result._requires_grad
    if duals:
        _take_tangent(self, result)
    return self


def make_inplace(name: str, fn: Callable, ufunc: str | None = None) -> Callable:
    """Build the in-place method ``name`` from the out-of-place ``fn``.

    With ``ufunc`` (a name in the array namespace, e.g. ``"add"``) the no-graph path writes
    through the ufunc's ``out=`` argument when dtypes and shapes allow it.
    """

    kernel_op = name[:-1] if name in _KERNEL_OPS else None

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if ufunc is not None and not kwargs and len(args) == 1 and not _records(self, args, {}):
            other = args[0]
            data = other._data if isinstance(other, Tensor) else other
            if _fast_ok(self, other, data):
                _write_through(kernel_op, ufunc, self._data, data)
                self._version[0] += 1
                return self
        return run_inplace(name, self, fn, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


# The in-place ops the backends' arithmetic kernel runs (its names without the "_").
_KERNEL_OPS = ("add_", "sub_", "mul_", "div_")


def _write_through(op: str | None, ufunc: str, x: Any, other: Any) -> None:
    """``x = x <ufunc> other`` in ``x``'s memory (checked by :func:`_fast_ok`): large
    arrays of one shape through the backend's threaded arithmetic kernel ``op`` when there
    is one (2048x256 float32 ``add_``: 48-55 us against NumPy's 120 on 2 cores), anything
    else through the ufunc's ``out=``."""
    backend = backend_of(x)
    if (op is None or getattr(other, "shape", None) != x.shape or x.size < LARGE_ELEMENTS
            or backend.kernels.arithmetic(op, x, other, out=x) is None):
        getattr(backend.xp, ufunc)(x, other, out=x)


def _fast_ok(self: Tensor, other: Any, data: Any) -> bool:
    """Whether ``xp.<ufunc>(self, other, out=self)`` gives exactly PyTorch's result."""
    if not self._data.flags.writeable:
        return False
    if isinstance(other, Tensor):
        return other._data.dtype == self._data.dtype and \
            len(other._data.shape) <= self._data.ndim and \
            all(o in (1, s) for o, s in zip(reversed(other._data.shape),
                                             reversed(self._data.shape)))
    cat = self.dtype.category
    return isinstance(other, (int, float)) and not isinstance(other, bool) and (
        cat == _dt.FLOAT or (cat == _dt.INTEGER and isinstance(other, int)))


# ----------------------------------------------------------------------------- the basics
def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to this shape, converted to this dtype) into ``self``."""
    src = ensure_tensor("copy_", src, self)
    if not _records(self, (src,), {}):
        if src.device != self.device:
            from .creation import tensor

            src = tensor(src, device=self.device)
        write_result_cast("copy_", self, src)
        self._version[0] += 1
        return self

    return run_inplace("copy_", self, lambda _, s: copied(self, s), (src,), reads_self=False)


def copied(self: Tensor, src: Tensor) -> Tensor:
    """``src`` as ``copy_`` writes it into ``self``: converted and broadcast, and a new
    tensor when it carries a gradient (a graph node of its own, not ``src``'s)."""
    src = src.to(self.dtype) if src.dtype != self.dtype else src
    return src.expand(*self.shape) + 0 if src._requires_grad else src.expand(*self.shape)


def write_result_cast(name: str, self: Tensor, src: Tensor) -> None:
    """Like :func:`write_result` but with any dtype conversion and broadcasting allowed."""
    from ._common import broadcast_shapes

    if broadcast_shapes(name, src.shape, self.shape) != self.shape:
        raise RuntimeError(
            f"{name}: source shape {tuple(src.shape)} can't be broadcast to {tuple(self.shape)}"
        )
    backend_of(self._data).xp.copyto(self._data, src._data, casting="unsafe")


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros."""
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_: only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions"
            )
        if _records(self, (value,), {}):
            return run_inplace("fill_", self, lambda s, v: v.to(s.dtype).expand(*s.shape) + 0,
                               (value,))
        value = value.item()
    if _records(self, (), {}):
        return run_inplace("fill_", self, lambda s: s * 0 + value)
    self._data[...] = value
    self._version[0] += 1
    return self


def _arith(name: str, ufunc: str) -> Callable:
    from . import elementwise

    return make_inplace(name + "_", getattr(elementwise, name), ufunc)


add_ = _arith("add", "add")
sub_ = _arith("sub", "subtract")
mul_ = _arith("mul", "multiply")


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """In-place division (true division needs a float tensor)."""
    from .elementwise import div

    if rounding_mode is None and self.dtype.category == _dt.FLOAT and not _records(
            self, (other,), {}) and _fast_ok(self, other, other):
        data = other._data if isinstance(other, Tensor) else other
        _write_through("div", "true_divide", self._data, data)
        self._version[0] += 1
        return self
    return run_inplace("div_", self, div, (other,), {"rounding_mode": rounding_mode})


bind_methods(
    copy_=copy_, zero_=zero_, fill_=fill_, add_=add_, sub_=sub_, mul_=mul_, div_=div_,
    __iadd__=add_, __isub__=sub_, __imul__=mul_, __itruediv__=div_,
    true_divide_=div_, subtract_=sub_, multiply_=mul_, divide_=div_,
)

__all__: list[str] = []
