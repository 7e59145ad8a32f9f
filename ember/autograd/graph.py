"""Graph nodes. One ``Node`` records one op application that needs a gradient.

A node keeps what its backward rule needs and nothing more:

* ``edges``: for each input, where its gradient goes: ``(node, output_index)`` for a
  non-leaf, ``(leaf_tensor, 0)`` for a leaf that requires grad, or ``None``;
* ``saved``: the input tensors the rule reads, with their version numbers at save time, so
  an in-place edit before backward is caught instead of giving a wrong gradient;
* ``arrays``: extra backend arrays the forward computed for the backward (masks, indices);
* the output's data when the rule needs the output (``exp``, ``tanh``, ...).

The same object is the ``ctx`` that an op's forward and backward receive.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import _HookHandle, _make
from . import forward_ad as _fw

_next_seq = itertools.count(1).__next__  # creation order: later nodes run first in backward


class Node:
    __slots__ = ("op", "attrs", "edges", "needs_input_grad", "xp", "backend", "in_shapes",
                 "in_dtypes", "_saved", "_saved_versions", "arrays", "_out_data", "_out_version",
                 "out_meta",
                 "_tensor_hooks", "_retained", "_released", "trace", "seq", "user_ctx",
                 "__weakref__")

    def __init__(self, op, attrs: dict, edges: tuple, needs_input_grad: tuple, backend,
                 in_shapes: tuple = (), in_dtypes: tuple = ()) -> None:
        self.op = op
        self.attrs = attrs
        self.edges = edges
        self.needs_input_grad = needs_input_grad
        self.backend = backend
        self.xp = backend.xp
        # The inputs' shapes and dtypes (always recorded; cheap), read by backward rules.
        self.in_shapes = in_shapes
        self.in_dtypes = in_dtypes
        self._saved = ()
        self._saved_versions = ()
        self.arrays = ()
        self._out_data = None
        self._out_version = None  # (the output's version counter, its value when saved)
        self.out_meta = ()
        self._tensor_hooks = None
        self._retained = None
        self._released = False
        self.trace = None
        self.user_ctx = None
        # A module-level counter: bumping a class attribute instead would invalidate the
        # attribute caches of every Node on each creation.
        self.seq = _next_seq()

    # -------------------------------------------------------------- saved values
    def save_inputs(self, tensors: tuple) -> None:
        self._saved = tensors
        self._saved_versions = tuple([t._version[0] for t in tensors])

    @property
    def saved(self) -> tuple:
        """The saved input tensors, after checking none was modified in place since."""
        if self._released:
            self._check_alive()
        for i, (t, version) in enumerate(zip(self._saved, self._saved_versions)):
            if t._version[0] != version and self._reads_values(i):
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: {self.name()} saved a tensor of shape "
                    f"{tuple(t.shape)} at version {version}, and it is now at version "
                    f"{t._version[0]}. Use .clone() before the in-place op, or avoid it."
                )
        return self._saved

    def _reads_values(self, i: int) -> bool:
        """Whether the backward reads saved tensor ``i``'s values, not just its shape and
        layout: not when the op's ``save_read_by`` lists only inputs needing no gradient."""
        readers = getattr(self.op, "save_read_by", None)
        if readers is None or readers[i] is None:
            return True
        return any(self.needs_input_grad[j] for j in readers[i])

    @property
    def output(self):
        """The op's (first) output, rebuilt with this node as its grad_fn."""
        if self._released:
            self._check_alive()
        self.check_output()
        out = _make(self._out_data, requires_grad=True)
        out.grad_fn = self
        if _fw.STATE.level:
            out._fw = _fw.saved_output_tangent(self)
        return out

    def check_output(self) -> None:
        """Raise if the saved output was modified in place since the op ran (as a saved
        input is checked by ``saved``)."""
        if self._out_version is not None and self._out_version[0][0] != self._out_version[1]:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: {self.name()} saved its output of shape "
                f"{tuple(self._out_data.shape)} at version {self._out_version[1]}, and it is "
                f"now at version {self._out_version[0][0]}. Use .clone() before the in-place "
                "op, or avoid it.")

    def _check_alive(self) -> None:
        if self._released:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed). Pass retain_graph=True to the "
                "first backward() or autograd.grad() call if you need to."
            )

    def release(self) -> None:
        """Free saved tensors and arrays once backward no longer needs them."""
        self._saved = ()
        self.arrays = ()
        self._out_data = None
        if self.user_ctx is not None:
            self.user_ctx._release()
        self._released = True

    # -------------------------------------------------------------- hooks
    def _add_tensor_hook(self, index: int, hook: Callable) -> Any:
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return _HookHandle(self._tensor_hooks.setdefault(index, []), hook)

    def _retain(self, index: int, tensor) -> None:
        import weakref

        # A list per output: several tensor objects can stand for one output (unpack_dual).
        if self._retained is None:
            self._retained = {}
        self._retained.setdefault(index, []).append(weakref.ref(tensor))

    def _unretain(self, index: int, tensor) -> None:
        refs = (self._retained or {}).get(index)
        if refs:
            refs[:] = [r for r in refs if r() is not tensor]

    # -------------------------------------------------------------- introspection
    def name(self) -> str:
        return self.op.backward_name

    @property
    def next_functions(self) -> tuple:
        """PyTorch-style ``((node_or_None, index), ...)``, one per input."""
        return tuple((None, 0) if e is None else e for e in self.edges)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def zero_grads(params: Iterable, set_to_none: bool) -> None:
    """Drop the ``.grad`` of each tensor (``set_to_none``) or zero it in place, detached
    (``Module.zero_grad`` and ``Optimizer.zero_grad``)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()
