"""PyTorch's ``torch.testing``: :func:`assert_close` and :func:`make_tensor`, so test
suites ported from PyTorch run unchanged.

>>> import ember
>>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
"""

from __future__ import annotations

from ._compare import assert_close
from ._make import make_tensor

__all__ = ["assert_close", "make_tensor"]
