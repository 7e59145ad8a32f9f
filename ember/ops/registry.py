"""The op registry and ``apply``, the one place where an op runs and joins the graph.

An op is defined once, for every device:

* ``forward(ctx, *arrays, **attrs)`` computes on backend arrays through ``ctx.xp``;
* ``backward(ctx, *grads)`` returns one gradient per input, written in ember ops, so that
  ``create_graph=True`` differentiates it again;
* ``jvp(ctx, tangents, **attrs)`` (optional) gives the forward-mode derivative, also in ember ops.

>>> from ember.ops.registry import defop
>>> @defop("my_square", save=(0,))
... def my_square(ctx, x):
...     return x * x
>>> @my_square.def_backward
... def _(ctx, grad):
...     (x,) = ctx.saved
...     return (grad * 2 * x,)
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from ..autograd import forward_ad as _fw
from ..autograd.anomaly import ANOMALY
from ..autograd.grad_mode import STATE as _GRAD
from ..autograd.graph import Node
from ..backends import _BACKENDS_BY_TYPE, backend_of
from ..tensor import SPEEDUPS, Tensor, _make

REGISTRY: dict[str, OpDef] = {}
_NO_ATTRS: dict = {}


class OpDef:
    """One primitive op: its forward, backward, forward-mode rule and metadata."""

    __slots__ = ("name", "forward", "backward", "jvp", "save", "save_read_by", "save_output",
                 "view", "differentiable", "nondiff_outputs", "backward_name", "doc")

    def __init__(self, name: str, forward: Callable, *, save: tuple = (),
                 save_read_by: dict | None = None, save_output=False, view: bool = False,
                 differentiable: bool = True, nondiff_outputs: tuple = ()) -> None:
        self.name = name
        self.forward = forward
        self.backward: Callable | None = None
        self.jvp: Callable | None = None
        self.save = save
        # {saved input: the inputs whose gradients read its values}: an input modified in
        # place before backward is then only an error when one of those needs a gradient
        # (``x @ w`` with only ``x`` requiring one never reads ``x``), as in PyTorch.
        self.save_read_by = None if save_read_by is None else tuple(
            [save_read_by.get(i) for i in save])  # aligned with ``save``; None: always read
        self.save_output = save_output
        self.view = view
        self.differentiable = differentiable
        self.nondiff_outputs = nondiff_outputs
        self.backward_name = "".join(p.capitalize() for p in name.split("_")) + "Backward"
        self.doc = forward.__doc__

    def def_backward(self, fn: Callable) -> Callable:
        self.backward = fn
        return fn

    def def_jvp(self, fn: Callable) -> Callable:
        self.jvp = fn
        return fn

    def __call__(self, *inputs: Tensor, **attrs: Any):
        return apply(self, inputs, attrs)

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def defop(name: str, **options: Any) -> Callable[[Callable], OpDef]:
    """Register a primitive op under ``name``; see the module docstring."""

    def register(forward: Callable) -> OpDef:
        old = REGISTRY.get(name)
        if old is not None and _where(old.forward) != _where(forward):
            # The same definition seen again (a module imported twice, e.g. by doctest
            # collection) is fine; two different definitions of one name are a bug.
            raise ValueError(f"op '{name}' is defined twice: {_where(old.forward)} and "
                             f"{_where(forward)}")
        op = REGISTRY[name] = OpDef(name, forward, **options)
        return op

    return register


def _where(fn: Callable) -> tuple:
    code = getattr(fn, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code else (id(fn),)


class _PlainCtx:
    """The ``ctx`` that forward sees when no graph is recorded: it has ``xp`` and keeps
    nothing, so the fast path allocates no node."""

    __slots__ = ("xp", "backend", "needs_input_grad", "attrs")

    def __init__(self, backend) -> None:
        self.xp = backend.xp
        self.backend = backend
        self.needs_input_grad = ()
        self.attrs = _NO_ATTRS

    @property
    def arrays(self) -> tuple:
        return ()

    @arrays.setter
    def arrays(self, value: tuple) -> None:  # nothing to keep without a graph
        pass


_PLAIN_CTX: dict[Any, _PlainCtx] = {}


def plain_ctx(backend) -> _PlainCtx:
    ctx = _PLAIN_CTX.get(backend)
    if ctx is None:
        ctx = _PLAIN_CTX[backend] = _PlainCtx(backend)
    return ctx


def _check_devices(op: OpDef, inputs: tuple) -> None:
    kinds = {type(t._data) for t in inputs}
    devices = [str(t.device) for t in inputs]
    if len(kinds) > 1 or len(set(devices)) > 1:
        raise RuntimeError(
            f"{op.name}: expected all tensors on the same device, got "
            + ", ".join(f"{d} (shape {tuple(t.shape)})" for d, t in zip(devices, inputs))
        )


def apply(op: OpDef, inputs: tuple, attrs: dict = _NO_ATTRS):
    """Run ``op`` on tensors ``inputs``; record a graph node when a gradient is needed."""
    first = inputs[0]._data
    array_type = type(first)
    backend = _BACKENDS_BY_TYPE.get(array_type) or backend_of(first)
    if len(inputs) > 1:
        for t in inputs:
            if type(t._data) is not array_type or backend.multi_device:
                _check_devices(op, inputs)
                break
    if _GRAD.grad_enabled and op.differentiable:
        for t in inputs:
            if t._requires_grad:
                return _apply_recorded(op, inputs, attrs, backend)
    ctx = _PLAIN_CTX.get(backend) or plain_ctx(backend)
    try:
        out = op.forward(ctx, *[t._data for t in inputs], **attrs)
    except (ValueError, TypeError, IndexError) as exc:
        raise _forward_error(op, inputs, exc) from exc
    if type(out) is tuple or _fw.STATE.level or ANOMALY.enabled:
        return _finish(op, None, inputs, out, attrs)
    if type(out) is not array_type:  # NumPy turns 0-d results into scalars
        out = backend.xp.asarray(out)
    t = _make(out)
    if op.view:
        _view_of(t, inputs[0])
    return t


def _apply_recorded(op: OpDef, inputs: tuple, attrs: dict, backend):
    # One pass over the inputs (this runs for every recorded op, so no generator expressions).
    data, needs, edges, shapes, dtypes = [], [], [], [], []
    for t in inputs:
        if (t._base is not None and t._base_version >= 0 and t._base_version != t._version[0]
                and (t._requires_grad or t._base._requires_grad)):
            from .inplace_view import refresh_if_stale  # it imports this module

            refresh_if_stale(t)
        array = t._data
        data.append(array)
        shapes.append(array.shape)
        dtypes.append(array.dtype)
        needs.append(t._requires_grad)
        if t.grad_fn is not None:
            edges.append((t.grad_fn, t._out_index))
        else:
            edges.append((t, 0) if t._requires_grad else None)
    node = Node(op, attrs, tuple(edges), tuple(needs), backend, tuple(shapes), tuple(dtypes))
    if op.save:
        node.save_inputs(tuple([inputs[i] for i in op.save]))
    try:
        out = op.forward(node, *data, **attrs)
    except (ValueError, TypeError, IndexError) as exc:
        raise _forward_error(op, inputs, exc) from exc
    if ANOMALY.enabled:
        ANOMALY.record_forward(node)
    return _finish(op, node, inputs, out, attrs)


def _finish(op: OpDef, node: Node | None, inputs: tuple, out, attrs: dict):
    outputs = _wrap_outputs(op, node, inputs, out)
    if _fw.STATE.level and any(t._fw is not None for t in inputs):
        _fw.propagate(op, inputs, outputs, attrs)
    if ANOMALY.enabled:
        ANOMALY.check_forward(op, outputs)
    return outputs


def _forward_error(op: OpDef, inputs: tuple, exc: Exception) -> Exception:
    """Turn a backend's exception into one that names the op and its operands."""
    from ._common import broadcast_shapes

    if len(inputs) > 1 and isinstance(exc, ValueError) and "broadcast" in str(exc):
        try:
            broadcast_shapes(op.name, *(tuple(t.shape) for t in inputs))
        except RuntimeError as named:
            return named
    operands = ", ".join(f"{tuple(t.shape)} {t.dtype.name}" for t in inputs)
    return type(exc)(f"{op.name}: {exc} (inputs: {operands})")


