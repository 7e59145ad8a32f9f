"""The op library. Each family module registers its primitives and binds Tensor methods;
this package re-exports their public functions."""

from . import creation, elementwise, reduction, shape
from .creation import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .reduction import *  # noqa: F403
from .registry import REGISTRY, defop
from .shape import *  # noqa: F403

__all__ = (["REGISTRY", "defop"] + creation.__all__ + elementwise.__all__ + reduction.__all__
           + shape.__all__)
