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

from ..backends import backend_of
from ..tensor import Tensor, _make
from .anomaly import ANOMALY
from .grad_mode import STATE as _GRAD
from .graph import Node


def _as_tuple(x) -> tuple:
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
        elif tuple(g.shape) != tuple(out.shape):
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
        for t, g in zip(targets, captured):
            if g is not None:
                _accumulate(t, g, create_graph)
    else:
        _run(outputs, grads, retain, create_graph, None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` changes)."""
    outs = _as_tuple(outputs)
    targets = _as_tuple(inputs)
    for i, t in enumerate(targets):
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
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
    """Count, for each node reachable from ``roots``, how many edges point to it."""
    deps: dict[Node, int] = {}
    stack = [n for n in roots]
    seen = set(roots)
    while stack:
        node = stack.pop()
        for edge in node.edges:
            if edge is not None and type(edge[0]) is Node:
                child = edge[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
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


def _run(outputs: tuple, grads: list, retain: bool, create_graph: bool, targets):
    """Propagate ``grads`` from ``outputs``. With ``targets``, return their gradients and
    leave ``.grad`` alone; without, accumulate into every leaf."""
    capture_leaf: dict[int, int] = {}
    capture_node: dict[tuple, int] = {}
    captured: list = [None] * len(targets or ())
    given = {id(g._data) for g in grads}  # arrays already referenced elsewhere: copy them
    for i, t in enumerate(targets or ()):
        if t.grad_fn is None:
            capture_leaf[id(t)] = i
        else:
            capture_node[(t.grad_fn, t._out_index)] = i

    buffers: dict[Node, list] = {}
    roots: list[Node] = []
    for out, g in zip(outputs, grads):
        if out.grad_fn is None:  # a leaf: its gradient is the seed itself
            _deliver_leaf(out, g, targets, capture_leaf, captured, create_graph, given)
            continue
        node = out.grad_fn
        node._check_alive()
        if node not in buffers:
            buffers[node] = [None] * len(node.out_meta)
            roots.append(node)
        slot = buffers[node]
        slot[out._out_index] = g if slot[out._out_index] is None else slot[out._out_index] + g

    deps = _collect(roots)
    needed = None
    if targets is not None:
        needed = _needed(roots, set(capture_leaf), {n for n, _ in capture_node})
    ready = [(-n.seq, n) for n in roots if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    prev_mode = _GRAD.grad_enabled
    _GRAD.grad_enabled = create_graph
    try:
        while ready:
            _, node = heapq.heappop(ready)
            out_grads = buffers.pop(node, None) or [None] * len(node.out_meta)
            out_grads = _output_hooks(node, out_grads, create_graph, capture_node, captured,
                                      given)
            run = any(g is not None for g in out_grads) and (needed is None or node in needed)
            in_grads = _call_backward(node, out_grads) if run else (None,) * len(node.edges)
            for edge, g in zip(node.edges, in_grads):
                if edge is None:
                    continue
                target, index = edge
                if type(target) is not Node:
                    if g is not None:
                        _deliver_leaf(target, g, targets, capture_leaf, captured, create_graph,
                                      given)
                    continue
                if g is not None:
                    slot = buffers.get(target)
                    if slot is None:
                        slot = buffers[target] = [None] * len(target.out_meta)
                    slot[index] = g if slot[index] is None else slot[index] + g
                deps[target] -= 1
                if deps[target] == 0:
                    heapq.heappush(ready, (-target.seq, target))
            if not retain:
                node.release()
    finally:
        _GRAD.grad_enabled = prev_mode
    return captured


def _output_hooks(node: Node, grads: list, create_graph: bool, capture_node: dict,
                  captured: list, given: set) -> list:
    """Apply tensor hooks, retain_grad and capture for the node's outputs."""
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
    if capture_node:
        for index, g in enumerate(grads):
            key = (node, index)
            if key in capture_node and g is not None:
                captured[capture_node[key]] = g
    return grads


def _call_backward(node: Node, out_grads: list) -> tuple:
    if node.op.backward is None:
        raise RuntimeError(f"{node.name()}: the op '{node.op.name}' is not differentiable")
    node._check_alive()
    ctx = node.user_ctx
    if ctx is not None and not ctx.materialize_grads:  # Function.set_materialize_grads(False)
        filled = out_grads
    else:
        filled = [g if g is not None or i in node.op.nondiff_outputs or node.out_meta[i][1] is None
                  else _zeros(node, i) for i, g in enumerate(out_grads)]
    if ANOMALY.enabled:
        ANOMALY.in_backward += 1
        try:
            in_grads = node.op.backward(node, *filled, **node.attrs)
        finally:
            ANOMALY.in_backward -= 1
    else:
        in_grads = node.op.backward(node, *filled, **node.attrs)
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


def _deliver_leaf(leaf: Tensor, g: Tensor, targets, capture_leaf: dict, captured: list,
                  create_graph: bool, given: set) -> None:
    if targets is not None:
        i = capture_leaf.get(id(leaf))
        if i is not None:
            captured[i] = g if captured[i] is None else captured[i] + g
        return
    _accumulate(leaf, g, create_graph, given)


def _accumulate(leaf: Tensor, g: Tensor, create_graph: bool, given: set | None = None) -> None:
    """Add ``g`` into ``leaf.grad``, running the leaf's hooks first."""
    if leaf._hooks:
        for hook in list(leaf._hooks):
            replaced = hook(g)
            if replaced is not None:
                g = replaced
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf.dtype)
    if leaf.grad is None:
        leaf.grad = _own(g, create_graph, given)
    else:
        leaf.grad = _plain_add(leaf.grad, g, create_graph)


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
