"""The error the ``ember`` command reports as one paragraph (no traceback), and helpers
for its wording.

>>> err = CLIError("[train] epochs must be an integer >= 1, got 0")
>>> str(err), err.exit_code
('[train] epochs must be an integer >= 1, got 0', 2)
>>> describe("ten"), describe(3), describe(True), describe([1])
("'ten' (a string)", '3 (an integer)', 'true (a boolean)', '[1] (an array)')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class CLIError(Exception):
    """A user-facing error: ``main`` prints ``ember: error: <message>`` on stderr and
    returns ``exit_code`` (2 for a bad config or bad arguments, 1 for other failures)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
               list: "an array", dict: "a table"}


def type_name(value: Any) -> str:
    """The TOML word for a value's type: 'a string', 'an integer', 'a table', ..."""
    for cls, name in _TYPE_NAMES.items():
        if isinstance(value, cls):
            return name
    return f"a {type(value).__name__}"


def show(value: Any) -> str:
    """A short TOML-like rendering of a value for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(value: Any) -> str:
    """``show(value)`` with its type, e.g. ``"'ten' (a string)"``."""
    return f"{show(value)} ({type_name(value)})"


def choices_text(choices: Iterable[str]) -> str:
    """``'a', 'b' or 'c'`` for messages."""
    items = [repr(c) for c in choices]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
