"""In-place ops on views of tensors in the graph, as PyTorch records them.

``y[:, 0] += 1`` with ``y`` in the graph writes into ``y``'s memory; the base's history then
becomes "the old base with the view's elements replaced by the result" (:func:`_write_view`,
PyTorch's ``CopySlices``), so a gradient reaches the old base outside the view and the result
inside it. A value that needs a gradient written into a view of a tensor outside the graph
(``out[t].copy_(h)``) brings the base into the graph the same way. A view of that tensor
made before the write follows it where a recorded op, a backward root or a hook reads it;
used alone in a later op it still counts as a constant (PyTorch regenerates its history
there too; ember keeps no list of a tensor's views).

>>> import ember
>>> out = ember.zeros(2, 2)
>>> h = ember.ones(2, requires_grad=True)
>>> _ = out[1].copy_(h * 3)
>>> out.sum().backward()
>>> h.grad.tolist()
[3.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import STATE as _GRAD
from ..backends import backend_of
from ..tensor import Tensor, _make, _take_history
from .registry import defop


def write_result(name: str, self: Tensor, result: Tensor) -> None:
    """Store ``result`` in ``self``'s memory, checking shape and dtype like PyTorch."""
    if result.shape != self.shape:
        raise RuntimeError(
            f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
            f"{tuple(result.shape)}"
        )
    src, dst = result.dtype, self.dtype
    if src.category > dst.category:
        raise RuntimeError(
            f"{name}: result type {src.name} can't be cast to the desired output type "
            f"{dst.name}"
        )
    if not self._data.flags.writeable:
        raise RuntimeError(
            f"{name}: unsupported operation: the tensor (shape {tuple(self.shape)}) is a "
            "broadcast view where several elements share one memory location; clone() it first"
        )
    backend_of(self._data).xp.copyto(self._data, result._data, casting="unsafe")


@defop("write_view")
def _write_view(ctx, old, result, *, positions):
    """The base after a write into one of its views: ``old`` with ``result`` at the flat
    ``positions``. The write has already happened in the base's memory, which ``old`` is,
    so the forward returns it as it is (O(1), where an ``index_copy`` copied the base)."""
    return old


@_write_view.def_backward
def _(ctx, g, *, positions):
    need_old, need_result = ctx.needs_input_grad
    if not _GRAD.grad_enabled:  # no create_graph: two passes on the arrays, not five ops
        g_flat = g._data.reshape(-1)
        g_old = None
        if need_old:
            g_old = g_flat.copy()
            g_old[positions] = 0
            g_old = _make(g_old.reshape(g._data.shape))
        return g_old, (_make(g_flat[positions].reshape(ctx.in_shapes[1])) if need_result
                       else None)
    flat = _make(positions)
    g_flat = g.reshape(-1)
    g_old = g_flat.index_fill(0, flat, 0).reshape(g.shape) if need_old else None
    g_result = g_flat.take(flat).reshape(ctx.in_shapes[1]) if need_result else None
    return g_old, g_result


@_write_view.def_jvp
def _(ctx, tangents, *, positions):
    old, result = ctx.inputs
    t_old, t_result = tangents
    t_old = old.detach() * 0 if t_old is None else t_old
    t_result = result.detach() * 0 if t_result is None else t_result
    return t_old.reshape(-1).index_copy(0, _make(positions), t_result.reshape(-1)).reshape(
        old.shape)


def _shares_base(a: Any, base: Tensor) -> bool:
    return isinstance(a, Tensor) and (a is base or a._base is base)


def _read_from_base(view: Tensor) -> tuple[Tensor, Tensor] | None:
    """``(positions, value)``: the view's row-major flat positions in its base, and its
    elements taken from the base at them, so as a function of the base's current history;
    None when the base's memory has gaps."""
    flat = _flat_positions(view)
    if flat is None:
        return None
    return flat, view._base.reshape(-1).take(flat).reshape(view.shape)


def _flat_positions(view: Tensor) -> Tensor | None:
    """The view's row-major flat positions in its base (an int tensor), or None when the
    base's memory has gaps."""
    base = view._base
    positions = backend_of(base._data).view_positions(base._data, view._data)
    return None if positions is None else _make(positions.reshape(-1))


def inplace_on_view(name: str, self: Tensor, fn: Callable, args: tuple, kwargs: dict,
                    reads_self: bool = True) -> Tensor | None:
    """An in-place op on a view of a graph tensor, as PyTorch records it: the view's old
    value is read from its base's current history, the result is written into the shared
    memory, and the base's history becomes "the old base with the view's elements replaced
    by the result" (a gradient reaches the old base outside the view and the result inside
    it). A base outside the graph (``out[t].copy_(h)`` into zeros that a loop fills) joins
    it the same way, its current values standing for the old base. ``reads_self=False``
    (``copy_``, setitem): ``fn`` ignores the view's old value, which is then not read. None
    where this does not apply (a view of a leaf that requires grad, a ``detach()``ed alias,
    a base whose memory has gaps)."""
    base = self._base
    if self._base_version < 0 or base._requires_grad and base.grad_fn is None:
        return None
    if base._requires_grad and reads_self:
        read = _read_from_base(self)
        if read is None:
            return None
        flat, source = read
    else:
        flat = _flat_positions(self)
        if flat is None:
            return None
        # a copy: the op may save it, and the write below changes the memory
        source = self.detach().clone() if reads_self else self.detach()
    # The operands as they are now: the view itself (``v.mul_(v)``) is the source, and
    # another view of the same memory is copied, so the op saves nothing this write changes.
    args = tuple(source if a is self else a.clone() if _shares_base(a, base) else a
                 for a in args)
    result = fn(source, *args, **kwargs)
    write_result(name, self, result)
    self._version[0] += 1  # shared with the base
    if not (result._requires_grad or base._requires_grad):
        return self  # nothing differentiable reached a base outside the graph
    old = base if base._requires_grad else base.detach()
    new_base = _write_view(old, result.to(self.dtype), positions=flat._data)
    _take_history(base, new_base)
    base._requires_grad = self._requires_grad = True
    if result._requires_grad:
        _take_history(self, result)
        self._base_version = self._version[0]
    # else (a constant written): the view stays stale and is read from the base when used
    return self


def refresh_if_stale(view: Tensor) -> None:
    """Give a view made before its memory was written in place (through its base or another
    view) its base's current history: its elements read from the base as it is now. Its
    values already show the write (they share the memory); without this a gradient through
    it would go around the write, where PyTorch regenerates the view's history too. Run
    wherever a graph reads a tensor's history: recorded ops, backward roots, custom
    Functions, hooks. Anything else (not a view, not stale, a ``detach()``ed alias, no
    gradient on the view or its base) is left alone."""
    if (view._base is None or view._base_version == view._version[0]
            or view._base_version < 0
            or not (view._requires_grad or view._base._requires_grad)):
        return
    read = _read_from_base(view)
    if read is None:
        raise RuntimeError(
            f"a view (shape {tuple(view.shape)}) whose memory was modified in place after "
            "it was made is used in a differentiable op, and its base's memory has gaps, so "
            "ember cannot follow the write; make the view again after the in-place op")
    current = read[1]
    _take_history(view, current)
    view._requires_grad = True  # a view of a tensor that joined the graph after it was made
    view._base_version = view._version[0]


