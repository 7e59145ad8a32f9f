"""``skip_init``: build a module without running its parameter initialisation, as
``torch.nn.utils.skip_init``.

>>> import ember
>>> m = skip_init(ember.nn.Linear, 5, 1)
>>> tuple(m.weight.shape)
(1, 5)
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import init as _init
from ..module import Module

__all__ = ["skip_init"]

_LOCK = threading.Lock()


def _leave_as_is(tensor: Any, *args: Any, **kwargs: Any) -> Any:
    return tensor


@contextmanager
def _initializers_disabled() -> Iterator[None]:
    # PyTorch builds on the meta device and allocates afterwards; ember has no meta device,
    # so the in-place initialisers of ember.nn.init (which layers call through the module
    # attribute) leave their tensor as allocated while the module is built. The lock keeps
    # two skip_init calls apart; a module built meanwhile in another thread would be
    # skipped too, so skip_init is not meant for concurrent construction.
    names = [n for n in _init.__all__ if n.endswith("_")]
    with _LOCK:
        saved = {n: getattr(_init, n) for n in names}
        try:
            for n in names:
                setattr(_init, n, _leave_as_is)
            yield
        finally:
            for n, fn in saved.items():
                setattr(_init, n, fn)


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """Instantiate ``module_cls(*args, **kwargs)`` with its parameters and buffers left
    uninitialised (their values are whatever was allocated); the class must take a
    ``device`` argument, as PyTorch requires.

    >>> import ember
    >>> m = skip_init(ember.nn.Conv2d, 2, 3, 3)
    >>> tuple(m.weight.shape)
    (3, 2, 3, 3)
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"skip_init: expected a Module class; got {module_cls!r}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError(f"skip_init: Module must support a 'device' arg to skip "
                           f"initialization ({module_cls.__name__} has none)")
    kwargs.setdefault("device", "cpu")
    with _initializers_disabled():
        return module_cls(*args, **kwargs)
