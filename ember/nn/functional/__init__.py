"""``ember.nn.functional``: the stateless layer functions, as in ``torch.nn.functional``.

Each family lives in its own module; this package re-exports their ``__all__``.
"""

from . import (
    activation,
    attention,
    conv,
    dropout,
    linear,
    loss,
    normalization,
    pooling,
    resample,
    rnn,
    sampling,
)

__all__ = [
    name
    for family in (activation, attention, conv, dropout, linear, loss, normalization, pooling,
                   resample, rnn, sampling)
    for name in family.__all__
]

from .. import grad  # noqa: E402 - torch.nn.functional.grad is the torch.nn.grad module
from .activation import *  # noqa: E402, F403
from .attention import *  # noqa: E402, F403
from .conv import *  # noqa: E402, F403
from .dropout import *  # noqa: E402, F403
from .linear import *  # noqa: E402, F403
from .loss import *  # noqa: E402, F403
from .normalization import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403
from .resample import *  # noqa: E402, F403
from .rnn import *  # noqa: E402, F403
from .sampling import *  # noqa: E402, F403
