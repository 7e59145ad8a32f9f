"""``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and
``hvp`` of a function of tensors, with PyTorch's conventions: ``inputs`` is a tensor or a
tuple of tensors, and results mirror the tuple-ness of the inputs and outputs.

(The composable transforms of ``torch.func`` are in ``ember.func``.)

>>> import ember
>>> from ember.autograd.functional import jacobian
>>> jacobian(lambda x: x * x, ember.tensor([1.0, 2.0])).tolist()
[[2.0, 0.0], [0.0, 4.0]]
"""

from __future__ import annotations

from collections.abc import Callable

from ..tensor import Tensor
from ._functional_utils import (
    as_tuple,
    autograd_grad,
    call_func,
    check_requires_grad,
    check_single_output,
    fill_in_zeros,
    grad_postprocess,
    grad_preprocess,
    untuple,
    validate_v,
)
from ._jacobian import hessian, jacobian
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Inputs = Tensor | tuple[Tensor, ...]


def _prepared_v(v, against: tuple, against_is_tuple: bool, create_graph: bool, name: str,
                what: str) -> tuple | None:
    if v is not None:
        _, v = as_tuple(v, "v", name)
        v = grad_preprocess(v, create_graph=create_graph, need_graph=False)
        validate_v(v, against, against_is_tuple)
        return v
    if len(against) != 1 or against[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if the {what} a single Tensor "
                           "with a single element.")
    return None


def _products(outputs: tuple, is_outputs_tuple: bool, grad_args: tuple, like: tuple,
              is_result_tuple: bool, create_graph: bool, strict: bool, stage: str) -> tuple:
    """The last step every product shares: ``autograd.grad(*grad_args)`` (with a graph only
    when asked for, or when the caller records one), zeros for the inputs it did not reach
    (``like``, checked under ``strict`` at ``stage``), and both results detached unless
    ``create_graph``, each unpacked as its input was given."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grad_res = autograd_grad(*grad_args, create_graph=create_graph)
        result = fill_in_zeros(grad_res, like, strict, create_graph, stage)
    return (untuple(grad_postprocess(outputs, create_graph), is_outputs_tuple),
            untuple(grad_postprocess(result, create_graph), is_result_tuple))


def vjp(func: Callable, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, shaped like the inputs.

    >>> import ember
    >>> out, g = ember.autograd.functional.vjp(lambda x: x * x, ember.tensor([3.0]))
    >>> g.tolist()
    [6.0]
    """
    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "vjp")
        inputs = grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outputs = call_func(func, inputs, strict, "vjp")
        v = _prepared_v(v, outputs, is_outputs_tuple, create_graph, "vjp",
                        "user-provided function returns")
    return _products(outputs, is_outputs_tuple, (outputs, inputs, v), inputs, is_inputs_tuple,
                     create_graph, strict, "back")


def jvp(func: Callable, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), J v)``: the Jacobian-vector product, shaped like the outputs. As in
    PyTorch it uses the double-backward trick (reverse mode twice).

    >>> import ember
    >>> out, t = ember.autograd.functional.jvp(lambda x: x * x, ember.tensor([3.0]))
    >>> t.tolist()
    [6.0]
    """
    from ..ops.creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs = as_tuple(inputs, "inputs", "jvp")
        inputs = grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepared_v(v, inputs, is_inputs_tuple, create_graph, "jvp",
                        "input to the user-provided function is")
        is_outputs_tuple, outputs = call_func(func, inputs, strict, "jvp")
        # The backward is linear in grad_outputs, so their value does not matter: zeros.
        grad_outputs = tuple(zeros_like(out).requires_grad_(True) for out in outputs)
        grad_inputs = autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    return _products(outputs, is_outputs_tuple, (grad_inputs, grad_outputs, v), outputs,
                     is_outputs_tuple, create_graph, strict, "back_trick")


def _hessian_products(func, inputs, v, create_graph, strict, name):
    """What ``vhp`` and ``hvp`` share: the prepared inputs and v, the outputs and the
    differentiable gradient."""
    is_inputs_tuple, inputs = as_tuple(inputs, "inputs", name)
    inputs = grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    v = _prepared_v(v, inputs, is_inputs_tuple, create_graph, name,
                    "input to the user-provided function is")
    is_outputs_tuple, outputs = call_func(func, inputs, strict, name)
    check_single_output(is_outputs_tuple, outputs, name)
    jac = autograd_grad(outputs, inputs, create_graph=True)
    check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def vhp(func: Callable, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a function returning a single-element tensor.

    >>> import ember
    >>> out, r = ember.autograd.functional.vhp(lambda x: (x ** 3).sum(), ember.tensor([2.0]))
    >>> r.tolist()
    [12.0]
    """
    with enable_grad():
        is_in_tuple, inputs, v, is_out_tuple, outputs, jac = _hessian_products(
            func, inputs, v, create_graph, strict, "vhp")
    return _products(outputs, is_out_tuple, (jac, inputs, v), inputs, is_in_tuple,
                     create_graph, strict, "double_back")


def hvp(func: Callable, inputs: Inputs, v: Inputs | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a function returning a single-element tensor, by the
    double-backward trick as in PyTorch.

    >>> import ember
    >>> out, r = ember.autograd.functional.hvp(lambda x: (x ** 3).sum(), ember.tensor([2.0]))
    >>> r.tolist()
    [12.0]
    """
    from ..ops.creation import zeros_like

    with enable_grad():
        is_in_tuple, inputs, v, is_out_tuple, outputs, jac = _hessian_products(
            func, inputs, v, create_graph, strict, "hvp")
        grad_jac = tuple(zeros_like(inp).requires_grad_(True) for inp in inputs)
        double_back = autograd_grad(jac, inputs, grad_jac, create_graph=True)
        check_requires_grad(jac, "hessian", strict=strict)
    return _products(outputs, is_out_tuple, (double_back, grad_jac, v), inputs, is_in_tuple,
                     create_graph, strict, "double_back_trick")
