"""``jacrev``, ``jacfwd`` and ``hessian`` with the semantics of ``torch.func``.

The Jacobian of an output ``o`` with respect to an input ``x`` has shape
``o.shape + x.shape``. Results are nested output-major: one entry per output leaf, and in it
one per argnum (when ``argnums`` is a tuple), each shaped like that argument's tree.

>>> import ember
>>> ember.func.jacrev(lambda x: x * x)(ember.tensor([1.0, 2.0])).tolist()
[[2.0, 0.0], [0.0, 4.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..autograd import forward_ad
from ..autograd.engine import grad as _grad
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._grad import (
    _argnums_tuple,
    _detach_tree,
    _regroup,
    _split_aux,
    _tensor_leaves,
    prepare,
)
from ._tree import flatten, unflatten


def _check_chunk_size(chunk_size: int | None, name: str) -> None:
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"{name}: `chunk_size` should be greater than 0.")


def _nest(jac: list, args: list, argnums, tracked: list) -> Any:
    """Group one output's flat list of per-leaf Jacobians by argnum and argument tree."""
    per_arg = _regroup(jac, [args[i] for i in _argnums_tuple(argnums)], tracked)
    return per_arg[0] if isinstance(argnums, int) else tuple(per_arg)


def _rows(out: Tensor, flat_in: list, keep: bool) -> list:
    """d out / d x for each x in ``flat_in``, one reverse pass per element of ``out``."""
    from ..ops import stack, zeros

    if not out.requires_grad:
        return [zeros(*out.shape, *x.shape, dtype=x.dtype, device=x.device) for x in flat_in]
    flat = out.reshape(-1)
    rows = [_grad(flat[j], flat_in, retain_graph=True, create_graph=keep, allow_unused=True,
                  materialize_grads=True) for j in range(flat.numel())]
    return [stack([r[k] for r in rows]).reshape(*out.shape, *x.shape) if rows
            else zeros(*out.shape, *x.shape, dtype=x.dtype, device=x.device)
            for k, x in enumerate(flat_in)]


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian of ``func`` with respect to the arguments in ``argnums``, by reverse mode
    (one backward pass per output element; ``chunk_size`` is accepted and has no effect).

    >>> import ember
    >>> ember.func.jacrev(lambda x: x.sum() * x)(ember.tensor([1.0, 2.0])).tolist()
    [[4.0, 1.0], [2.0, 5.0]]
    """
    _check_chunk_size(chunk_size, "jacrev")
    nums = _argnums_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any):
        inputs, tracked, nested = prepare(args, nums, "jacrev")
        with enable_grad():
            out, aux = _split_aux(func(*inputs, **kwargs), has_aux, "jacrev")
        outs, spec = _tensor_leaves(out, "jacrev", "output")
        flat_in = [t for group in tracked for t in group]
        jacs = [_nest(_rows(o, flat_in, nested), inputs, argnums, tracked) for o in outs]
        result = unflatten(jacs, spec)
        if not nested:
            result, aux = _detach_tree(result), _detach_tree(aux)
        return (result, aux) if has_aux else result

    return wrapped


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian of ``func`` with respect to the arguments in ``argnums``, by forward mode:
    ``func`` runs once per input element, with a basis vector as tangent. Inside another
    forward-mode transform (``jacfwd(jacfwd(f))``), whose tangents ember's dual tensors
    cannot nest, the inner Jacobian is taken by reverse mode (same values).

    >>> import ember
    >>> ember.func.jacfwd(lambda x: x.sum() * x)(ember.tensor([1.0, 2.0])).tolist()
    [[4.0, 1.0], [2.0, 5.0]]
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    nums = _argnums_tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any):
        if forward_ad.STATE.level:
            return jacrev(func, argnums, has_aux=has_aux)(*args, **kwargs)
        return _jacfwd(func, nums, argnums, has_aux, args, kwargs)

    return wrapped


def _jacfwd(func, nums, argnums, has_aux, args, kwargs):
    from ..ops import stack, zeros, zeros_like

    args = list(args)
    flat_in = []
    for i in nums:
        if not -len(args) <= i < len(args):
            raise ValueError(f"jacfwd: argnums {i} is out of range for {len(args)} arguments")
        flat_in.append(_tensor_leaves(args[i], "jacfwd", "argument leaf")[0])
    sizes = [x.numel() for group in flat_in for x in group]
    columns, first = [], None
    for column in range(max(sum(sizes), 1)):
        with forward_ad.dual_level():
            call_args, k = list(args), 0
            for i, group in zip(nums, flat_in):
                duals = []
                for x in group:
                    t = zeros(x.numel(), dtype=x.dtype, device=x.device)
                    if k <= column < k + x.numel():
                        t[column - k] = 1.0
                    duals.append(forward_ad.make_dual(x, t.reshape(x.shape)))
                    k += x.numel()
                call_args[i] = unflatten(duals, flatten(args[i])[1])
            out, aux = _split_aux(func(*call_args, **kwargs), has_aux, "jacfwd")
            outs, spec = _tensor_leaves(out, "jacfwd", "output")
            unpacked = [forward_ad.unpack_dual(o) for o in outs]
            columns.append([u.tangent if u.tangent is not None else zeros_like(u.primal)
                            for u in unpacked])
            first = first or (spec, aux, [u.primal for u in unpacked])
    spec, aux, primals = first
    jacs = []
    for n, o in enumerate(primals):
        whole = stack([c[n] for c in columns[:sum(sizes)]], dim=-1) if sum(sizes) else None
        pieces, start = [], 0
        for x in (x for group in flat_in for x in group):
            part = (zeros(*o.shape, *x.shape, dtype=o.dtype, device=o.device) if whole is None
                    else whole[..., start:start + x.numel()].reshape(*o.shape, *x.shape))
            pieces.append(part)
            start += x.numel()
        jacs.append(_nest(pieces, args, argnums, [list(g) for g in flat_in]))
    result = unflatten(jacs, spec)
    return (result, aux) if has_aux else result


def hessian(func: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian of ``func`` (which returns a scalar): ``jacfwd(jacrev(func))``.

    >>> import ember
    >>> ember.func.hessian(lambda x: (x ** 3).sum())(ember.tensor([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacfwd(jacrev(func, argnums), argnums)
