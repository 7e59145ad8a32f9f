"""The layer classes of ``ember.nn``; each family module lists its classes in ``__all__``."""

from . import (
               activation,
               adaptive,
               attention,
               conv,
               dropout,
               lazy,
               linear,
               loss,
               misc,
               normalization,
               pooling,
               resample,
               rnn,
               sparse,
               transformer,
)

__all__ = [
    name
    for family in (activation, adaptive, attention, conv, dropout, lazy, linear, loss, misc,
                   normalization, pooling, resample, rnn, sparse, transformer)
    for name in family.__all__
]

from .activation import *  # noqa: E402, F403
from .adaptive import *  # noqa: E402, F403
from .attention import *  # noqa: E402, F403
from .conv import *  # noqa: E402, F403
from .dropout import *  # noqa: E402, F403
from .lazy import *  # noqa: E402, F403
from .linear import *  # noqa: E402, F403
from .loss import *  # noqa: E402, F403
from .misc import *  # noqa: E402, F403
from .normalization import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403
from .resample import *  # noqa: E402, F403
from .rnn import *  # noqa: E402, F403
from .sparse import *  # noqa: E402, F403
from .transformer import *  # noqa: E402, F403