def _wrap_outputs(op: OpDef, node: Node | None, inputs: tuple, out):
    if not isinstance(out, tuple):  # the common case, kept free of loops and tuples
        t = _wrap_one(op, node, inputs, out, 0)
        if node is not None:
            node.out_meta = ((t._data.shape, t._data.dtype),)
            if op.save_output:
                node._out_data = t._data
                node._out_version = (t._version, t._version[0])
        return t
    results = tuple([_wrap_one(op, node, inputs, array, i) for i, array in enumerate(out)])
    if node is not None:
        node.out_meta = tuple([(r._data.shape, r._data.dtype) for r in results])
        if op.save_output:
            node._out_data = results[0]._data
            node._out_version = (results[0]._version, results[0]._version[0])
    return results


def _wrap_one(op: OpDef, node: Node | None, inputs: tuple, array, index: int) -> Tensor:
    if type(array) not in _BACKENDS_BY_TYPE:  # NumPy turns 0-d results into scalars
        array = backend_of(inputs[0]._data).xp.asarray(array)
    t = _make(array)
    if node is not None and index not in op.nondiff_outputs:
        t._requires_grad = True
        t.grad_fn = node
        t._out_index = index
    if op.view:
        _view_of(t, inputs[0])
    return t


def _view_of(t: Tensor, source: Tensor) -> None:
    """Mark ``t`` a view of ``source``: it shares the memory, and so the version counter,
    of ``source``'s base (``source`` itself when it owns its memory)."""
    t._version = source._version
    t._base = source._base if source._base is not None else source
    # a view of a detach()ed alias is an alias too (-1: never given its base's history)
    t._base_version = -1 if source._base_version < 0 else t._version[0]


