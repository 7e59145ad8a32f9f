"""topk picks few of many entries by a partition; with ties it must still return the
entries a stable sort puts first (ties by position), as PyTorch's CPU topk does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ember


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape,dim,k", [((1, 5000), -1, 10), ((64, 300), 1, 5),
                                         ((7, 40, 3), 1, 3), ((40,), 0, 1), ((6, 40), 0, 1),
                                         ((3, 64), 1, 16)])
def test_topk_with_many_ties_matches_a_stable_sort_and_torch(dtype, largest, shape, dim, k):
    rng = np.random.default_rng(sum(shape) + k)
    a = rng.integers(0, 12, size=shape).astype(dtype)  # few distinct values: many ties
    got = ember.topk(ember.tensor(a), k, dim, largest)
    keys = -a.astype(np.float64) if largest else a
    expected = np.take(np.argsort(keys, axis=dim, kind="stable"), np.arange(k), axis=dim)
    np.testing.assert_array_equal(got.indices.numpy(), expected)
    ref = torch.topk(torch.from_numpy(a), k, dim, largest)
    np.testing.assert_array_equal(got.values.numpy(), ref.values.numpy())


def test_topk_nan_counts_as_largest_like_torch():
    a = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32)
    a[1, 7] = a[2, 3] = a[2, 9] = np.nan
    for largest in (True, False):
        got = ember.topk(ember.tensor(a), 3, 1, largest)
        ref = torch.topk(torch.from_numpy(a), 3, 1, largest)
        np.testing.assert_array_equal(got.values.numpy(), ref.values.numpy())
        # the same entries; PyTorch orders tied NaNs in no fixed way, ember by position
        np.testing.assert_array_equal(np.sort(got.indices.numpy(), axis=1),
                                      np.sort(ref.indices.numpy(), axis=1))
        assert got.indices[2, :2].tolist() == ([3, 9] if largest else
                                               np.argsort(a[2])[:2].tolist())
