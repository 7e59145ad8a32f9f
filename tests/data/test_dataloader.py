"""DataLoader in the main process: batching, shuffling, arguments (checked against torch)."""

from __future__ import annotations

import numpy as np
import pytest
import torch.utils.data as tud

import ember
from ember.data import DataLoader, IterableDataset, SequentialSampler, TensorDataset


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(range(self.n))


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(range(self.n))


def _lists(loader):
    return [b.tolist() if hasattr(b, "tolist") else b for b in loader]


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True),
                                                   (10, False), (None, False)])
def test_sequential_batches_match_torch(batch_size, drop_last):
    data = list(range(10))
    ours = DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    assert _lists(ours) == _lists(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (None, False)])
def test_iterable_dataset_matches_torch(batch_size, drop_last):
    ours = DataLoader(Stream(7), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(TorchStream(7), batch_size=batch_size, drop_last=drop_last)
    assert _lists(ours) == _lists(theirs) and len(ours) == len(theirs)


def test_batch_size_none_converts_numpy():
    out = list(DataLoader([np.arange(2), np.arange(2, 4)], batch_size=None))
    assert all(isinstance(t, ember.Tensor) for t in out) and out[1].tolist() == [2, 3]


def test_tensor_dataset_batches():
    x, y = ember.arange(10.0).reshape(5, 2), ember.arange(5)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].shape == (2, 2) and batches[0][0].dtype == ember.float32


def test_shuffle_seeded_and_per_epoch():
    loader = DataLoader(list(range(20)), batch_size=5, shuffle=True)
    ember.manual_seed(0)
    first, second = _lists(loader), _lists(loader)
    assert sorted(sum(first, [])) == list(range(20)) and first != second
    ember.manual_seed(0)
    assert _lists(loader) == first
    g = ember.Generator().manual_seed(7)
    a = _lists(DataLoader(list(range(20)), batch_size=5, shuffle=True, generator=g))
    g.manual_seed(7)
    assert _lists(DataLoader(list(range(20)), batch_size=5, shuffle=True, generator=g)) == a


def test_batch_sampler_and_collate_fn():
    loader = DataLoader(list(range(6)), batch_sampler=[[0, 5], [1]], collate_fn=sum)
    assert list(loader) == [5, 1]
    loader = DataLoader(list(range(4)), sampler=[3, 2, 1, 0], batch_size=2)
    assert _lists(loader) == [[3, 2], [1, 0]]


def test_pin_memory_accepted():
    assert _lists(DataLoader([1, 2], batch_size=2, pin_memory=True)) == [[1, 2]]


BAD = [
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=-2), "batch_size"),
    (dict(shuffle=True, sampler=SequentialSampler(range(4))), "mutually exclusive"),
    (dict(batch_sampler=[[0]], batch_size=2), "mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive"),
    (dict(prefetch_factor=2), "prefetch_factor"),
    (dict(num_workers=-1), "num_workers"),
    (dict(timeout=-1), "timeout"),
    (dict(persistent_workers=True), "persistent_workers"),
]


@pytest.mark.parametrize("kwargs,match", BAD, ids=[",".join(sorted(k)) + f"-{i}" for i, (k, _) in enumerate(BAD)])
def test_bad_arguments_raise_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(list(range(4)), **kwargs)
    torch_kwargs = dict(kwargs)
    if "sampler" in torch_kwargs and not isinstance(torch_kwargs["sampler"], list):
        torch_kwargs["sampler"] = tud.SequentialSampler(range(4))
    with pytest.raises((ValueError, AssertionError)):  # torch agrees these are errors
        tud.DataLoader(list(range(4)), **torch_kwargs)


def test_iterable_dataset_rejects_shuffle():
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError):
        tud.DataLoader(TorchStream(3), shuffle=True)


def test_digits_dataset_through_loader():
    pytest.importorskip("sklearn")
    from ember.data.datasets import Digits

    train, test = Digits(), Digits(train=False)
    assert (len(train), len(test)) == (1437, 360)
    x, y = next(iter(DataLoader(train, batch_size=16)))
    assert x.shape == (16, 1, 8, 8) and x.dtype == ember.float32 and y.dtype == ember.int64
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert np.bincount(test.targets).tolist() == [36, 37, 35, 37, 36, 36, 36, 36, 35, 36]
    assert not set(Digits(transform=lambda t: t * 2)[0][0].flatten().tolist()) - \
        {v * 2 for v in train[0][0].flatten().tolist()}


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    import sys

    from ember.data.datasets import digits

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "ember\[data\]"'):
        digits.Digits()