# ----------------------------------------------------------------------------- fast paths
# The common case of a hot op, tensors of one dtype on a single-device backend with no graph
# to record and no forward-mode or anomaly mode, needs none of the machinery above: it can
# call the array operation and wrap the result. These wrappers do exactly that and hand
# every other case to the op's full public function, which has the same semantics.


def _single_device_types() -> frozenset:
    return frozenset(t for t, b in _BACKENDS_BY_TYPE.items() if not b.multi_device)


_FAST_TYPES = _single_device_types()
# The no-graph ctx of each fast type's backend: one lookup on the fast paths below.
_FAST_CTX = {t: plain_ctx(_BACKENDS_BY_TYPE[t]) for t in _FAST_TYPES}


def no_graph(*tensors: Tensor) -> bool:
    """True when an op on ``tensors`` would record nothing and needs no mode hooks."""
    if _fw.STATE.level or ANOMALY.enabled:
        return False
    if not _GRAD.grad_enabled:
        return True
    for t in tensors:
        if t._requires_grad:
            return False
    return True


def plain_ctx_for(*arrays) -> _PlainCtx | None:
    """The no-graph ``ctx`` for an op on ``arrays`` when running its forward directly is
    exactly what :func:`apply` would do: grad mode off, no forward-mode or anomaly mode, all
    arrays of one single-device backend. None otherwise.

    For hot composite functions (``linear`` under ``no_grad``) that have checked their
    operands themselves: they skip apply's per-call bookkeeping (~1.3 us of a 6 us op)."""
    if _GRAD.grad_enabled or _fw.STATE.level or ANOMALY.enabled:
        return None
    array_type = type(arrays[0])
    for array in arrays:
        if type(array) is not array_type:
            return None
    return _FAST_CTX.get(array_type)


# Arrays of at least this many elements may be worth a backend's threaded kernel: the fast
# paths below hand them to ``large_op`` (which may still decline to the array op).
LARGE_ELEMENTS = 1 << 17


