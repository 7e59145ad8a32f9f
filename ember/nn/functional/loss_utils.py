"""Helpers shared by the loss functions: the reduction argument (with PyTorch's legacy
``size_average``/``reduce`` flags), the reduction itself, and argument checks."""

from __future__ import annotations

import warnings
from typing import Any

from ... import dtypes as _dt
from ... import ops
from ...ops.elementwise import float_input
from ...tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def reduction_arg(op: str, size_average: bool | None, reduce: bool | None, reduction: str,
                  allowed: tuple = REDUCTIONS) -> str:
    """The reduction to use: the legacy flags win when given, as in PyTorch."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected "
                         f"one of {', '.join(repr(r) for r in allowed)})")
    return reduction


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def weighted_mean(total: Tensor, denom: Tensor) -> Tensor:
    """``total / denom``, the class losses' mean over the non-ignored targets: nan when
    ``denom`` is 0 (every target ignored), as in PyTorch, with a zero gradient, as PyTorch's
    backward gives (a plain division would give 0 * inf = nan gradients and poison the
    weights at the next optimizer step)."""
    empty = denom == 0
    nan = ops.where(empty, ops.full((), float("nan"), dtype=total.dtype),
                    ops.zeros((), dtype=total.dtype))
    return total / ops.where(empty, ops.ones_like(denom), denom) + nan


def tensor_arg(op: str, name: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    return value


def float_pair(op: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    """``input`` and ``target`` as float tensors of the promoted dtype."""
    tensor_arg(op, "input", input)
    tensor_arg(op, "target", target)
    x, t = float_input(op, input), float_input(op, target)
    if x.dtype is not t.dtype:
        dtype = _dt.promote_types(x.dtype, t.dtype)
        x, t = x.to(dtype), t.to(dtype)
    return x, t


def warn_if_broadcast(op: str, input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"{op}: using a target size ({tuple(target.shape)}) that is different to "
                      f"the input size ({tuple(input.shape)}); this will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)


def same_shape(op: str, input: Tensor, target: Tensor, what: str = "target") -> None:
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{op}: using a {what} size ({tuple(target.shape)}) that is different "
                         f"to the input size ({tuple(input.shape)}) is not supported; please "
                         "ensure they have the same size")


def check_weight(op: str, weight: Tensor | None, input: Tensor) -> None:
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{op}: weights and input must have the same size, got weight "
                         f"{tuple(weight.shape)} and input {tuple(input.shape)}")
