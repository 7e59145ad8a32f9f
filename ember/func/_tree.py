"""Nested tuples, lists and dicts of tensors ("pytrees"), flattened to a list of leaves and
rebuilt, as the function transforms need for arguments and outputs.

>>> leaves, spec = flatten({"a": (1, 2), "b": [3]})
>>> leaves
[1, 2, 3]
>>> unflatten([4, 5, 6], spec)
{'a': (4, 5), 'b': [6]}
"""

from __future__ import annotations

from typing import Any


class Spec:
    """The shape of a pytree: ``kind`` is "leaf", "tuple", "list" or "dict"."""

    __slots__ = ("kind", "cls", "keys", "children")

    def __init__(self, kind: str, cls: type | None = None, keys: tuple = (),
                 children: tuple = ()) -> None:
        self.kind, self.cls, self.keys, self.children = kind, cls, keys, children

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind == "leaf" else sum(c.num_leaves for c in self.children)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Spec) and self.kind == other.kind and self.keys == other.keys
                and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(repr(c) for c in self.children)
        return f"({inner},)" if self.kind == "tuple" else f"[{inner}]"


def flatten(tree: Any) -> tuple[list, Spec]:
    """The leaves of ``tree`` in order, and its spec."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> Spec:
    if isinstance(tree, tuple):
        return Spec("tuple", type(tree), (), tuple(_flatten(t, leaves) for t in tree))
    if isinstance(tree, list):
        return Spec("list", list, (), tuple(_flatten(t, leaves) for t in tree))
    if isinstance(tree, dict):
        keys = tuple(tree)
        return Spec("dict", type(tree), keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return Spec("leaf")


def unflatten(leaves: list, spec: Spec) -> Any:
    """Rebuild the tree of ``spec`` from ``leaves``."""
    it = iter(leaves)
    return _build(it, spec)


def _build(it, spec: Spec) -> Any:
    if spec.kind == "leaf":
        return next(it)
    children = [_build(it, c) for c in spec.children]
    if spec.kind == "dict":
        return spec.cls(zip(spec.keys, children))
    if spec.kind == "tuple" and spec.cls is not tuple:  # a namedtuple
        return spec.cls(*children)
    return spec.cls(children)


def map_leaves(fn, tree: Any) -> Any:
    """``tree`` with every leaf replaced by ``fn(leaf)``."""
    leaves, spec = flatten(tree)
    return unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix: Any, tree: Any, what: str) -> list:
    """One value of ``prefix`` per leaf of ``tree``: ``prefix`` is a tree whose leaves
    (ints or None) stand for whole subtrees of ``tree`` (as ``in_dims`` of vmap)."""
    out: list = []
    _broadcast(prefix, tree, out, what)
    return out


def _broadcast(prefix: Any, tree: Any, out: list, what: str) -> None:
    if prefix is None or isinstance(prefix, int):
        out.extend([prefix] * flatten(tree)[1].num_leaves)
        return
    same = ((isinstance(prefix, (tuple, list)) and isinstance(tree, (tuple, list))
             and len(prefix) == len(tree))
            or (isinstance(prefix, dict) and isinstance(tree, dict)
                and set(prefix) == set(tree)))
    if not same:
        raise ValueError(f"{what} is not compatible with the structure of the values: it has "
                         f"structure {flatten(prefix)[1]!r} but the values have structure "
                         f"{flatten(tree)[1]!r}")
    keys = list(tree) if isinstance(tree, dict) else range(len(tree))
    for k in keys:
        _broadcast(prefix[k], tree[k], out, what)
