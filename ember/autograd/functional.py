"""JAX-style function transforms: ``grad``, ``value_and_grad``, ``vjp`` and ``jvp``.

>>> import ember
>>> df = ember.grad(lambda x: (x * x * x).sum())
>>> df(ember.tensor([1.0, 2.0])).tolist()
[3.0, 12.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..tensor import Tensor
from . import forward_ad
from .engine import grad as _grad
from .grad_mode import enable_grad


def _argnums_tuple(argnums: int | Sequence[int]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _prepare(args: tuple, argnums: tuple[int, ...], name: str) -> tuple[list, bool]:
    """Make the differentiated arguments require grad. An argument that already requires
    grad is kept as it is, so an outer transform can differentiate through this one; the
    second value says whether that happened (then gradients keep their graph)."""
    args = list(args)
    nested = False
    for i in argnums:
        if i >= len(args):
            raise ValueError(f"{name}: argnums {i} is out of range for {len(args)} arguments")
        a = args[i]
        if not isinstance(a, Tensor):
            raise TypeError(f"{name}: argument {i} must be a Tensor, got {type(a).__name__}")
        if a.dtype.category != 2:
            raise TypeError(f"{name}: argument {i} must be floating point, got {a.dtype}")
        if a.requires_grad:
            nested = True
            continue
        leaf = a.detach()
        leaf._base = None
        args[i] = leaf.requires_grad_(True)
    return args, nested


def value_and_grad(fn: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   create_graph: bool = False) -> Callable:
    """Wrap ``fn`` so it returns ``(value, grads)``; ``grads`` matches ``argnums``.

    With ``has_aux``, ``fn`` returns ``(value, aux)`` and the wrapper ``((value, aux), grads)``.
    Gradients keep their graph when an argument already requires grad (so ``grad(grad(f))``
    works) or when ``create_graph=True``.
    """
    nums = _argnums_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any):
        inputs, nested = _prepare(args, nums, "value_and_grad")
        with enable_grad():
            out = fn(*inputs, **kwargs)
        value, aux = out if has_aux else (out, None)
        if not isinstance(value, Tensor) or value.numel() != 1:
            raise TypeError(
                "grad: the function must return a scalar tensor, got "
                + (f"shape {tuple(value.shape)}" if isinstance(value, Tensor)
                   else type(value).__name__)
            )
        keep = create_graph or nested
        grads = _grad(value, [inputs[i] for i in nums], create_graph=keep,
                      materialize_grads=True)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        if not keep:  # results are plain values, as in JAX: no graph hangs on them
            value, aux = value.detach(), _detach_tree(aux)
        return ((value, aux) if has_aux else value), g

    return wrapped


def grad(fn: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Wrap ``fn`` so it returns the gradient of its scalar output with respect to the
    arguments in ``argnums``. Nest it for higher derivatives: ``ember.grad(ember.grad(f))``.
    """
    inner = value_and_grad(fn, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any):
        value, g = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _detach_tree(tree: Any) -> Any:
    if isinstance(tree, Tensor):
        return tree.detach()
    if isinstance(tree, (tuple, list)):
        return type(tree)(_detach_tree(t) for t in tree)
    if isinstance(tree, dict):
        return {k: _detach_tree(v) for k, v in tree.items()}
    return tree


def vjp(fn: Callable, *primals: Tensor) -> tuple:
    """Return ``(outputs, vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal.
    ``fn`` may return a tensor or a tuple of tensors (then pass a tuple of cotangents).

    >>> import ember
    >>> out, vjp_fn = ember.vjp(lambda x: x * x, ember.tensor([1.0, 3.0]))
    >>> vjp_fn(ember.ones(2))[0].tolist()
    [2.0, 6.0]
    """
    inputs, nested = _prepare(primals, tuple(range(len(primals))), "vjp")
    with enable_grad():
        out = fn(*inputs)
    outs = out if isinstance(out, tuple) else (out,)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"vjp: output {i} of the function must be a Tensor, got "
                            f"{type(o).__name__}")

    def vjp_fn(cotangents: Tensor | Sequence[Tensor]) -> tuple:
        cots = cotangents if isinstance(cotangents, (tuple, list)) else (cotangents,)
        if len(cots) != len(outs):
            raise ValueError(f"vjp: the function has {len(outs)} outputs but vjp_fn got "
                             f"{len(cots)} cotangents")
        live = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        if not live:  # no output depends on the primals
            from ..ops.creation import zeros_like

            return tuple(zeros_like(p) for p in inputs)
        return _grad([o for o, _ in live], inputs, [c for _, c in live], retain_graph=True,
                     create_graph=nested, allow_unused=True, materialize_grads=True)

    return (out if nested else _detach_tree(out)), vjp_fn


def jvp(fn: Callable, primals: Sequence[Tensor], tangents: Sequence[Tensor]) -> tuple:
    """Forward-mode derivative: return ``(fn(*primals), J @ tangents)``.

    >>> import ember
    >>> out, t = ember.jvp(lambda x: x * x, (ember.tensor([3.0]),), (ember.tensor([1.0]),))
    >>> t.tolist()
    [6.0]
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)]
        out = fn(*duals)
        outs = out if isinstance(out, tuple) else (out,)
        unpacked = [forward_ad.unpack_dual(o) for o in outs]
        results = tuple(u.primal for u in unpacked)
        from ..ops.creation import zeros_like

        tans = tuple(u.tangent if u.tangent is not None else zeros_like(u.primal)
                     for u in unpacked)
    if isinstance(out, tuple):
        return results, tans
    return results[0], tans[0]
