"""``grad``, ``grad_and_value`` (and JAX's ``value_and_grad``), ``vjp`` and ``jvp`` with the
semantics of ``torch.func``: arguments and outputs may be nested tuples, lists and dicts of
tensors, and the transforms nest (``grad(grad(f))``).

>>> import ember
>>> df = ember.func.grad(lambda x: (x * x * x).sum())
>>> df(ember.tensor([1.0, 2.0])).tolist()
[3.0, 12.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import dtypes as _dt
from ..autograd import forward_ad
from ..autograd.engine import grad as _grad
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._tree import flatten, map_leaves, unflatten


def _argnums_tuple(argnums: int | Sequence[int]) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    return nums


def _track(a: Any, name: str, i: int) -> tuple[Tensor, bool]:
    """A tensor to differentiate with respect to, standing for argument leaf ``a``. One that
    already requires grad (an outer transform differentiates through this one) gets a
    differentiable alias, so only its uses through this argument count; the flag says so."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}: argument {i} must be a Tensor, got {type(a).__name__}")
    if a.dtype.category != _dt.FLOAT:
        raise TypeError(f"{name}: argument {i} must be floating point, got {a.dtype}")
    if a.requires_grad:
        return a.view_as(a), True
    tangent = a._fw
    leaf = a.detach()
    leaf._base = None  # a fresh leaf, not a view: in-place edits in fn must not reach `a`
    leaf.requires_grad_(True)
    if tangent is not None and forward_ad.STATE.level:  # keep an outer jvp's tangent
        leaf = forward_ad.make_dual(leaf, tangent)
    return leaf, tangent is not None


def prepare(args: tuple, argnums: tuple[int, ...], name: str) -> tuple[list, list, bool]:
    """Make the leaves of the differentiated arguments require grad. Returns the new
    arguments, the tracked leaves (per argnum, flattened) and whether gradients must keep
    their graph (an outer transform is differentiating too)."""
    args = list(args)
    tracked, nested = [], False
    for i in argnums:
        if not -len(args) <= i < len(args):
            raise ValueError(f"{name}: argnums {i} is out of range for {len(args)} arguments")
        leaves, spec = flatten(args[i])
        pairs = [_track(a, name, i) for a in leaves]
        nested = nested or any(flag for _, flag in pairs)
        tracked.append([t for t, _ in pairs])
        args[i] = unflatten(tracked[-1], spec)
    return args, tracked, nested


def _scalar_value(out: Any, has_aux: bool) -> tuple[Tensor, Any]:
    if has_aux:
        if not isinstance(out, tuple) or len(out) != 2:
            raise RuntimeError("grad_and_value(f)(*args): output of function f should be a "
                               "tuple: (output, aux) if has_aux is True")
        value, aux = out
    else:
        value, aux = out, None
    # A one-element tensor of shape (1,) is not a scalar either, as in torch.func.
    if not isinstance(value, Tensor) or value.ndim != 0:
        raise TypeError(
            "grad: the function must return a scalar tensor, got "
            + (f"shape {tuple(value.shape)}" if isinstance(value, Tensor)
               else type(value).__name__)
        )
    return value, aux


def _grads_of(value: Tensor, args: list, tracked: list, argnums, keep: bool) -> Any:
    flat = [t for group in tracked for t in group]
    if value.requires_grad:
        grads = list(_grad(value, flat, create_graph=keep, materialize_grads=True))
    else:  # the value does not depend on the arguments (or is an integer): zero gradients
        from ..ops.creation import zeros_like

        grads = [zeros_like(t) for t in flat]
    per_arg = _regroup(grads, [args[i] for i in _argnums_tuple(argnums)], tracked)
    return per_arg[0] if isinstance(argnums, int) else tuple(per_arg)


def _regroup(flat: list, trees: list, tracked: list) -> list:
    """Split ``flat`` (one entry per tracked leaf, in order) back into one tree per argument:
    ``tracked[k]`` holds the leaves of ``trees[k]``, whose structure its entry takes."""
    per_arg, start = [], 0
    for tree, group in zip(trees, tracked):
        per_arg.append(unflatten(flat[start:start + len(group)], flatten(tree)[1]))
        start += len(group)
    return per_arg


def value_and_grad(fn: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   create_graph: bool = False) -> Callable:
    """Wrap ``fn`` so it returns ``(value, grads)`` (JAX's order; ``grad_and_value`` gives
    PyTorch's). ``grads`` matches ``argnums``: one gradient per argument, shaped like it.

    With ``has_aux``, ``fn`` returns ``(value, aux)`` and the wrapper ``((value, aux), grads)``.
    Gradients keep their graph when an argument already requires grad (so ``grad(grad(f))``
    works) or when ``create_graph=True``.

    >>> import ember
    >>> v, g = ember.value_and_grad(lambda x: (x * x).sum())(ember.tensor([3.0]))
    >>> v.item(), g.tolist()
    (9.0, [6.0])
    """
    nums = _argnums_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any):
        inputs, tracked, nested = prepare(args, nums, "value_and_grad")
        with enable_grad():
            value, aux = _scalar_value(fn(*inputs, **kwargs), has_aux)
        keep = create_graph or nested
        g = _grads_of(value, inputs, tracked, argnums, keep)
        if not keep:  # results are plain values: no graph hangs on them
            value, aux = value.detach(), _detach_tree(aux)
        return ((value, aux) if has_aux else value), g

    return wrapped


