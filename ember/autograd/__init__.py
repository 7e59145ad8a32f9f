"""Automatic differentiation: the engine, modes, custom Functions and transforms."""

import sys as _sys

from . import _gradcheck, forward_ad, functional
from ._gradcheck import GradcheckError, gradcheck, gradgradcheck
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .variable import Variable

# PyTorch's module path: `from torch.autograd.gradcheck import GradcheckError`. The module is
# registered under that name while the attribute stays the function, as in PyTorch.
_sys.modules[__name__ + ".gradcheck"] = _gradcheck

__all__ = [
    "Function", "FunctionCtx", "GradcheckError", "Variable", "backward", "detect_anomaly",
    "enable_grad", "forward_ad", "functional", "grad", "gradcheck", "gradgradcheck",
    "inference_mode", "is_anomaly_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "no_grad", "set_detect_anomaly", "set_grad_enabled",
]
