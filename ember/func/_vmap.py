"""``vmap`` with the semantics of ``torch.vmap``, implemented by a Python loop.

>>> import ember
>>> ember.vmap(lambda row: row.sum())(ember.ones(3, 2)).tolist()
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from ._tree import broadcast_prefix, flatten, unflatten


def _fn_name(func: Callable) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _check_in_dims(in_dims: Any, args: tuple, where: str) -> list:
    """One in_dim (an int or None) per leaf of ``args``, checked against the leaves."""
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) "
                         f"tuple matching the structure of inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`: "
                         f"in_dims has {len(in_dims)} entries but there are {len(args)} "
                         "inputs.")
    leaves = flatten(args)[0]
    dims = broadcast_prefix(in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args),
                            args, f"{where}: in_dims")
    for leaf, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(d, int):
            raise ValueError(f"{where}: in_dims must be ints or None, got {type(d)}")
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(leaf)}. We cannot vmap over non-Tensor arguments, please "
                             "use None as the respective in_dim")
        if not -leaf.dim() <= d < leaf.dim():
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {leaf.dim()} so expected in_dim to "
                             f"satisfy -{leaf.dim()} <= in_dim < {leaf.dim()}.")
    return dims


def _batch_size(leaves: list, dims: list, where: str) -> int:
    sizes = [leaf.shape[d] for leaf, d in zip(leaves, dims) if d is not None]
    if not sizes:
        raise ValueError(f"{where}: at least one input must be batched (an in_dim that is not "
                         "None for a Tensor input)")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise ValueError(f"{where}: the mapped dimension has size 0; this loop-based vmap "
                         "needs at least one element to learn the output structure")
    return sizes[0]


def _stack_outputs(results: list, out_dims: Any, name: str) -> Any:
    from ..ops import stack

    leaves0, spec = flatten(results[0])
    per_call = [flatten(r)[0] for r in results]
    where = f"vmap({name}, ...)"
    dims = broadcast_prefix(out_dims, results[0], f"{where}: out_dims")
    stacked = []
    for k, (leaf, d) in enumerate(zip(leaves0, dims)):
        if d is None:
            stacked.append(leaf)  # not mapped: the value of the first call, as an unbatched one
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: `{name}` must only return "
                             f"Tensors, got type {type(leaf)}. Did you mean to set out_dims= "
                             "to None for output?")
        stacked.append(stack([leaves[k] for leaves in per_call], dim=d))
    return unflatten(stacked, spec)


def _rng_state():
    from ..ops.random import default_generator

    return default_generator.get_state()


def vmap(func: Callable, in_dims: int | tuple = 0, out_dims: int | tuple = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable:
    """Map ``func`` over dimension ``in_dims`` of its inputs and stack the results along
    ``out_dims``, as ``torch.vmap``.

    ``in_dims`` is an int for every input, or a tuple with one entry per positional
    argument: an int (also negative) or None (not mapped), or a nested tuple/list/dict
    matching that argument. Keyword arguments are not mapped. ``out_dims`` is an int or a
    tree of ints/None over the outputs. Gradients flow through the result.

    This vmap loops in Python: ``func`` runs once per batch element, on slices, so it costs
    what the loop costs (``chunk_size`` is accepted and has no effect). With
    ``randomness="error"`` a call of ``func`` that draws from the default generator raises;
    ``"different"`` gives each element fresh numbers, ``"same"`` the same numbers for all.

    >>> import ember
    >>> x, y = ember.tensor([[1.0, 2.0], [3.0, 4.0]]), ember.tensor([10.0, 20.0])
    >>> ember.vmap(lambda a, b: a * b, in_dims=(1, None))(x, y).tolist()
    [[10.0, 60.0], [20.0, 80.0]]
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        where = f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
        dims = _check_in_dims(in_dims, args, where)
        leaves, spec = flatten(args)
        size = _batch_size(leaves, dims, where)
        results, state = [], _rng_state()
        for b in range(size):
            if randomness == "same" and b:
                _set_rng_state(state)
            sliced = [leaf if d is None else leaf.select(d, b) for leaf, d in zip(leaves, dims)]
            results.append(func(*unflatten(sliced, spec), **kwargs))
            if randomness == "error" and b == 0 and not _same_state(state, _rng_state()):
                raise RuntimeError("vmap: called random operation while in randomness error "
                                   "mode. Please either use the 'same' or 'different' "
                                   "randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        return _stack_outputs(results, out_dims, _fn_name(func))

    return wrapped


def _set_rng_state(state) -> None:
    from ..ops.random import default_generator

    default_generator.set_state(state)


def _same_state(a, b) -> bool:
    return a.tolist() == b.tolist()
