"""Capture and restore the random number generators a training run draws from.

>>> import random
>>> from ember.training._rng import capture_rng_state, restore_rng_state
>>> state = capture_rng_state()
>>> a = random.random()
>>> restore_rng_state(state)
>>> random.random() == a
True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..ops.random import Generator, get_rng_state, set_rng_state
from ..tensor import Tensor

__all__ = ["capture_rng_state", "restore_rng_state"]


def capture_rng_state() -> dict[str, Any]:
    """The states of ember's default CPU generator (``"ember"``, a uint8 Tensor), Python's
    ``random`` (``"python"``) and NumPy's global generator (``"numpy"``), in a form
    :func:`ember.save` stores."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {"ember": get_rng_state(),
            "python": {"version": version, "state": list(internal), "gauss_next": gauss},
            "numpy": {"name": name, "keys": np.array(keys), "pos": int(pos),
                      "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}}


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Restore what :func:`capture_rng_state` returned. Every part is checked before any
    generator changes; a bad state raises ``ValueError``."""
    for apply in check_rng_state(state):
        apply()


def check_rng_state(state: Any) -> list[Callable[[], None]]:
    """Check ``state`` on throwaway generators; the functions that then restore it."""
    if not isinstance(state, Mapping) or not {"ember", "python", "numpy"} <= state.keys():
        raise ValueError("restore_rng_state: expected a dict with 'ember', 'python' and "
                         f"'numpy' states, got {_describe(state)}")
    ember_state, py, npy = state["ember"], state["python"], state["numpy"]
    try:
        if not isinstance(ember_state, Tensor):
            raise TypeError(f"expected a Tensor, got {type(ember_state).__name__}")
        Generator().set_state(ember_state)
    except (TypeError, RuntimeError) as exc:
        raise ValueError(f"restore_rng_state: invalid ember generator state: {exc}") from None
    try:
        py_state = (py["version"], tuple(py["state"]), py["gauss_next"])
        random.Random().setstate(py_state)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise ValueError(f"restore_rng_state: invalid Python random state: {exc!r}") from None
    try:
        np_state = (npy["name"], np.asarray(npy["keys"]), npy["pos"], npy["has_gauss"],
                    npy["cached_gaussian"])
        np.random.RandomState().set_state(np_state)
    except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        raise ValueError(f"restore_rng_state: invalid NumPy random state: {exc!r}") from None
    return [lambda: set_rng_state(ember_state), lambda: random.setstate(py_state),
            lambda: np.random.set_state(np_state)]


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"keys {sorted(map(str, value))}"
    return type(value).__name__