def fast_binary(full: Callable, array_op: Callable, kinds: str | None = None,
                large_op: Callable | None = None) -> Callable:
    """``full`` (a binary op's public function) with a fast path for two tensors of one
    dtype (whose NumPy kind is in ``kinds``, when given); ``array_op`` computes on the arrays
    (e.g. ``operator.add``) and must agree with ``full`` there (PyTorch's broadcasting and
    dtype rules). ``large_op``, when given, computes the same on arrays of at least
    :data:`LARGE_ELEMENTS` elements (the size test keeps small ops free of its cost)."""
    fw, anomaly, grad, fast_types = _fw.STATE, ANOMALY, _GRAD, _FAST_TYPES
    if large_op is None:
        large_op, large = array_op, 1 << 62
    else:
        large = LARGE_ELEMENTS

    def op(input, other, **kwargs):
        # Inlined on purpose: each function call here costs ~5% of a small op.
        if (not kwargs and isinstance(input, Tensor) and isinstance(other, Tensor)
                and not (grad.grad_enabled and (input._requires_grad or other._requires_grad))
                and not fw.level and not anomaly.enabled):
            x = input._data
            y = other._data
            tx = type(x)
            if (x.dtype is y.dtype and tx is type(y) and tx in fast_types
                    and (kinds is None or x.dtype.kind in kinds)):
                try:
                    out = array_op(x, y) if x.size < large else large_op(x, y)
                except (ValueError, TypeError):  # let the full path raise its named error
                    return full(input, other)
                if type(out) is not tx:  # NumPy turns 0-d results into scalars
                    out = _BACKENDS_BY_TYPE[tx].xp.asarray(out)
                return _make(out)
        return full(input, other, **kwargs)

    compiled_large_op = None if large_op is array_op else large_op  # None: no size test
    return _finish_fast(op, full, 2, array_op, compiled_large_op, kinds)


def fast_unary(full: Callable, forward: Callable, kinds: str = "f") -> Callable:
    """Like :func:`fast_binary` for one-tensor ops called without extra arguments, for
    dtypes whose NumPy kind is in ``kinds``; ``forward(ctx, x)`` computes on the array. Pass
    the primitive's own forward (``op.forward``) wherever ``full`` only calls that primitive,
    so both paths compute the same thing by construction."""
    fw, anomaly, grad, fast_ctx = _fw.STATE, ANOMALY, _GRAD, _FAST_CTX

    def op(input, *args, **kwargs):
        if (not args and not kwargs and isinstance(input, Tensor)
                and not (grad.grad_enabled and input._requires_grad)
                and not fw.level and not anomaly.enabled):
            x = input._data
            ctx = fast_ctx.get(type(x))
            if ctx is not None and x.dtype.kind in kinds:
                out = forward(ctx, x)
                if type(out) is not type(x):  # NumPy turns 0-d results into scalars
                    out = ctx.xp.asarray(out)
                return _make(out)
        return full(input, *args, **kwargs)

    return _finish_fast(op, full, 1, forward, None, kinds)


def _in_python_frame(array_op: Callable) -> Callable:
    """``array_op`` run from a frame of this module. NumPy blames its floating-point warnings
    (1/0, overflow) on the calling Python frame, and ember hides them only where that frame is
    ember's (``ember/__init__``); a builtin such as ``operator.truediv`` called straight from
    the compiled path would warn in the user's code. The extra frame costs ~0.1 us."""
    if isinstance(array_op, types.FunctionType):
        return array_op

    def call(*args):
        return array_op(*args)

    return call


def _finish_fast(op: Callable, full: Callable, arity: int, forward: Callable,
                 large_op: Callable | None, kinds: str | None) -> Callable:
    """``op`` (a Python fast path made above) named as ``full``; where ``ember._speedups`` is
    built, its compiled twin instead: the same checks and calls, ~0.4 us less per small op
    (benchmarks/RESULTS.md round 16). The twin is not a Python function (no ``__code__``;
    ``inspect.signature`` and ``help`` follow ``__wrapped__``), and it reads ``_data`` from the
    slot, past any property a Tensor subclass puts over it."""
    if SPEEDUPS is not None:
        python_op = op
        if large_op is not None:
            large_op = _in_python_frame(large_op)
        op = SPEEDUPS.fast_op(arity, full, _in_python_frame(forward), large_op, LARGE_ELEMENTS,
                              _FAST_CTX, kinds, _GRAD, _fw.STATE, ANOMALY)
        op._python = python_op  # the reference, kept for tests/test_speedups.py
    op.__name__, op.__qualname__, op.__doc__ = full.__name__, full.__qualname__, full.__doc__
    op.__module__ = full.__module__
    op.__wrapped__ = full
    return op
