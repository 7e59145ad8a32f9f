"""The op library. Each family module registers its primitives and binds Tensor methods;
this package re-exports their public functions."""

from . import conversion, creation, elementwise, inplace, reduction, shape
from .conversion import *  # noqa: F403
from .creation import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .reduction import *  # noqa: F403
from .registry import REGISTRY, defop
from .shape import *  # noqa: F403

__all__ = (["REGISTRY", "defop"] + conversion.__all__ + creation.__all__ + elementwise.__all__ + reduction.__all__
           + shape.__all__)
