"""Datasets and samplers, checked against torch.utils.data where it defines the answer."""

from __future__ import annotations

import pytest
import torch
import torch.utils.data as tud

import ember
from ember.data import (
    BatchSampler,
    ConcatDataset,
    Dataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


def test_tensor_dataset_rows_and_len():
    x, y = ember.arange(12.0).reshape(4, 3), ember.arange(4)
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    assert ds[2][0].tolist() == [6.0, 7.0, 8.0] and ds[2][1].item() == 2


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"\[4, 3\]"):
        TensorDataset(ember.zeros(4), ember.zeros(3))


def test_concat_dataset_matches_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(-len(ours), len(ours))] == \
        [theirs[i] for i in range(-len(theirs), len(theirs))]
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    with pytest.raises(IndexError):
        ours[9]
    assert (Subset(parts[0], [0]) + Subset(parts[1], [1]))[1] == 11


def test_subset_and_stack_dataset():
    ds = Subset(list("abcdef"), [5, 1, 3])
    assert [ds[i] for i in range(len(ds))] == ["f", "b", "d"]
    assert ds.__getitems__([0, 2]) == ["f", "d"]
    assert StackDataset([1, 2], [3, 4])[1] == tud.StackDataset([1, 2], [3, 4])[1]
    assert StackDataset(a=[1], b=[2])[0] == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="size mismatch"):
        StackDataset([1], [1, 2])


@pytest.mark.parametrize("lengths", [[0.5, 0.5], [0.3, 0.3, 0.4], [0.1, 0.9], [3, 7],
                                     [1 / 3] * 3])
def test_random_split_lengths_match_torch(lengths):
    data = list(range(10))
    ours = random_split(data, lengths, generator=ember.Generator().manual_seed(0))
    theirs = tud.random_split(data, lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in ours] == [len(p) for p in theirs]
    assert sorted(i for p in ours for i in p.indices) == data


def test_random_split_reproducible_and_errors():
    a = random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    b = random_split(range(20), [5, 15], generator=ember.Generator().manual_seed(3))
    assert a[0].indices == b[0].indices
    with pytest.raises(ValueError, match="sum of input lengths"):
        random_split(range(5), [2, 2])
    with pytest.raises(ValueError):
        tud.random_split(range(5), [2, 2])


def test_sequential_and_batch_sampler_match_torch():
    for bs in (1, 3, 4, 10):
        for drop in (False, True):
            ours = BatchSampler(SequentialSampler(range(10)), bs, drop)
            theirs = tud.BatchSampler(tud.SequentialSampler(range(10)), bs, drop)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_batch_sampler_bad_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError):
        tud.BatchSampler(range(3), bad, False)


def test_random_sampler_permutation_and_seed():
    g = ember.Generator().manual_seed(5)
    first = list(RandomSampler(range(50), generator=g))
    assert sorted(first) == list(range(50)) and first != list(range(50))
    ember.manual_seed(1)
    a = list(RandomSampler(range(50)))
    ember.manual_seed(1)
    assert list(RandomSampler(range(50))) == a


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10)
    out = list(s)
    assert len(out) == len(s) == 10
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]
    r = list(RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(r) == 100 and set(r) <= {0, 1, 2} and len(set(r)) == 3
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)


def test_weighted_and_subset_random_sampler():
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 5))
    assert w == [2] * 5
    nr = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(nr) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], -1)
    with pytest.raises(ValueError, match="1-d"):
        WeightedRandomSampler([[1.0]], 1)
    s = SubsetRandomSampler([10, 20, 30], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30] and len(s) == 3


def test_dataset_base_raises():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
