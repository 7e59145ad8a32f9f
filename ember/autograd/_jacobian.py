"""``jacobian`` and ``hessian`` of ``torch.autograd.functional`` (re-exported there).

>>> import ember
>>> from ember.autograd.functional import hessian
>>> hessian(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0])).tolist()
[[6.0, 0.0], [0.0, 12.0]]
"""

from __future__ import annotations

from collections.abc import Callable

from ..tensor import Tensor
from . import forward_ad
from ._functional_utils import (
    as_tuple,
    autograd_grad,
    call_func,
    check_requires_grad,
    check_single_output,
    grad_postprocess,
    grad_preprocess,
    untuple,
)
from .grad_mode import enable_grad

_STRATEGY = ('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
             'function has more outputs than inputs, "forward-mode" tends to be more '
             'performant. Otherwise, prefer to use "reverse-mode".')


def jacobian(func: Callable, inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Tensor | tuple:
    """The Jacobian of ``func``: for output ``i`` and input ``j`` a tensor of shape
    ``outputs[i].shape + inputs[j].shape``, nested ``[i][j]`` when both are tuples.

    Reverse mode runs one backward pass per output element, forward mode one ``func`` call
    per input element; ``vectorize`` selects nothing more here (both loop), but keeps
    PyTorch's rules on which options combine.

    >>> import ember
    >>> from ember.autograd.functional import jacobian
    >>> jacobian(lambda x: x.sum() * x, ember.tensor([1.0, 2.0])).tolist()
    [[4.0, 1.0], [2.0, 5.0]]
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY)
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either '
                'set `create_graph=False` or `strategy="reverse-mode"`.')
        return _jacobian_forward(func, inputs, strict)
    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "jacobian")
        inputs = grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outputs = call_func(func, inputs, strict, "jacobian")
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                "not supported together. Please either set `strict=False` or "
                "`vectorize=False`.")
        jac = tuple(_rows_of(i, out, inputs, create_graph, strict)
                    for i, out in enumerate(outputs))
        jac = grad_postprocess(jac, create_graph)
        return untuple(jac, (is_outputs_tuple, is_inputs_tuple))


def _rows_of(i: int, out: Tensor, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d out / d input for every input: one backward pass per element of ``out``."""
    from ..ops import stack
    from ..ops.creation import zeros_like

    rows: list[list] = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.numel()):
        vj = autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (g, inp) in enumerate(zip(vj, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is "
                                       f"independent of input {k}. This is not allowed in "
                                       "strict mode.")
                g = zeros_like(inp)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is "
                                   f"independent of input {i}. This is not allowed in strict "
                                   "mode when create_graph=True.")
            rows[k].append(g)
    return tuple(_stacked(r, out, inp, stack) for r, inp in zip(rows, inputs))


def _stacked(rows: list, out: Tensor, inp: Tensor, stack) -> Tensor:
    if not rows:  # an empty output
        from ..ops import zeros

        return zeros(*out.shape, *inp.shape, dtype=inp.dtype, device=inp.device)
    return stack(rows, dim=0).reshape(*out.shape, *inp.shape)


def _jacobian_forward(func: Callable, inputs, strict: bool):
    from ..ops import stack, zeros, zeros_like

    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`strict=False` or `strategy="reverse-mode"`.')
    is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "jacobian")
    numels = [x.numel() for x in inputs]
    columns, primals, is_outputs_tuple = [], None, False
    for column in range(max(sum(numels), 1)):
        with forward_ad.dual_level():
            duals, start = [], 0
            for x, n in zip(inputs, numels):
                t = zeros(n, dtype=x.dtype, device=x.device)
                if start <= column < start + n:
                    t[column - start] = 1.0
                duals.append(forward_ad.make_dual(x, t.reshape(x.shape)))
                start += n
            is_outputs_tuple, outs = as_tuple(func(*duals), "outputs", "jacobian")
            unpacked = [forward_ad.unpack_dual(o) for o in outs]
            columns.append([u.tangent if u.tangent is not None else zeros_like(u.primal)
                            for u in unpacked])
            primals = primals or [u.primal for u in unpacked]
    jac = []
    for k, out in enumerate(primals):
        per_input, start = [], 0
        for x, n in zip(inputs, numels):
            block = ([c[k] for c in columns[start:start + n]] if sum(numels) else [])
            per_input.append(stack(block, dim=-1).reshape(*out.shape, *x.shape) if block
                             else zeros(*out.shape, *x.shape, dtype=out.dtype,
                                        device=out.device))
            start += n
        jac.append(per_input)
    # Lists, not tuples, as PyTorch's forward-mode jacobian returns.
    return untuple(jac, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs: Tensor | tuple[Tensor, ...], create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Tensor | tuple:
    """The Hessian of ``func`` (which returns a single-element tensor): the Jacobian of its
    gradient, nested ``[i][j]`` over tuple inputs.

    >>> import ember
    >>> from ember.autograd.functional import hessian
    >>> hessian(lambda x: (x * x).sum(), ember.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or '
                             '"reverse-mode".')

    def single_output(*inp):
        is_out_tuple, out = call_func(func, inp, strict, "hessian")
        check_single_output(is_out_tuple, out, "hessian")
        return out[0].squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(single_output, inp, create_graph=True)
        check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return untuple(res, (is_inputs_tuple, is_inputs_tuple))
