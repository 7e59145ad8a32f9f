"""Helpers of ``ember.autograd.functional``: tuple conventions, input preparation and the
checks of ``strict`` mode, with PyTorch's messages."""

from __future__ import annotations

from ..tensor import Tensor
from .engine import grad as _engine_grad


def as_tuple(inp, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """Whether ``inp`` was a tuple, and ``inp`` as a tuple of tensors."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = (f"the value at index {i} has type {type(el)}" if is_tuple
                     else f"the given {arg_name} has type {type(el)}")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but {where}.")
    return is_tuple, items


def call_func(func, inputs: tuple, strict: bool, name: str) -> tuple[bool, tuple]:
    """``func(*inputs)``: whether it returned a tuple, and its outputs as a tuple of tensors
    (under ``strict`` each must require grad)."""
    is_tuple, outputs = as_tuple(func(*inputs), "outputs of the user-provided function", name)
    check_requires_grad(outputs, "outputs", strict=strict)
    return is_tuple, outputs


def check_single_output(is_tuple: bool, outputs: tuple, name: str) -> None:
    """The function given to ``name`` (``hessian``, ``vhp``, ``hvp``) must return one tensor
    of one element (``outputs``: as ``call_func`` gives it)."""
    if is_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                           "contain a single element")


def untuple(res, to_unpack):
    """Undo ``as_tuple`` (``to_unpack``: one flag, or (outer, inner) for nested results)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def grad_preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensor objects for ``inputs``: differentiable aliases when gradients must flow
    back to them (``create_graph``), detached copies otherwise. Fresh objects tell the
    function's arguments apart from the same tensors captured by the function."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def grad_postprocess(inputs, create_graph: bool):
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(grad_postprocess(inp, create_graph) for inp in inputs)


def validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if tuple(el_v.shape) != tuple(el_other.shape):
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {tuple(el_other.shape)}"
                               f" but got {tuple(el_v.shape)}.")


_NOT_REQUIRING = {
    "hessian": ("The hessian of the user-provided function with respect to input {i} is "
                "independent of the input. This is not allowed in strict mode. You should "
                "ensure that your function is thrice differentiable and that the hessian "
                "depends on the inputs."),
    "jacobian": ("While computing the hessian, found that the jacobian of the user-provided "
                 "function with respect to input {i} is independent of the input. This is not "
                 "allowed in strict mode. You should ensure that your function is twice "
                 "differentiable and that the jacobian depends on the inputs (this would be "
                 "violated by a linear function for example)."),
    "grad_inputs": ("The gradient with respect to input {i} is independent of the inputs of "
                    "the user-provided function. This is not allowed in strict mode."),
    "outputs": ("Output {i} of the user-provided function does not require gradients. The "
                "outputs must be computed in a differentiable manner from the input when "
                "running in strict mode."),
}


def check_requires_grad(inputs: tuple, input_type: str, strict: bool) -> None:
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not inp.requires_grad:
            raise RuntimeError(_NOT_REQUIRING[input_type].format(i=i))


def autograd_grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph=False,
                  retain_graph=None) -> tuple:
    """``autograd.grad`` that skips outputs which are None or need no grad (None results
    for inputs nothing reaches)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    live = [(o, g) for o, g in zip(outputs, grad_outputs)
            if o is not None and o.requires_grad]
    if not live:
        return (None,) * len(inputs)
    gos = [g for _, g in live]
    return _engine_grad([o for o, _ in live], inputs, None if all(g is None for g in gos)
                        else gos, allow_unused=True, create_graph=create_graph,
                        retain_graph=retain_graph)


_ZERO_MESSAGES = {
    "back": ("The output of the user-provided function is independent of input {i}. This is "
             "not allowed in strict mode."),
    "back_trick": ("The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode "
                   "gradients. This is not allowed in strict mode."),
    "double_back": ("The jacobian of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode."),
    "double_back_trick": ("The hessian of the user-provided function is independent of entry "
                          "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                          "prevents from using the double backward trick to replace forward "
                          "mode AD."),
}


def fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool,
                  stage: str) -> tuple:
    """Zeros for the None gradients (the mathematical value), or strict mode's errors."""
    from ..ops.creation import zeros_like

    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_MESSAGES[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)
