"""The backward engine: walk the graph from the outputs in dependency order, call each
node's backward rule once all gradients for its outputs have arrived, and route the results
to the next nodes or into leaves' ``.grad``.

>>> import ember
>>> x = ember.tensor([1.0, 2.0], requires_grad=True)
>>> (gx,) = ember.autograd.grad((x * x).sum(), x)
>>> gx.tolist()
[2.0, 4.0]
"""

from __future__ import annotations

import heapq
import warnings

import ember.tensor as _tensor_module

from ..backends import backend_of
from ..tensor import PostAccumulateGradHook, Tensor, _make, _refresh_if_stale
from .anomaly import ANOMALY
from .grad_mode import STATE as _GRAD
from .graph import Node


def _as_tuple(x) -> tuple:
    if type(x) is tuple:
        return x
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs: tuple, grads: tuple, op: str) -> list:
    if grads and len(grads) != len(outputs):
        raise RuntimeError(
            f"{op}: got {len(grads)} gradients for {len(outputs)} outputs"
        )
    result = []
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(
                f"{op}: element {i} of tensors does not require grad and does not have a "
                "grad_fn"
            )
        g = grads[i] if grads else None
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"{op}: grad can be implicitly created only for scalar outputs, but the "
                    f"output has shape {tuple(out.shape)}; pass a gradient of that shape"
                )
            g = _make(backend_of(out._data).xp.ones_like(out._data))
        elif not isinstance(g, Tensor):
            raise TypeError(f"{op}: gradients must be tensors, got {type(g).__name__}")
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"{op}: mismatch in shape: grad_output has shape {tuple(g.shape)} and output "
                f"has shape {tuple(out.shape)}"
            )
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    outputs = _as_tuple(tensors)
    grads = _root_grads(outputs, _as_tuple(grad_tensors), "backward")
    retain = create_graph if retain_graph is None else retain_graph
    targets = _as_tuple(inputs)
    if targets:
        captured = _run(outputs, grads, retain, create_graph, targets)
        # A tensor listed twice still gets its gradient once, as in PyTorch; so does a
        # non-leaf that retains its gradient (_run filled its .grad already).
        done = {id(t) for t in targets if t.grad_fn is not None and t._retains_grad}
        for t, g in zip(targets, captured):
            if g is not None and id(t) not in done:  # its hooks already ran in _run
                done.add(id(t))
                _accumulate(t, g, create_graph, pre_hooks=False)
    else:
        _run(outputs, grads, retain, create_graph, None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` changes).
    ``only_inputs``, deprecated in PyTorch, is accepted and ignored as there. With
    ``is_grads_batched`` the first dimension of each grad_output is a batch of vectors, and
    each result gains that dimension (one vector-Jacobian product per row)."""
    if not only_inputs:
        warnings.warn("grad: only_inputs is deprecated and ignored (it is always True)",
                      FutureWarning, stacklevel=2)
    outs = _as_tuple(outputs)
    targets = _as_tuple(inputs)
    for i, t in enumerate(targets):
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    if is_grads_batched:
        from ._batched_grad import batched_grad

        return batched_grad(grad, outs, targets, _as_tuple(grad_outputs), retain_graph,
                            create_graph, allow_unused, materialize_grads)
    grads = _root_grads(outs, _as_tuple(grad_outputs), "grad")
    retain = create_graph if retain_graph is None else retain_graph
    result = _run(outs, grads, retain, create_graph, targets)
    final = []
    for i, (t, g) in enumerate(zip(targets, result)):
        if g is None:
            if materialize_grads:
                g = _make(backend_of(t._data).xp.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(t.shape)}) was not used in the graph; "
                    "pass allow_unused=True if this is intended"
                )
        final.append(g)
    return tuple(final)


def _collect(roots: list) -> dict:
    """Count, for each node reachable from ``roots``, how many edges point to it (roots
    start at 0, so a root that is also another root's child is walked only once)."""
    deps: dict[Node, int] = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        for edge in stack.pop().edges:
            if edge is not None and type(edge[0]) is Node:
                child = edge[0]
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                    stack.append(child)
    return deps


def _needed(roots: list, leaf_ids: set, node_targets: set) -> set:
    """Nodes whose backward must run to reach one of the targets (post-order DFS): those
    with an edge to a target leaf, a target node or a needed node."""
    needed: set = set()
    done: set = set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                done.add(node)
                for edge in node.edges:
                    if edge is None:
                        continue
                    child = edge[0]
                    if (child in needed or child in node_targets if type(child) is Node
                            else id(child) in leaf_ids):
                        needed.add(node)
                        break
                continue
            if node in done:
                continue
            stack.append((node, True))
            for edge in node.edges:
                if edge is not None and type(edge[0]) is Node and edge[0] not in done:
                    stack.append((edge[0], False))
    # A target node itself runs its backward only if something below it is a target too.
    return needed


class _Capture:
    """What ``autograd.grad`` and ``backward(inputs=...)`` collect: the gradients reaching
    the target tensors, which do not go into any ``.grad``."""

    def __init__(self, targets: tuple) -> None:
        # Target -> its positions in ``targets``: one tensor may be asked for more than once.
        self.leaves: dict[int, list[int]] = {}
        self.nodes: dict[tuple, list[int]] = {}
        self.grads: list = [None] * len(targets)
        for i, t in enumerate(targets):
            if t.grad_fn is None:
                self.leaves.setdefault(id(t), []).append(i)
            else:
                self.nodes.setdefault((t.grad_fn, t._out_index), []).append(i)

    def leaf(self, leaf: Tensor, g: Tensor) -> None:
        """The summed gradient of a target leaf (once per leaf, after its hooks)."""
        for i in self.leaves[id(leaf)]:
            self.grads[i] = g

    def outputs(self, node: Node, grads: list) -> None:
        for index, g in enumerate(grads):
            if g is not None:
                for i in self.nodes.get((node, index), ()):
                    self.grads[i] = g


def _run(outputs: tuple, grads: list, retain: bool, create_graph: bool, targets):
    """Propagate ``grads`` from ``outputs``. With ``targets``, return their gradients and
    leave ``.grad`` alone; without, accumulate into every leaf."""
    cap = None if targets is None else _Capture(targets)
    given = {id(g._data) for g in grads}  # arrays already referenced elsewhere: copy them
    # buffers[node]: the gradients that arrived for the node's outputs so far. A node has a
    # buffer exactly when at least one of them is not None.
    buffers: dict[Node, list] = {}
    # leaf gradients, summed over the leaf's edges (and its seeds, where a leaf is also an
    # output) before its hooks see them, as PyTorch's AccumulateGrad node does:
    # id(leaf) -> [leaf, gradient]
    leaf_grads: dict[int, list] = {}
    for out, g in zip(outputs, grads):
        _refresh_if_stale(out)
        node = out.grad_fn
        if node is None:  # a leaf: its gradient is the seed itself
            _add_leaf_grad(leaf_grads, out, g, cap)
            continue
        if node._released:
            node._check_alive()
        _add_to_buffer(buffers, node, out._out_index, g)
    roots = list(buffers)
    deps = _collect(roots)
    needed = None if cap is None else _needed(roots, set(cap.leaves), {n for n, _ in cap.nodes})
    # Ready nodes, latest-created first (as PyTorch). The heap keeps that order on a DAG.
    ready = [(-n.seq, n) for n in roots if deps[n] == 0]
    heapq.heapify(ready)
    prev_mode = _GRAD.grad_enabled
    _GRAD.grad_enabled = create_graph
    try:
        while ready:
            node = heapq.heappop(ready)[1]
            out_grads = buffers.pop(node, None)
            if out_grads is not None and (node._tensor_hooks or node._retained
                                           or cap is not None):
                _output_hooks(node, out_grads, create_graph, cap, given)
            if out_grads is not None and (needed is None or node in needed):
                in_grads = _call_backward(node, out_grads)
            else:  # no gradient reached it (or none is wanted from it): pass on nothing
                in_grads = (None,) * len(node.edges)
            for edge, g in zip(node.edges, in_grads):
                if edge is None:
                    continue
                target = edge[0]
                if type(target) is not Node:  # a leaf (_add_leaf_grad, inlined)
                    if g is not None and (cap is None or id(target) in cap.leaves):
                        slot = leaf_grads.get(id(target))
                        if slot is None:
                            leaf_grads[id(target)] = [target, g]
                        else:
                            slot[1] = slot[1] + g
                    continue
                if g is not None:
                    _add_to_buffer(buffers, target, edge[1], g)
                deps[target] -= 1
                if deps[target] == 0:
                    heapq.heappush(ready, (-target.seq, target))
            if not retain:
                node.release()
        for leaf, g in leaf_grads.values():
            if cap is None:
                _accumulate(leaf, g, create_graph, given)
            else:  # autograd.grad: the hooks run, nothing is accumulated
                cap.leaf(leaf, _leaf_hooks(leaf, g)[0])
    finally:
        _GRAD.grad_enabled = prev_mode
    return None if cap is None else cap.grads


def _add_to_buffer(buffers: dict, node: Node, index: int, g: Tensor) -> None:
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * len(node.out_meta)
    slot[index] = g if slot[index] is None else slot[index] + g


def _output_hooks(node: Node, grads: list, create_graph: bool, cap, given: set) -> None:
    """Apply tensor hooks, retain_grad and capture for the node's outputs, in place."""
    if node._tensor_hooks:
        for index, hooks in node._tensor_hooks.items():
            for hook in list(hooks):
                if grads[index] is not None:
                    replaced = hook(grads[index])
                    if replaced is not None:
                        grads[index] = replaced
    if node._retained:
        for index, refs in node._retained.items():
            g = grads[index]
            if g is None:
                continue
            for ref in refs:
                t = ref()
                if t is not None:
                    t.grad = (_own(g, create_graph, given) if t.grad is None
                              else _plain_add(t.grad, g, create_graph))
    if cap is not None:
        cap.outputs(node, grads)


def _call_backward(node: Node, out_grads: list) -> tuple:
    op = node.op
    if op.backward is None:
        raise RuntimeError(f"{node.name()}: the op '{op.name}' is not differentiable")
    if node._released:
        node._check_alive()
    for g in out_grads:
        if g is None:  # rules get zeros for outputs that received no gradient ...
            ctx = node.user_ctx  # ... unless Function.set_materialize_grads(False)
            if ctx is None or ctx.materialize_grads:
                out_grads = [_zeros(node, i) if x is None and i not in op.nondiff_outputs
                             and node.out_meta[i][1] is not None else x
                             for i, x in enumerate(out_grads)]
            break
    if ANOMALY.enabled:
        ANOMALY.in_backward += 1
        try:
            in_grads = op.backward(node, *out_grads, **node.attrs)
        finally:
            ANOMALY.in_backward -= 1
    else:
        in_grads = op.backward(node, *out_grads, **node.attrs)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) != len(node.edges):
        raise RuntimeError(
            f"{node.name()}: backward returned {len(in_grads)} gradients for "
            f"{len(node.edges)} inputs"
        )
    if ANOMALY.enabled:
        ANOMALY.check_backward(node, in_grads)
    return in_grads


def _zeros(node: Node, index: int) -> Tensor:
    shape, dtype = node.out_meta[index]
    return _make(node.xp.zeros(shape, dtype=dtype))


def _add_leaf_grad(leaf_grads: dict, leaf: Tensor, g: Tensor, cap) -> None:
    if cap is not None and id(leaf) not in cap.leaves:
        return  # autograd.grad: a leaf that is not an input gets nothing, runs no hook
    slot = leaf_grads.get(id(leaf))
    if slot is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        slot[1] = slot[1] + g


def _leaf_hooks(leaf: Tensor, g: Tensor, pre_hooks: bool = True) -> tuple:
    """Run the leaf's gradient hooks on ``g``; return the (possibly replaced) gradient and
    the post-accumulate hooks, which run only after ``.grad`` is updated."""
    post = None
    if leaf._hooks:
        for hook in list(leaf._hooks):
            if type(hook) is PostAccumulateGradHook:
                if post is None:
                    post = []
                post.append(hook)
                continue
            if not pre_hooks:
                continue
            replaced = hook(g)
            if replaced is not None:
                g = replaced
    return g, post


def _accumulate(leaf: Tensor, g: Tensor, create_graph: bool, given: set | None = None,
                pre_hooks: bool = True) -> None:
    """Add ``g`` into ``leaf.grad``, running the leaf's gradient hooks first (unless
    ``pre_hooks`` is false: they ran already) and its post-accumulate hooks after."""
    g, post = _leaf_hooks(leaf, g, pre_hooks)
    dtype = leaf._data.dtype
    if g._data.dtype is not dtype and g._data.dtype != dtype:  # `is`: the cheap common case
        g = g.to(leaf.dtype)
    if leaf.grad is None:
        leaf.grad = _own(g, create_graph, given)
    else:
        leaf.grad = _plain_add(leaf.grad, g, create_graph)
    if post is not None:
        for hook in post:
            if hook.fn(leaf) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _own(g: Tensor, create_graph: bool, given: set | None) -> Tensor:
    """A gradient safe to store in ``.grad``: writeable memory no other tensor shares."""
    if create_graph:
        return g
    backend = backend_of(g._data)
    data = g._data
    if given is None or id(data) in given or not backend.owns(data):
        data = backend.xp.array(data, copy=True)
    if given is not None:
        given.add(id(data))
    return _make(data)


def _plain_add(current: Tensor, g: Tensor, create_graph: bool) -> Tensor:
    if create_graph or current._requires_grad or g._requires_grad:
        return current + g
    current._data += g._data
    current._version[0] += 1
    return current


_tensor_module._engine.backward = backward  # Tensor.backward calls this engine
