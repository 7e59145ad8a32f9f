"""PyTorch's ``torch.backends.mps`` queries: ember has no Metal (Apple GPU) backend.

>>> import ember
>>> ember.backends.mps.is_available()
False
"""

from __future__ import annotations


def is_available() -> bool:
    """False: ember has no Metal backend."""
    return False


def is_built() -> bool:
    """False: ember has no Metal backend."""
    return False
