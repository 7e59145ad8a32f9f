"""Tensor contractions: einsum, tensordot and kron (part of the linear-algebra family).

The public ``einsum`` turns PyTorch's equation (ellipsis, implicit output, size-1
broadcasting) into an explicit one over exact sizes, so the primitive only ever sees
``"ab,bc->ac"``-style equations; its backward is again an einsum, so it is twice
differentiable.

>>> import ember
>>> ember.einsum("ij,j->i", ember.ones(2, 3), ember.tensor([1.0, 2.0, 3.0])).tolist()
[6.0, 6.0]
"""

from __future__ import annotations

import string
from typing import Any

from ..backends import backend_of
from ..tensor import Tensor, _make
from ._common import bind_methods, normalize_dim
from .registry import defop

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's label order


# ----------------------------------------------------------------------------- primitives
# Two primitives, one- and two-operand, so each saves exactly its operands; longer
# contractions go pairwise (as PyTorch does), which is also what keeps each step a GEMM.
@defop("einsum_unary", save=(0,))
def _einsum1(ctx, x, *, equation):
    return ctx.xp.einsum(equation, x)


@defop("einsum", save=(0, 1), save_read_by={0: (1,), 1: (0,)})
def _einsum2(ctx, a, b, *, equation):
    return ctx.xp.einsum(equation, a, b, optimize=True)


def _split(equation: str) -> tuple[list[str], str]:
    ins, out = equation.split("->")
    return ins.split(","), out


def _contract(operands: list, terms: list[str], out: str) -> Tensor:
    """Contract ``operands`` (exact sizes, explicit ``terms`` and ``out``) left to right,
    keeping after each step only the labels that a later operand or the output needs."""
    cur, cur_term = operands[0], terms[0]
    for j in range(1, len(operands)):
        later = set(out).union(*terms[j + 1:])
        labels = dict.fromkeys(cur_term + terms[j])
        new_term = "".join(label for label in labels if label in later)
        cur = _einsum2(cur, operands[j], equation=f"{cur_term},{terms[j]}->{new_term}")
        cur_term = new_term
    if cur_term != out:
        cur = _einsum1(cur, equation=f"{cur_term}->{out}")
    return cur


def _fresh(used: set[str]) -> str:
    letter = next(c for c in _LETTERS if c not in used)
    used.add(letter)
    return letter


def _eye(like: Tensor, n: int) -> Tensor:
    xp = backend_of(like._data).xp
    return _make(xp.eye(n, dtype=like._data.dtype))


def _operand_grad(g: Tensor, operands: list, terms: list[str], out: str, i: int) -> Tensor:
    """The gradient of operand ``i``: an einsum of ``g`` with the other operands.

    A label repeated inside operand ``i`` (a diagonal, ``"ii"``) gets a fresh label tied to
    the first by an identity matrix; a label that only operand ``i`` has (summed there) is
    broadcast back with ``expand``.
    """
    term, shape = terms[i], operands[i].shape
    used = set("".join(terms) + out)
    renamed, eyes, seen = [], [], set()
    for label, size in zip(term, shape):
        if label in seen:
            new = _fresh(used)
            eyes.append((label + new, size))
            renamed.append(new)
        else:
            seen.add(label)
            renamed.append(label)
    ins = [out] + [t for j, t in enumerate(terms) if j != i] + [e for e, _ in eyes]
    available = set().union(*ins)
    target = "".join(label for label in renamed if label in available)
    args = [g] + [x for j, x in enumerate(operands) if j != i] + [_eye(g, n) for _, n in eyes]
    grad = _contract(args, ins, target)
    if len(target) != len(renamed):
        kept = iter(grad.shape)
        grad = grad.reshape(tuple(next(kept) if label in available else 1 for label in renamed))
        grad = grad.expand(*shape)
    return grad


def _backward(ctx, g, equation):
    terms, out = _split(equation)
    operands = list(ctx.saved)
    return tuple(_operand_grad(g, operands, terms, out, i) if need else None
                 for i, need in enumerate(ctx.needs_input_grad))


def _jvp(ctx, tangents, equation):
    op = _einsum1 if len(tangents) == 1 else _einsum2
    out = None
    for i, t in enumerate(tangents):
        if t is not None:
            term = op(*(t if j == i else x for j, x in enumerate(ctx.inputs)), equation=equation)
            out = term if out is None else out + term
    return out


for _op in (_einsum1, _einsum2):
    _op.def_backward(lambda ctx, g, *, equation: _backward(ctx, g, equation))
    _op.def_jvp(lambda ctx, tangents, *, equation: _jvp(ctx, tangents, equation))


