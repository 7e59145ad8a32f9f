"""``ember.nn``: modules, parameters, initialisation and the functional API, as in
``torch.nn``."""

from . import functional, init, utils
from .containers import *  # noqa: F403
from .module import *  # noqa: F403
from .modules import *  # noqa: F403
from .parameter import *  # noqa: F403
