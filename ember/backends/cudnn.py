"""PyTorch's ``torch.backends.cudnn`` switches, so code that sets them runs unchanged.
ember does not use cuDNN: the flags are kept and read back, and change nothing.

>>> import ember
>>> ember.backends.cudnn.benchmark
False
>>> ember.backends.cudnn.is_available()
False
"""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: ember does not use cuDNN."""
    return False


def version() -> None:
    """None: ember does not use cuDNN."""
    return None
