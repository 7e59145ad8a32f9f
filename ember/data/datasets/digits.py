"""scikit-learn's bundled 8x8 handwritten digits (1,797 images; no network needed).

The split is fixed: a stratified 80/20 split, 1,437 train / 360 test, the same on every
machine. Each class ``k`` (in label order) gives its ``round(n_k * 360 / 1797)`` test
images (largest remainders settle the total at exactly 360), drawn by a NumPy
``default_rng(0)`` permutation of that class's indices. Samples are (a 1x8x8 float32
tensor in [0, 1] (pixel / 16), an int label).

>>> ds = Digits(train=False)
>>> len(ds), ds[0][0].shape
(360, ember.Size([1, 8, 8]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...ops.creation import from_numpy
from ..dataset import Dataset

TEST_SIZE = 360


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError('Digits needs scikit-learn: pip install "ember[data]"') from None
    bunch = load_digits()
    return bunch.images, bunch.target


def split_indices(targets: np.ndarray, test_size: int = TEST_SIZE, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The fixed stratified (train, test) index split described in the module docstring.

    >>> tr, te = split_indices(np.array([0] * 8 + [1] * 2), test_size=5)
    >>> len(tr), len(te), int((np.array([0] * 8 + [1] * 2)[te] == 1).sum())
    (5, 5, 1)
    """
    classes, counts = np.unique(targets, return_counts=True)
    exact = counts * test_size / len(targets)
    take = np.floor(exact).astype(int)
    for k in np.argsort(-(exact - take), kind="stable")[:test_size - take.sum()]:
        take[k] += 1
    rng = np.random.default_rng(seed)
    test = []
    for c, k in zip(classes, take):
        members = np.flatnonzero(targets == c)
        test.append(members[rng.permutation(len(members))[:k]])
    test_idx = np.sort(np.concatenate(test))
    train_idx = np.setdiff1d(np.arange(len(targets)), test_idx)
    return train_idx, test_idx


class Digits(Dataset):
    """The 8x8 digits with a fixed train (1,437) / test (360) split."""

    classes = [str(i) for i in range(10)]

    def __init__(self, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        images, targets = _load_digits()
        train_idx, test_idx = split_indices(targets)
        idx = train_idx if train else test_idx
        self.train = train
        self.data = (images[idx, None] / 16.0).astype(np.float32)  # N x 1 x 8 x 8
        self.targets = targets[idx].astype(np.int64)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = from_numpy(self.data[index])
        target: Any = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