def grad_and_value(func: Callable, argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable:
    """``torch.func.grad_and_value``: the wrapper returns ``(grads, value)``, or
    ``(grads, (value, aux))`` with ``has_aux``.

    >>> import ember
    >>> g, v = ember.func.grad_and_value(lambda x: (x * x).sum())(ember.tensor([3.0]))
    >>> g.tolist(), v.item()
    ([6.0], 9.0)
    """
    inner = value_and_grad(func, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any):
        value, g = inner(*args, **kwargs)
        return g, value

    return wrapped


def grad(func: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Wrap ``func`` so it returns the gradient of its scalar output with respect to the
    arguments in ``argnums`` (``(grads, aux)`` with ``has_aux``). Nest it for higher
    derivatives: ``ember.grad(ember.grad(f))``.

    >>> import ember
    >>> ember.grad(lambda x: (x ** 3).sum())(ember.tensor([2.0])).tolist()
    [12.0]
    """
    inner = value_and_grad(func, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any):
        value, g = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _detach_tree(tree: Any) -> Any:
    return map_leaves(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise RuntimeError(f"{name}(f, ...): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")
    return out


def _tensor_leaves(tree: Any, name: str, what: str) -> tuple[list, Any]:
    leaves, spec = flatten(tree)
    for i, o in enumerate(leaves):
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}: {what} {i} must be a Tensor, got {type(o).__name__}")
    return leaves, spec


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Return ``(outputs, vjp_fn)`` (and ``aux`` with ``has_aux``); ``vjp_fn(cotangents)``
    gives one gradient per primal. ``cotangents`` has the structure of ``outputs``; ``vjp_fn``
    may be called several times.

    >>> import ember
    >>> out, vjp_fn = ember.vjp(lambda x: x * x, ember.tensor([1.0, 3.0]))
    >>> vjp_fn(ember.ones(2))[0].tolist()
    [2.0, 6.0]
    """
    inputs, tracked, nested = prepare(primals, tuple(range(len(primals))), "vjp")
    with enable_grad():
        out, aux = _split_aux(func(*inputs), has_aux, "vjp")
    outs, out_spec = _tensor_leaves(out, "vjp", "output")
    for o in outs:
        if o.dtype.category != _dt.FLOAT:
            raise RuntimeError("vjp(f, ...): All outputs of f must be floating-point or "
                               f"complex Tensors, got Tensor with dtype {o.dtype} (shape "
                               f"{tuple(o.shape)})")
    flat_in = [t for group in tracked for t in group]

    def vjp_fn(cotangents: Any) -> tuple:
        cots, spec = flatten(cotangents)
        if len(cots) != len(outs):
            raise ValueError(f"vjp: the function has {len(outs)} outputs but vjp_fn got "
                             f"{len(cots)} cotangents")
        if len(outs) > 1 and spec != out_spec:
            raise ValueError(f"vjp: expected cotangents with the structure of the outputs, "
                             f"{out_spec!r}, got {spec!r}")
        live = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        if live:
            grads = list(_grad([o for o, _ in live], flat_in, [c for _, c in live],
                               retain_graph=True, create_graph=nested, allow_unused=True,
                               materialize_grads=True))
        else:  # no output depends on the primals
            from ..ops.creation import zeros_like

            grads = [zeros_like(t) for t in flat_in]
        return tuple(_regroup(grads, primals, tracked))

    if not nested:
        out, aux = _detach_tree(out), _detach_tree(aux)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(func: Callable, primals: Sequence[Any], tangents: Sequence[Any], *,
        strict: bool = False, has_aux: bool = False) -> tuple:
    """Forward-mode derivative: return ``(func(*primals), J @ tangents)`` (and ``aux`` with
    ``has_aux``). ``tangents`` has the structure of ``primals``.

    >>> import ember
    >>> out, t = ember.jvp(lambda x: x * x, (ember.tensor([3.0]),), (ember.tensor([1.0]),))
    >>> t.tolist()
    [6.0]
    """
    if strict:
        raise RuntimeError("jvp(f, primals, tangents, strict=True): strict=True is not "
                           "implemented (as in PyTorch)")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    flat_p, spec_p = _tensor_leaves(primals, "jvp", "primal")
    flat_t, spec_t = _tensor_leaves(tangents, "jvp", "tangent")
    if spec_p != spec_t:
        raise RuntimeError(f"jvp: expected primals and tangents to have the same structure, "
                           f"got {spec_p!r} and {spec_t!r}")
    from ..ops.creation import zeros_like

    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(flat_p, flat_t)]
        out, aux = _split_aux(func(*unflatten(duals, spec_p)), has_aux, "jvp")
        outs, spec = _tensor_leaves(out, "jvp", "output")
        unpacked = [forward_ad.unpack_dual(o) for o in outs]
        results = [u.primal for u in unpacked]
        tans = [u.tangent if u.tangent is not None else zeros_like(u.primal)
                for u in unpacked]
    result = (unflatten(results, spec), unflatten(tans, spec))
    return (*result, aux) if has_aux else result
