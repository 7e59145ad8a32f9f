"""Keep glibc from returning large temporaries to the kernel after every op.

A training step allocates and frees the same large arrays (activations, im2col buffers,
gradients) every iteration. glibc serves blocks over its mmap threshold (128 KiB at start,
adapting up to 32 MiB only after such a block is freed) with a fresh ``mmap`` and gives
them back with ``munmap``, so every step pays the page faults of touching new memory
again; and it trims the heap's top as soon as 128 KiB are free there. Measured on the
benchmark CNN step (2 cores): 107 ms standalone, 62 ms with the thresholds raised, the
same as when PyTorch, which raises them as a side effect, runs in the same process first.

Raising the thresholds keeps freed blocks in the heap for reuse; peak memory does not
grow (blocks are reused, not added), but memory freed after a peak is returned to the
kernel later. Set ``EMBER_MALLOC_TUNING=0`` to leave glibc's settings alone; nothing is
changed either when the process already sets ``MALLOC_MMAP_THRESHOLD_`` or
``MALLOC_TRIM_THRESHOLD_`` itself, or on a C library other than glibc.

>>> isinstance(tune(), bool)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 256 << 20

_tuned: bool | None = None


def tune() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; True if they are raised."""
    global _tuned
    if _tuned is None:
        _tuned = _apply()
    return _tuned


def _apply() -> bool:
    if os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (and mallopt's meaning)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
