"""``functional_call``: run a module with some of its parameters and buffers replaced by
given tensors, as ``torch.func.functional_call`` (also ``torch.nn.utils.stateless``).

>>> import ember
>>> fc = ember.nn.Linear(2, 1)
>>> functional_call(fc, {"weight": ember.ones(1, 2), "bias": ember.zeros(1)},
...                 (ember.ones(1, 2),)).tolist()
[[2.0]]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ...tensor import Tensor
from ..module import Module

__all__ = ["functional_call"]

_ABSENT = object()


def _merge(dicts: Mapping | Sequence[Mapping]) -> dict[str, Tensor]:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    merged: dict[str, Tensor] = {}
    repeated = []
    for d in dicts:
        repeated += [k for k in d if k in merged]
        merged.update(d)
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                         "functional call is ambiguous")
    return merged


def _tied_groups(module: Module) -> list[list[str]]:
    """Names that hold the same tensor (tied weights), each group with 2+ names."""
    by_id: dict[int, list[str]] = {}
    for name, t in [*module.named_parameters(remove_duplicate=False),
                    *module.named_buffers(remove_duplicate=False)]:
        by_id.setdefault(id(t), []).append(name)
    return [names for names in by_id.values() if len(names) > 1]


def _untie(module: Module, values: dict[str, Tensor]) -> dict[str, Tensor]:
    values = dict(values)
    for names in _tied_groups(module):
        given = [n for n in names if n in values]
        if not given:
            continue
        if any(values[n] is not values[given[0]] for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {given}, which are "
                             "tied. Consider using tie_weights=False")
        values.update({n: values[given[0]] for n in names})
    return values


def _check_strict(module: Module, values: dict[str, Tensor]) -> None:
    names = [n for n, _ in module.named_parameters(remove_duplicate=False)] + \
        [n for n, _ in module.named_buffers(remove_duplicate=False)]
    missing = [n for n in names if n not in values]
    unexpected = [k for k in values if k not in names]
    errors = []
    if unexpected:
        errors.append("Unexpected key(s): {}.".format(", ".join(map(repr, unexpected))))
    if missing:
        errors.append("Missing key(s): {}.".format(", ".join(map(repr, missing))))
    if errors:
        raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
            module._get_name(), "\n\t".join(errors)))


@contextmanager
def _swapped(module: Module, values: dict[str, Tensor]) -> Iterator[None]:
    # Write straight into the stores, so a plain tensor may stand in for a Parameter (it
    # carries the caller's graph); put every original back however the call ends.
    saved = []
    try:
        for key, value in values.items():
            owner_path, _, attr = key.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            store = owner._parameters if attr in owner._parameters else \
                owner._buffers if attr in owner._buffers else owner.__dict__
            saved.append((store, attr, store.get(attr, _ABSENT)))
            store[attr] = value
        yield
    finally:
        for store, attr, old in reversed(saved):
            if old is _ABSENT:
                del store[attr]
            else:
                store[attr] = old


def functional_call(module: Module, parameter_and_buffer_dicts: Mapping | Sequence[Mapping],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """Call ``module(*args, **kwargs)`` with the named parameters and buffers replaced by
    the given tensors (names as in ``state_dict``; several dicts are merged and must not
    share keys). Gradients flow to the given tensors; the module is left unchanged.

    >>> import ember
    >>> fc = ember.nn.Linear(2, 1)
    >>> w = ember.ones(1, 2, requires_grad=True)
    >>> functional_call(fc, {"weight": w}, ember.ones(1, 2)).sum().backward()
    >>> w.grad.tolist()
    [[1.0, 1.0]]
    """
    values = _merge(parameter_and_buffer_dicts)
    if tie_weights:
        values = _untie(module, values)
    if strict:
        _check_strict(module, values)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, values):
        return module(*args, **(kwargs or {}))
