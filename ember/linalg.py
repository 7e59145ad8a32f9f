"""``ember.linalg``: norms, solves and decompositions, as in ``torch.linalg``.

The implementations live in ``ember/ops/decomp*.py`` (``cross`` in
``ember/ops/linalg_more.py``, ``matmul`` is ``ember.matmul``); this module is the public
namespace.
"""

from .ops.decomp import *  # noqa: F403
from .ops.decomp import __all__ as _decomp_all
from .ops.linalg import matmul
from .ops.linalg_more import linalg_cross as cross

__all__ = [*_decomp_all, "cross", "matmul"]
