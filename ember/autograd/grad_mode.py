"""Gradient-recording modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``. Each works as a context manager and as a decorator.

>>> import ember
>>> x = ember.ones(2, requires_grad=True)
>>> with ember.no_grad():
...     y = x * 2
>>> y.requires_grad
False
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """Whether ops record a graph for backward right now."""
    return STATE.grad_enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _GradMode:
    """Base for the mode objects: a context manager that can also decorate functions."""

    enabled: bool = True

    def __enter__(self) -> None:
        self._prev = (STATE.grad_enabled, STATE.inference)
        STATE.grad_enabled = self.enabled
        STATE.inference = self._inference()

    def __exit__(self, *exc: Any) -> None:
        STATE.grad_enabled, STATE.inference = self._prev

    def _inference(self) -> bool:
        return STATE.inference

    def __call__(self, fn: Callable) -> Callable:
        """Decorate ``fn``: a fresh mode object wraps each call (so calls can nest), and for a
        generator function each resumption, as in PyTorch."""
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self.__class__(*self._args()):
                    value = gen.send(None)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        with self.__class__(*self._args()):
                            gen.close()
                        raise
                    except BaseException as exc:
                        with self.__class__(*self._args()):
                            value = gen.throw(exc)
                    else:
                        with self.__class__(*self._args()):
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper

    def _args(self) -> tuple:
        return ()


class _NoArgMode(_GradMode):
    """A mode that also decorates without parentheses: ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, fn: Callable | None = None):
        if fn is None:
            return super().__new__(cls)
        return cls()(fn)


class no_grad(_NoArgMode):
    """Turn off graph recording: ops produce tensors with ``requires_grad=False``.

    >>> import ember
    >>> @ember.no_grad
    ... def double(t):
    ...     return t * 2
    >>> double(ember.ones(1, requires_grad=True)).requires_grad
    False
    """

    enabled = False


class enable_grad(_NoArgMode):
    """Turn graph recording back on, for example inside ``no_grad``."""

    enabled = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off. Takes effect at once, and also works as a context."""

    def __init__(self, mode: bool) -> None:
        self.enabled = bool(mode)
        self._prev = (STATE.grad_enabled, STATE.inference)
        STATE.grad_enabled = self.enabled

    def __enter__(self) -> None:  # the switch already happened in __init__
        pass

    def _args(self) -> tuple:
        return (self.enabled,)

    def __call__(self, fn: Callable) -> Callable:
        # Used as a decorator: undo the immediate switch, then apply around each call.
        STATE.grad_enabled, STATE.inference = self._prev
        return super().__call__(fn)


class inference_mode(_GradMode):
    """Like ``no_grad``, for pure inference. ``inference_mode(False)`` leaves modes as they are.

    ember implements it as ``no_grad``; tensors made inside are ordinary tensors.
    """

    def __new__(cls, mode: bool | Callable = True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used bare, as ``@inference_mode``

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self.enabled = not self.mode

    def __enter__(self) -> None:
        self._prev = (STATE.grad_enabled, STATE.inference)
        if self.mode:
            STATE.grad_enabled = False
            STATE.inference = True

    def _args(self) -> tuple:
        return (self.mode,)
