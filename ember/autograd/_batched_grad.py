"""``grad(..., is_grads_batched=True)``: one vector-Jacobian product per row of the
leading dimension of ``grad_outputs``, stacked. PyTorch vmaps the backward pass; ember runs
it once per row (retaining the graph between rows), which gives the same values and, with
``create_graph``, the same differentiable results."""

from __future__ import annotations

from collections.abc import Callable

from ..tensor import Tensor


def _batch_size(outs: tuple, grad_outputs: tuple) -> int:
    """The common leading size of ``grad_outputs``, each of shape (B, *output.shape)."""
    if len(grad_outputs) != len(outs) or any(g is None for g in grad_outputs):
        raise RuntimeError(f"grad: is_grads_batched=True needs one batched grad_output per "
                           f"output; got {len(grad_outputs)} grad_outputs (None: "
                           f"{[g is None for g in grad_outputs]}) for {len(outs)} outputs")
    for i, (g, o) in enumerate(zip(grad_outputs, outs)):
        if not isinstance(g, Tensor) or g.dim() == 0 or tuple(g.shape[1:]) != tuple(o.shape):
            shape = tuple(g.shape) if isinstance(g, Tensor) else type(g).__name__
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each "
                "grad_output as the batch dimension. The sizes of the remaining dimensions are "
                "expected to match the shape of corresponding output, but a mismatch was "
                f"detected: grad_output[{i}] has a shape of {shape} and output[{i}] has a "
                f"shape of {tuple(o.shape)}.")
    sizes = [g.shape[0] for g in grad_outputs]
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise RuntimeError("grad: is_grads_batched=True got grad_outputs with a batch "
                           "dimension of size 0")
    return sizes[0]


def batched_grad(grad: Callable, outs: tuple, targets: tuple, grad_outputs: tuple,
                 retain_graph: bool | None, create_graph: bool, allow_unused: bool | None,
                 materialize_grads: bool) -> tuple:
    from ..ops import stack
    from ..ops.creation import zeros_like

    batch = _batch_size(outs, grad_outputs)
    retain = create_graph if retain_graph is None else retain_graph
    rows = [grad(outs, targets, [g[b] for g in grad_outputs],
                 retain_graph=True if b < batch - 1 else retain, create_graph=create_graph,
                 allow_unused=allow_unused or materialize_grads)
            for b in range(batch)]
    result = []
    for i, t in enumerate(targets):
        column = [row[i] for row in rows]
        if column[0] is None:  # unused: PyTorch materializes unbatched zeros of the input
            result.append(zeros_like(t) if materialize_grads else None)
        else:
            result.append(stack(column))
    return tuple(result)
