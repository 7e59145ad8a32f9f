"""PyTorch's ``torch.backends.cuda`` switches, so script boilerplate such as
``ember.backends.cuda.matmul.allow_tf32 = True`` runs unchanged.

ember multiplies float32 matrices in full float32 precision (NumPy's or MKL's GEMM) and
has no cuBLAS backend yet, so these flags are recorded and read back and change no
result. As in PyTorch, ``matmul.allow_tf32`` is a view of the float32 matmul precision
(``ember.get_float32_matmul_precision``): ``True`` means "high", ``False`` "highest".

>>> import ember
>>> ember.backends.cuda.matmul.allow_tf32
False
>>> ember.backends.cuda.is_built()
False
"""

from __future__ import annotations

import warnings

_PRECISIONS = ("highest", "high", "medium")
_precision = "highest"  # PyTorch's default


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision ('highest', 'high' or 'medium'). An unknown
    name warns and changes nothing, as in PyTorch. ember's float32 matrix products are
    always computed in full float32 precision, whatever this says.

    >>> set_float32_matmul_precision("high"); get_float32_matmul_precision()
    'high'
    >>> set_float32_matmul_precision("highest")
    """
    global _precision
    if not isinstance(precision, str):
        raise RuntimeError("set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _precision = precision


def get_float32_matmul_precision() -> str:
    """The recorded float32 matmul precision (default 'highest').

    >>> get_float32_matmul_precision() in ("highest", "high", "medium")
    True
    """
    return _precision


def _check_bool(name: str, value: object, error: type[Exception] = TypeError) -> bool:
    if not isinstance(value, bool):
        raise error(f"{name} expects a bool, but got {type(value).__name__}")
    return value


class _CuBLASFlags:
    """``torch.backends.cuda.matmul``: the cuBLAS switches (recorded, no effect in ember).
    Unknown attributes raise AttributeError, as PyTorch's do, so a misspelt flag is caught.
    """

    __slots__ = ("_fp16_reduction", "_bf16_reduction")

    def __init__(self) -> None:
        self._fp16_reduction = True
        self._bf16_reduction = True

    @property
    def allow_tf32(self) -> bool:
        return _precision != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        if _check_bool("allow_tf32", value, RuntimeError) != self.allow_tf32:
            set_float32_matmul_precision("high" if value else "highest")

    @property
    def allow_fp16_reduced_precision_reduction(self) -> bool:
        return self._fp16_reduction

    @allow_fp16_reduced_precision_reduction.setter
    def allow_fp16_reduced_precision_reduction(self, value: bool) -> None:
        self._fp16_reduction = _check_bool("allow_fp16_reduced_precision_reduction", value)

    @property
    def allow_bf16_reduced_precision_reduction(self) -> bool:
        return self._bf16_reduction

    @allow_bf16_reduced_precision_reduction.setter
    def allow_bf16_reduced_precision_reduction(self, value: bool) -> None:
        self._bf16_reduction = _check_bool("allow_bf16_reduced_precision_reduction", value)

    def __setattr__(self, name: str, value: object) -> None:
        if name.startswith("_") or hasattr(type(self), name):
            object.__setattr__(self, name, value)
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = _CuBLASFlags()


def is_built() -> bool:
    """False: ember has no CUDA build of its own (a CuPy backend registers ``cuda``).

    >>> is_built()
    False
    """
    return False


__all__ = ["get_float32_matmul_precision", "is_built", "matmul", "set_float32_matmul_precision"]