# ----------------------------------------------------------------------------- einsum
def _parse(equation: str, operands: list) -> tuple[list[str], str]:
    """Explicit per-operand terms and output, with each ellipsis spelled out in fresh labels
    (right-aligned, so operands broadcast over it)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        which = "more" if len(operands) > len(terms) else "fewer"
        raise ValueError(f"einsum: {which} operands ({len(operands)}) were provided than "
                         f"specified in the equation '{equation}' ({len(terms)})")
    for part in terms + [rhs]:
        bad = set(part.replace("...", "")) - set(_LETTERS)
        if bad or part.count("...") > 1:
            raise ValueError(f"einsum: invalid subscript(s) {sorted(bad) or part!r} in "
                             f"'{equation}'; expected letters and at most one '...' per term")
    ell = 0
    for i, (term, x) in enumerate(zip(terms, operands)):
        named = len(term.replace("...", ""))
        if ("..." in term and x.ndim < named) or ("..." not in term and x.ndim != named):
            raise ValueError(
                f"einsum: the number of subscripts in '{term}' ({named}) does not match the "
                f"number of dimensions ({x.ndim}) of operand {i} (shape {tuple(x.shape)})"
                + ("" if "..." in term else " and no ellipsis was given"))
        if "..." in term:
            ell = max(ell, x.ndim - named)
    used = set(eq)
    ell_labels = "".join(_fresh(used) for _ in range(ell))
    terms = [t.replace("...", ell_labels[ell - (x.ndim - len(t) + 3):] if ell else "")
             if "..." in t else t for t, x in zip(terms, operands)]
    if arrow:
        out = rhs.replace("...", ell_labels)
        for label in out:
            if out.count(label) > 1 or not any(label in t for t in terms):
                raise ValueError(f"einsum: output subscript {label!r} in '{equation}' "
                                 "appears more than once or in no input")
    else:  # implicit: the ellipsis, then labels seen once, in alphabetical order
        joined = "".join(terms)
        out = ell_labels + "".join(sorted(c for c in set(joined) - set(ell_labels)
                                          if joined.count(c) == 1))
    return terms, out


def _label_sizes(equation: str, terms: list[str], operands: list) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(terms, operands)):
        for label, size in zip(term, x.shape):
            seen = sizes.get(label, 1)
            if size != 1 and seen != 1 and size != seen:
                raise RuntimeError(
                    f"einsum: subscript {label} has size {size} for operand {i} (shape "
                    f"{tuple(x.shape)}) which does not broadcast with previously seen size "
                    f"{seen} in '{equation}'")
            sizes[label] = size if size != 1 else seen
    return sizes


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the labels of ``equation``, in PyTorch's notation.

    Supports ``...`` (broadcast dims), implicit output (labels seen once, sorted) and
    size-1 broadcasting; operands may also be given as one list.

    >>> import ember
    >>> a, b = ember.ones(5, 2, 3), ember.ones(5, 3, 4)
    >>> ember.einsum("...ij,...jk", a, b).shape
    ember.Size([5, 2, 4])
    >>> ember.einsum("ii", ember.eye(3)).item()
    3.0
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if not operands or not all(isinstance(x, Tensor) for x in operands):
        raise TypeError("einsum: expected one or more Tensor operands, got "
                        + ", ".join(type(x).__name__ for x in operands))
    dtypes = {x.dtype for x in operands}
    if len(dtypes) > 1:
        raise RuntimeError("einsum: expected all operands to have the same dtype, got "
                           + ", ".join(x.dtype.name for x in operands))
    operands = list(operands)
    terms, out = _parse(equation, operands)
    sizes = _label_sizes(equation, terms, operands)
    for i, (term, x) in enumerate(zip(terms, operands)):
        full = tuple(sizes[label] for label in term)
        if full != x.shape:  # size-1 broadcasting: a view, summed back in its backward
            operands[i] = x.expand(*full)
    if len(operands) == 1 and terms[0] == out:  # a new tensor object, as PyTorch gives
        return _einsum1(operands[0], equation=f"{out}->{out}")
    return _contract(operands, terms, out)


# ----------------------------------------------------------------------------- tensordot, kron
def _tensordot_dims(a: Tensor, b: Tensor, dims: Any) -> tuple[list[int], list[int]]:
    if isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: dims must be in [0, {min(a.ndim, b.ndim)}] for "
                               f"shapes {tuple(a.shape)} and {tuple(b.shape)}, got {dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got {dims!r}")
    da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got "
                           f"{da} and {db}")
    return ([normalize_dim("tensordot", d, a.ndim) for d in da],
            [normalize_dim("tensordot", d, b.ndim) for d in db])


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract ``dims`` (the last/first ``dims`` dims, or two lists of dims) of ``a`` and ``b``.

    >>> import ember
    >>> ember.tensordot(ember.ones(2, 3, 4), ember.ones(4, 3, 5), dims=([1, 2], [1, 0])).shape
    ember.Size([2, 5])
    """
    da, db = _tensordot_dims(a, b, dims)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has size "
                f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in dim {j} (shapes "
                f"{tuple(a.shape)} and {tuple(b.shape)})")
    labels = iter(_LETTERS)
    ta = [next(labels) for _ in range(a.ndim)]
    tb = [next(labels) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out = [ta[i] for i in range(a.ndim) if i not in da] + \
        [tb[j] for j in range(b.ndim) if j not in db]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", a, b)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product; the operand with fewer dims gets leading 1s.

    >>> import ember
    >>> ember.kron(ember.eye(2), ember.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0]]
    """
    for x in (input, other):
        if not isinstance(x, Tensor):
            raise TypeError(f"kron: expected Tensor operands, got {type(x).__name__}")
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    # Interleave the dims (a1, 1, a2, 1, ...) * (1, b1, 1, b2, ...): a broadcast product.
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


bind_methods(kron=kron)

__all__ = ["einsum", "tensordot", "kron"]
