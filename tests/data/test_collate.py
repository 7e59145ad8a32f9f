"""default_collate / default_convert against torch's."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
from ember.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def _plain(obj):
    """A framework-neutral view: tensors become (dtype name, shape, values)."""
    if isinstance(obj, (ember.Tensor, torch.Tensor)):
        return (str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, *[_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    return obj


SAMPLES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.5],
    "bools": [True, False],
    "strings": ["a", "b"],
    "arrays": [np.arange(3, dtype=np.uint8), np.arange(3, 6, dtype=np.uint8)],
    "float32 arrays": [np.ones((2, 2), np.float32)] * 3,
    "numpy scalars": [np.float32(1.0), np.float32(2.0)],
    "tuples": [(1, "x", 2.0), (3, "y", 4.0)],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_default_collate_matches_torch(name):
    batch = SAMPLES[name]
    assert _plain(default_collate(batch)) == _plain(tud.default_collate(batch))


def test_collate_tensors_stack_like_torch():
    ours = default_collate([(ember.ones(2, 3), 1), (ember.zeros(2, 3), 0)])
    theirs = tud.default_collate([(torch.ones(2, 3), 1), (torch.zeros(2, 3), 0)])
    assert _plain(ours) == _plain(theirs)


def test_collate_keeps_autograd():
    a = ember.ones(2, requires_grad=True)
    out = default_collate([a, a * 2])
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found"):
        default_collate([object(), object()])


@pytest.mark.parametrize("sample", [np.arange(3), (np.arange(2), "s", 3), {"k": np.zeros(1)},
                                    Point(np.ones(1), 2), 5, "text"])
def test_default_convert_matches_torch(sample):
    assert _plain(default_convert(sample)) == _plain(tud.default_convert(sample))
