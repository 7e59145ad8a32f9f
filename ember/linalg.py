"""``ember.linalg``: norms, solves and decompositions, as in ``torch.linalg``.

The implementations live in ``ember/ops/decomp.py``; this module is the public namespace.
"""

from .ops.decomp import *  # noqa: F403
from .ops.decomp import __all__  # noqa: F401
