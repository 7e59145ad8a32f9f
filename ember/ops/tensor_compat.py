"""PyTorch's small tensor queries and the complex-number API on real tensors.

ember has no complex dtypes, yet PyTorch code calls ``conj``, ``real``, ``angle``, ... on
real data (often through generic code written for both). For a real tensor these are what
PyTorch returns: ``conj``/``resolve_conj``/``resolve_neg``/``conj_physical``/``real`` give
the tensor itself, ``imag`` raises, ``isreal`` is all true and ``angle`` is 0 or pi.

>>> import ember
>>> x = ember.tensor([-2.0, 3.0], dtype=ember.float64)
>>> x.conj() is x, x.is_conj(), ember.angle(x).tolist()
(True, False, [3.141592653589793, 0.0])
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _legacy_new
from ._common import bind_methods, to_float
from .creation import zeros_like
from .registry import defop
from .shape import transpose
from .tensor_query import _tensor_arg, is_complex, is_nonzero


# ----------------------------------------------------------------------------- queries
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether two tensors have the same shape.

    >>> import ember
    >>> ember.is_same_size(ember.ones(2, 3), ember.zeros(2, 3))
    True
    """
    _tensor_arg("is_same_size", input)
    if not isinstance(other, Tensor):
        raise TypeError(f"is_same_size(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    return input.shape == other.shape


def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype holds negative values (False for ``bool`` and ``uint8``).

    >>> import ember
    >>> ember.is_signed(ember.ones(2)), ember.is_signed(ember.ones(2, dtype=ember.uint8))
    (True, False)
    """
    return _tensor_arg("is_signed", input).dtype.is_signed


def is_inference(input: Tensor) -> bool:
    """Whether ``input`` is an inference tensor: always False, since ember's
    ``inference_mode`` only turns off recording and makes ordinary tensors.

    >>> import ember
    >>> ember.is_inference(ember.ones(2))
    False
    """
    _tensor_arg("is_inference", input)
    return False


def get_device(input: Tensor) -> int:
    """The index of ``input``'s GPU, or -1 for a CPU tensor.

    >>> import ember
    >>> ember.ones(2).get_device()
    -1
    """
    device = _tensor_arg("get_device", input).device
    return -1 if device.type == "cpu" else (device.index or 0)


def typename(obj: Any) -> str:
    """The type name of ``obj``: ``"ember.FloatTensor"`` and the like for a tensor
    (``Tensor.type()``), else the qualified name of its class or of itself.

    >>> import ember
    >>> ember.typename(ember.ones(2)), ember.typename(1)
    ('ember.FloatTensor', 'int')
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """PyTorch's legacy ``Tensor.new``: the legacy constructor (``Tensor(...)``) with this
    tensor's dtype and device: sizes give zeros, data is converted.

    >>> import ember
    >>> x = ember.ones(2, dtype=ember.int32)
    >>> x.new(2, 3).shape, x.new([1.7, 2.0]).tolist(), x.new([1]).dtype
    (ember.Size([2, 3]), [1, 2], ember.int32)
    """
    return _legacy_new("new", args, self.dtype, self.device if device is None else device)


# ----------------------------------------------------------------------------- views
def positive(input: Tensor) -> Tensor:
    """``input`` itself (unary plus); bool tensors are refused, as in PyTorch.

    >>> import ember
    >>> x = ember.tensor([-1.0, 2.0])
    >>> ember.positive(x) is x
    True
    """
    if _tensor_arg("positive", input).dtype == _dt.bool_:
        raise RuntimeError("positive: the `+` operator, on a bool tensor is not supported "
                           f"(got shape {tuple(input.shape)}); use logical ops instead")
    return input


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions: for real data the transpose view.

    >>> import ember
    >>> ember.ones(2, 3).adjoint().shape
    ember.Size([3, 2])
    """
    if _tensor_arg("adjoint", input).ndim < 2:
        raise RuntimeError("adjoint: tensor.adjoint() is only supported on matrices or "
                           f"batches of matrices. Got {input.ndim}-D tensor (shape "
                           f"{tuple(input.shape)})")
    return transpose(input, -2, -1)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: ``input`` itself for real data (as PyTorch returns it).

    >>> import ember
    >>> x = ember.ones(2)
    >>> ember.conj(x) is x, ember.resolve_conj(x) is x, ember.resolve_neg(x) is x
    (True, True, True)
    """
    return _tensor_arg("conj", input)


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` with a lazy conjugation applied: itself, since ember never defers one.

    >>> import ember
    >>> x = ember.ones(2)
    >>> x.resolve_conj() is x
    True
    """
    return _tensor_arg("resolve_conj", input)


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` with a lazy negation applied: itself, since ember never defers one.

    >>> import ember
    >>> x = ember.ones(2)
    >>> x.resolve_neg() is x
    True
    """
    return _tensor_arg("resolve_neg", input)


def conj_physical(input: Tensor) -> Tensor:
    """The conjugate, materialised: ``input`` itself for real data, as in PyTorch.

    >>> import ember
    >>> x = ember.ones(2)
    >>> ember.conj_physical(x) is x, ember.conj_physical_(x) is x
    (True, True)
    """
    return _tensor_arg("conj_physical", input)


def conj_physical_(input: Tensor) -> Tensor:
    """In-place ``conj_physical``: nothing to do for real data.

    >>> import ember
    >>> x = ember.ones(2)
    >>> x.conj_physical_() is x
    True
    """
    return _tensor_arg("conj_physical_", input)


def is_conj(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy conjugation: never in ember.

    >>> import ember
    >>> ember.is_conj(ember.ones(2)), ember.is_neg(ember.ones(2))
    (False, False)
    """
    _tensor_arg("is_conj", input)
    return False


def is_neg(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy negation: never in ember.

    >>> import ember
    >>> ember.ones(2).is_neg()
    False
    """
    _tensor_arg("is_neg", input)
    return False


def real(input: Tensor) -> Tensor:
    """The real part: ``input`` itself for real data.

    >>> import ember
    >>> x = ember.ones(2)
    >>> ember.real(x) is x, x.real is x
    (True, True)
    """
    return _tensor_arg("real", input)


def imag(input: Tensor) -> Tensor:
    """The imaginary part, which real tensors lack: PyTorch raises, and so does ember.

    >>> import ember
    >>> ember.imag(ember.ones(2))
    Traceback (most recent call last):
    RuntimeError: imag is not implemented for tensors with non-complex dtypes (got float32, ...
    """
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes (got "
                       f"{_tensor_arg('imag', input).dtype.name}, shape {tuple(input.shape)}).")


def isreal(input: Tensor) -> Tensor:
    """Whether each element is real (has a zero imaginary part): all true for real data.

    >>> import ember
    >>> ember.isreal(ember.tensor([1.0, float("nan")])).tolist()
    [True, True]
    """
    from .creation import ones_like

    return ones_like(_tensor_arg("isreal", input), dtype=_dt.bool_)


@defop("angle")
def _angle(ctx, x):
    # pi for negative numbers, 0 otherwise; NaN stays NaN (x * 0 is NaN only there and at
    # infinities, which `where` handles first)
    xp = ctx.xp
    return xp.where(x < 0, xp.asarray(math.pi, dtype=x.dtype),
                    xp.where(xp.isnan(x), x, xp.zeros((), dtype=x.dtype)))


# the angle of a real number is locally constant, and PyTorch's gradient is zero even at 0
# and NaN
@_angle.def_backward
def _(ctx, g):
    return (zeros_like(g),)


@_angle.def_jvp
def _(ctx, tangents):
    return zeros_like(tangents[0])


def angle(input: Tensor) -> Tensor:
    """The argument of each element: pi for negative numbers, 0 for others (NaN stays NaN);
    integer and bool inputs give the default float dtype. The gradient is zero.

    >>> import ember
    >>> ember.angle(ember.tensor([-1, 0, 5]))
    tensor([3.1416, 0.0000, 0.0000])
    """
    return _angle(to_float(_tensor_arg("angle", input)))


def _real_property(self: Tensor) -> Tensor:
    return self


def _imag_property(self: Tensor) -> Tensor:
    return imag(self)


bind_methods(
    is_same_size=is_same_size, is_signed=is_signed, is_inference=is_inference,
    is_nonzero=is_nonzero, is_complex=is_complex, get_device=get_device, new=new,
    positive=positive, adjoint=adjoint, conj=conj, resolve_conj=resolve_conj,
    resolve_neg=resolve_neg, conj_physical=conj_physical, conj_physical_=conj_physical_,
    is_conj=is_conj, is_neg=is_neg, isreal=isreal, angle=angle,
    real=property(_real_property), imag=property(_imag_property),
)

__all__ = ["is_same_size", "is_signed", "is_inference", "get_device", "typename", "positive",
           "adjoint", "conj", "resolve_conj", "resolve_neg", "conj_physical", "conj_physical_",
           "is_conj", "is_neg", "real", "imag", "isreal", "angle"]
